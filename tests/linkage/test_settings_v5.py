"""Linkage settings version 5: a rare flag on both mentions, and the same outcome on the
same day for two mentions of one name caught together, count for a match; neither may
join two people because they happen to share a flag, an event or an outcome.

The pairs are scored by the shipped settings with their declared values (a workspace of
fewer than `min_mentions_to_train` mentions is not trained), on DuckDB, as a run does.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
from splink import DuckDBAPI

from refwatch.linkage.cluster import weight_of
from refwatch.linkage.features import FULL_SCHEMA, _arrow_table, rare_flags
from refwatch.linkage.model import Scores, comparison_names, score
from refwatch.linkage.names import name_features
from refwatch.linkage.settings import (
    FLAG_SAME_M,
    FLAG_SAME_U,
    OUTCOME_DAY_M,
    OUTCOME_DAY_U,
    SETTINGS_VERSION,
    LinkageConfig,
    settings_creator,
)

DAY = 736_000  # a day number (2016)


def _row(
    index: int,
    hangul: str,
    *,
    source: str = "S1",
    sex: str = "F",
    appr: tuple[int, int] = (DAY, DAY),
    area: str | None = "yanbian",
    status: str | None = "returned",
    status_on: tuple[int, int] | None = (DAY + 60, DAY + 60),
    flags: str | None = None,
) -> tuple[Any, ...]:
    names = name_features(hangul, None)
    s_lo, s_hi = status_on if status_on is not None else (None, None)
    return (
        index, source, names.key, names.key_alt, names.surname, names.given, None,
        names.hangul, names.phonetic, names.phonetic_rev, None, None, sex,
        None, None, None, None, appr[0], appr[1], area, area,
        status if s_lo is not None else None, s_lo, s_hi, None, None, rare_flags(flags),
    )  # fmt: skip


def _scores(rows: list[tuple[Any, ...]]) -> tuple[Scores, dict[tuple[int, int], int]]:
    table = _arrow_table(rows, rare_name_cap=50, key_cap=40)
    assert table.schema == FULL_SCHEMA
    with duckdb.connect(":memory:") as con:
        # The prior of a workspace of 100,000 mentions, not of these few rows.
        config = LinkageConfig(prior_match=1e-5, calibrate_prior=False, keep_pairs_min=1e-12)
        found = score(DuckDBAPI(con), table, config)
    rows_of = zip(found.a.tolist(), found.b.tolist(), strict=True)
    return found, {(a, b): i for i, (a, b) in enumerate(rows_of)}


def _part(found: Scores, row: int, comparison: str) -> float:
    return float(found.parts[row, comparison_names(found.model).index(comparison)])


def test_rare_flags_keep_only_flags_few_people_carry() -> None:
    assert rare_flags("child;ill") == "ill"
    assert rare_flags("pregnant;guide") == "guide;pregnant"
    assert rare_flags("child;older") is None
    assert rare_flags("") is None
    assert rare_flags(None) is None


def test_version_5_adds_a_flags_comparison_and_an_outcome_day_level() -> None:
    assert SETTINGS_VERSION >= 5  # version 6 keeps them (tests/linkage/test_groups.py)
    assert LinkageConfig().as_dict()["settings_version"] == SETTINGS_VERSION
    settings = settings_creator(LinkageConfig()).get_settings("duckdb").as_dict()
    by_name = {c["output_column_name"]: c for c in settings["comparisons"]}
    flags = [lv["label_for_charts"] for lv in by_name["flags"]["comparison_levels"]]
    assert flags == [
        "a rare flag on one side or neither",
        "the same rare flags",
        "other rare flags",
    ]
    outcome = by_name["outcome"]["comparison_levels"]
    first = outcome[1]  # after the null level
    assert first["label_for_charts"].startswith("same outcome on the same day, same name")
    assert "name_key_l = name_key_r" in first["sql_condition"]


def test_runs_saved_before_version_5_read_back_as_they_were() -> None:
    # A version 4 run's saved configuration reads back with its own term-frequency rule;
    # its saved model has no flags comparison, so the new column changes none of its
    # weights (the comparisons a run scores with are the ones saved with it).
    old = dict(LinkageConfig().as_dict())
    old["settings_version"] = 4
    assert LinkageConfig.from_dict(old).tf_own_mentions == 2.0
    old["settings_version"] = 3
    del old["tf_own_mentions"]
    assert LinkageConfig.from_dict(old).tf_own_mentions == 0.0


def test_one_name_caught_together_with_the_same_outcome_day_and_flag_is_one_person() -> None:
    rows = [
        _row(0, "김영희", flags="ill"),
        _row(1, "김영희", source="S2", appr=(DAY, DAY + 30), flags="child;ill"),
    ]
    found, pair = _scores(rows)
    i = pair[(0, 1)]
    assert math.isclose(_part(found, i, "outcome"), math.log2(OUTCOME_DAY_M / OUTCOME_DAY_U))
    assert math.isclose(_part(found, i, "flags"), math.log2(FLAG_SAME_M / FLAG_SAME_U))


def test_group_mates_sharing_outcome_day_and_flag_stay_two_people() -> None:
    # Two group-mates: caught together, released together, both ill; different names.
    rows = [
        _row(0, "김영희", flags="ill"),
        _row(1, "박정숙", source="S2", flags="ill"),
    ]
    found, pair = _scores(rows)
    i = pair[(0, 1)]
    # The outcome-day level needs one name: here only "caught together" applies.
    assert _part(found, i, "outcome") < 2.0
    assert found.weight[i] < weight_of(LinkageConfig().threshold)


def test_namesakes_in_one_area_and_month_are_not_joined_by_the_new_levels() -> None:
    # Three women called 김영희 caught in one area within ten days: the first and second
    # on one day but released on different days, the third on another day. Flags on one
    # side only, or different flags, weigh nothing; the outcome-day level needs the same
    # day on both sides and the same event.
    rows = [
        _row(0, "김영희", flags="pregnant"),
        _row(1, "김영희", source="S2", status_on=(DAY + 80, DAY + 80)),
        _row(2, "김영희", source="S2", appr=(DAY + 9, DAY + 9), flags="ill"),
    ]
    found, pair = _scores(rows)
    new_level = math.log2(OUTCOME_DAY_M / OUTCOME_DAY_U)
    for other in (1, 2):
        i = pair[(0, other)]
        assert not math.isclose(_part(found, i, "outcome"), new_level)
        assert _part(found, i, "flags") == 0.0
        assert found.weight[i] < weight_of(LinkageConfig().threshold)


def test_the_flags_column_is_read_from_the_mentions(tmp_path: Any, secret: Any) -> None:
    from refwatch.intake.importer import import_files
    from refwatch.linkage.features import load_mentions
    from refwatch.simulate.world import simulate_world
    from refwatch.store.crypto import FieldCipher
    from refwatch.store.workspace import init_workspace
    from tests.conftest import TEST_KDF

    world = simulate_world(tmp_path / "world", people=300, sources=3, seed=4)
    workspace = init_workspace(tmp_path / "ws", secret, kdf=TEST_KDF)
    cipher = FieldCipher(workspace.unlock(secret))
    import_files(workspace, cipher, list(world.case_lists))
    with workspace.read() as conn:
        table = load_mentions(conn, cipher)
    workspace.close()
    flags = [f for f in table.table.column("flags_rare").to_pylist() if f is not None]
    assert flags and set(";".join(flags).split(";")) <= {
        "pregnant",
        "ill",
        "guide",
        "born_in_detention",
    }
    assert isinstance(table.table, pa.Table)
