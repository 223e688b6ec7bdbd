"""Linkage settings version 7: a name's frequency counts only the pairs of two people that
can reach the level it weighs ("same Hangul name" needs Hangul on both sides; "same name
under every spelling" is reached only when a side lacks Hangul), so that it matches the
m of that level, which EM trains over all true pairs.

The pairs are scored by the shipped settings with their declared values (a workspace of
fewer than `min_mentions_to_train` mentions is not trained), on DuckDB, as a run does.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from splink import DuckDBAPI

from refwatch.linkage.features import _arrow_table
from refwatch.linkage.model import (
    TF_FLOOR,
    Scores,
    comparison_names,
    level_shares,
    score,
    term_frequencies,
)
from refwatch.linkage.names import name_features
from refwatch.linkage.settings import SETTINGS_VERSION, LinkageConfig

DAY = 736_000  # a day number (2016)


def _row(index: int, hangul: str | None, latin: str | None, area: str) -> tuple[Any, ...]:
    names = name_features(hangul, latin)
    return (
        index, f"S{index % 3}", names.key, names.key_alt, names.surname, names.given, None,
        names.hangul, names.phonetic, names.phonetic_rev, None, None, "F",
        None, None, None, None, DAY, DAY + 20, area, area,
        None, None, None, None, None, None,
    )  # fmt: skip


def _world() -> list[tuple[Any, ...]]:
    """Eight mentions, six with Hangul: 김영희 in Hangul twice and romanised once (a key
    pair with one side lacking Hangul), 박정숙 twice in Hangul, three others."""
    return [
        _row(0, "김영희", None, "yanbian"),
        _row(1, "김영희", None, "yanbian"),
        _row(2, None, "Kim Young-hee", "yanbian"),
        _row(3, "박정숙", None, "baishan"),
        _row(4, "박정숙", None, "baishan"),
        _row(5, "이순옥", None, "tumen"),
        _row(6, None, "Choe Myong-chol", "dandong"),
        _row(7, "한금순", None, "xishuangbanna"),
    ]


def _name_bits(config: LinkageConfig) -> tuple[dict[tuple[int, int], float], Scores]:
    table = _arrow_table(_world(), rare_name_cap=50, key_cap=40)
    with duckdb.connect(":memory:") as con:
        found = score(DuckDBAPI(con), table, config)
    name = comparison_names(found.model).index("name")
    bits = {
        (a, b): float(found.parts[i, name] + (0.0 if math.isnan(found.tf[i]) else found.tf[i]))
        for i, (a, b) in enumerate(zip(found.a.tolist(), found.b.tolist(), strict=True))
    }
    return bits, found


def test_level_shares_are_the_pairs_that_can_reach_each_name_level() -> None:
    table = pa.table({"hangul": ["김영희", "김영희", None, "박정숙"]})
    shares = level_shares(table)
    assert shares == {"hangul": 0.75, "name_key": 1 - 0.75**2}
    # No mention in Hangul: the key level is reached by every pair; the Hangul level by
    # none (floored at one pair in the mentions, never zero).
    none = level_shares(pa.table({"hangul": pa.array([None, None], pa.string())}))
    assert none == {"hangul": 0.5, "name_key": 1.0}
    every = level_shares(pa.table({"hangul": ["김영희", "박정숙"]}))
    assert every == {"hangul": 1.0, "name_key": 0.5}


def test_term_frequencies_are_multiplied_by_the_share() -> None:
    names = ["김영희"] * 5 + ["박정숙"] * 2 + [None] * 3
    tf = term_frequencies(pa.table({"hangul": names}), "hangul", 2.0, share=0.7).to_pydict()
    got = dict(zip(tf["hangul"], tf["tf_hangul"], strict=True))
    assert got == pytest.approx({"김영희": 0.7 * 3 / 10, "박정숙": 0.7 * TF_FLOOR / 10})


def test_version_7_weighs_the_name_levels_by_the_pairs_that_reach_them() -> None:
    config = LinkageConfig(prior_match=1e-5, calibrate_prior=False, keep_pairs_min=1e-12)
    saved = {**config.as_dict(), "settings_version": 6}
    del saved["tf_pair_shares"]  # as a run of version 6 saved it
    old, before = _name_bits(LinkageConfig.from_dict(saved))
    new, found = _name_bits(config)
    h = 6 / 8  # mentions written in Hangul
    # Same Hangul name (rows 0 and 1): the frequency was of mentions; the pair needs both
    # sides in Hangul, which two people of that name have in h of the cases counted.
    assert new[(0, 1)] - old[(0, 1)] == pytest.approx(math.log2(1 / h))
    # Same name key, one side romanised (rows 0 and 2): reached in 1 - h^2 of the cases.
    assert new[(0, 2)] - old[(0, 2)] == pytest.approx(math.log2(1 / (1 - h * h)))
    assert new[(0, 2)] > old[(0, 2)] + 1.0
    # The other comparisons are untouched: the frequency adjusts only these two levels.
    name = comparison_names(found.model).index("name")
    assert found.parts.shape == before.parts.shape and len(found) >= 3
    for j in range(found.parts.shape[1]):
        if j != name:
            assert found.parts[:, j].tolist() == before.parts[:, j].tolist()


def test_runs_saved_before_version_7_keep_their_frequencies_and_threshold() -> None:
    saved = {**LinkageConfig().as_dict(), "settings_version": 6, "threshold": 0.35}
    del saved["tf_pair_shares"]
    old = LinkageConfig.from_dict(saved)
    assert old.tf_pair_shares is False
    assert old.threshold == 0.35
    assert LinkageConfig.from_dict(LinkageConfig().as_dict()).tf_pair_shares is True
    assert LinkageConfig().as_dict()["settings_version"] == SETTINGS_VERSION >= 7
