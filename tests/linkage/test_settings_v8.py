"""Linkage settings version 8: a name whose family name could be first or last is compared
in its other reading also when one side has no apprehension date.

Version 7 compared "Young Sook Park" (name key 용|sokpalk, read the other way 박|yoNsok)
with "Pak Young Suk" (박|yoNsok) only when their apprehension dates overlap; a mention
without a date never met it, whatever else agreed. The pairs are found by the shipped
settings, on DuckDB, as a run does.
"""

from __future__ import annotations

from typing import Any

import duckdb
from splink import DuckDBAPI

from refwatch.linkage.features import _arrow_table
from refwatch.linkage.model import score
from refwatch.linkage.names import name_features
from refwatch.linkage.settings import SETTINGS_VERSION, LinkageConfig

DAY = 736_000  # a day number (2016)


def _row(index: int, latin: str, area: str | None, dated: bool) -> tuple[Any, ...]:
    names = name_features(None, latin)
    lo, hi = (DAY, DAY + 20) if dated else (None, None)
    return (
        index, f"S{index}", names.key, names.key_alt, names.surname, names.given, None,
        names.hangul, names.phonetic, names.phonetic_rev, None, None, "F",
        None, None, None, None, lo, hi, area, area,
        None, None, None, None, None, None,
    )  # fmt: skip


def _world() -> list[tuple[Any, ...]]:
    """One name given first (rows 0 and 3) and family name first (rows 1 and 4), in
    four places, two of them without a date; and a stranger."""
    return [
        _row(0, "Young Sook Park", "shenyang", dated=True),
        _row(1, "Pak Young Suk", None, dated=False),  # no date, no place
        _row(2, "Choe Myong Chol", "dandong", dated=True),
        _row(3, "Young Sook Park", "yanbian", dated=False),  # no date
        _row(4, "Bak Youngsuk", "tumen", dated=True),
    ]


def _pairs(config: LinkageConfig) -> set[tuple[int, int]]:
    table = _arrow_table(_world(), rare_name_cap=0, key_cap=40)
    with duckdb.connect(":memory:") as con:
        found = score(DuckDBAPI(con), table, config)
    return set(zip(found.a.tolist(), found.b.tolist(), strict=True))


def test_version_8_compares_the_other_reading_of_a_name_when_a_date_is_missing() -> None:
    config = LinkageConfig(prior_match=1e-5, calibrate_prior=False, keep_pairs_min=1e-12)
    saved = {**config.as_dict(), "settings_version": 7}
    saved["blocking"] = [r for r in saved["blocking"] if r not in _NEW]  # as version 7 saved
    old = _pairs(LinkageConfig.from_dict(saved))
    new = _pairs(config)
    # One side without a date: the name key of one is the other's name read the other way
    # (박|yoNsok). Rows 0 and 4 have both dates and were compared before; 1 and 4, and 0
    # and 3, have the same sound key and one side without a date, also compared before.
    assert {(0, 4), (1, 4), (0, 3)} <= old
    assert new - old == {(0, 1), (1, 3), (3, 4)}
    # The stranger meets no one.
    assert not any(2 in pair for pair in new)


_NEW = (
    "l.appr_lo IS NULL AND l.name_key = r.name_key_alt",
    "r.appr_lo IS NULL AND l.name_key = r.name_key_alt",
    "l.appr_lo IS NULL AND l.name_key_alt = r.name_key",
    "r.appr_lo IS NULL AND l.name_key_alt = r.name_key",
)


def test_runs_saved_before_version_8_keep_their_blocking_rules() -> None:
    saved = {**LinkageConfig().as_dict(), "settings_version": 7}
    saved["blocking"] = [r for r in saved["blocking"] if r not in _NEW]
    old = LinkageConfig.from_dict(saved)
    assert not set(_NEW) & set(old.blocking)
    assert set(_NEW) <= set(LinkageConfig().blocking)
    assert LinkageConfig().as_dict()["settings_version"] == SETTINGS_VERSION >= 8
