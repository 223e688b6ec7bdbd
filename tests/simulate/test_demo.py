"""The demo holds the seed scenario of DOMAIN.md, counted from its own files."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from refwatch.simulate.demo import (
    DEMO_GROUPS,
    DEMO_OBSERVATIONS,
    DEMO_SOURCES,
    DemoFiles,
    write_demo,
)

from .test_edtf_helper import parse_interval
from .test_world import HEADER

EARLY = (date(2016, 7, 1), date(2017, 6, 30))
SURGE = (date(2017, 7, 1), date(2017, 8, 31))
TUMEN_NAMES = {"Tumen border detention center", "Tumen detention facility", "图们边防支队看守所"}
XISHUANGBANNA = {"Xishuangbanna", "西双版纳"}
CHANGBAI = {"Changbai", "长白", "장백"}

Rows = dict[str, list[dict[str, str]]]


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rows_by_person(files: DemoFiles) -> Rows:
    """Case-list rows grouped by the true person truth.csv assigns them to."""
    truth = {(t["source"], t["record_id"]): t["true_person_id"] for t in read(files.truth)}
    grouped: Rows = defaultdict(list)
    for path in files.case_lists:
        for row in read(path):
            grouped[truth.pop((row["source"], row["record_id"]))].append(row)
    assert not truth, "every truth row has its case-list row"
    return grouped


def bucket(row: dict[str, str]) -> str:
    interval = parse_interval(row["apprehended_on"])
    assert interval is not None, row
    if EARLY[0] <= interval[0] and interval[1] <= EARLY[1]:
        return "early"
    if SURGE[0] <= interval[0] and interval[1] <= SURGE[1]:
        return "surge"
    return "neither"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def persons(demo: DemoFiles) -> Rows:
    return rows_by_person(demo)


def flagged(rows: list[dict[str, str]], flag: str) -> bool:
    return flag in rows[0]["flags"].split(";")


def test_the_demo_writes_five_sources_case_lists_their_later_news_a_truth_file_and_a_readme(
    demo: DemoFiles,
) -> None:
    assert [p.name for p in demo.case_lists] == [
        "family-contacts-synthetic.csv",
        "activist-reports-synthetic.csv",
        "northern-rescue-network-synthetic.csv",
        "southern-route-network-synthetic.csv",
        "seoul-documentation-center-synthetic.csv",
        # Last, so that the 2017 lists' person ids do not move.
        "news-after-return-synthetic.csv",
    ]
    with demo.case_lists[-1].open(encoding="utf-8", newline="") as handle:
        later = list(csv.DictReader(handle))
    assert {r["source"] for r in later} <= {name for name, _, _ in DEMO_SOURCES}
    assert all(r["reported_on"] >= "2018" for r in later) and len(later) == 4
    for path in demo.case_lists:
        with path.open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == HEADER
    assert demo.truth.name == "truth.csv"
    assert "SYNTHETIC" in demo.readme.read_text(encoding="utf-8")


def test_the_demo_has_92_distinct_true_persons(persons: Rows) -> None:
    assert len(persons) == 92


def test_every_row_of_a_person_falls_in_the_same_bucket_51_early_41_in_july_august(
    persons: Rows,
) -> None:
    buckets = {pid: {bucket(r) for r in rows} for pid, rows in persons.items()}
    assert all(len(b) == 1 and "neither" not in b for b in buckets.values()), buckets
    values = [next(iter(b)) for b in buckets.values()]
    assert values.count("early") == 51
    assert values.count("surge") == 41


def test_11_children_4_older_women_and_1_baby_born_in_detention(persons: Rows) -> None:
    children = [rows for rows in persons.values() if flagged(rows, "child")]
    older = [rows for rows in persons.values() if flagged(rows, "older")]
    babies = [rows for rows in persons.values() if flagged(rows, "born_in_detention")]
    assert len(children) == 11
    assert len(older) == 4
    assert len(babies) == 1
    for rows in persons.values():
        assert len({r["flags"] for r in rows}) == 1, rows
        assert len({r["sex"] for r in rows}) == 1 and rows[0]["sex"] in {"F", "M"}, rows
    for rows in children:
        assert all(int(r["age"]) < 18 for r in rows if r["age"])
    for rows in older:
        assert rows[0]["sex"] == "F" and rows[0]["flags"] == "older;ill"
        assert all(int(r["age"]) >= 60 for r in rows if r["age"])
    (baby,) = babies
    assert baby[0]["flags"] == "born_in_detention"
    assert all(
        r["status"] == "detained" and r["held_at"] in ("", "Changbai detention center")
        for r in baby
    )
    assert {bucket(r) for r in baby} == {"surge"}


def test_37_returned_each_reported_returned_somewhere_and_55_still_detained(
    demo: DemoFiles,
    persons: Rows,
) -> None:
    truth_status = {t["true_person_id"]: t for t in read(demo.truth)}
    returned = [pid for pid in persons if truth_status[pid]["status"] == "returned"]
    detained = [pid for pid in persons if truth_status[pid]["status"] == "detained"]
    assert len(returned) == 37
    assert len(detained) == 55
    for pid in returned:
        true_return = date.fromisoformat(truth_status[pid]["status_on"])
        assert true_return > date.fromisoformat(truth_status[pid]["apprehended_on"])
        rows = persons[pid]
        assert any(r["status"] == "returned" for r in rows), rows
        for r in rows:
            if r["status"] == "returned":
                interval = parse_interval(r["status_on"])
                assert interval is not None and interval[0] <= true_return <= interval[1]
            elif r["status"] in ("held_in_dprk", "disappeared"):
                # Later news of the returned: reported in 2018, after the return.
                assert date.fromisoformat(r["reported_on"]) > true_return
                assert r["reported_on"] >= "2018"
            else:
                assert r["status"] == "detained"
                assert date.fromisoformat(r["reported_on"]) < true_return
    for pid in detained:
        assert all(r["status"] == "detained" and not r["status_on"] for r in persons[pid])
    after = [r for rows in persons.values() for r in rows if r["status"] in ("held_in_dprk",
             "disappeared")]
    assert sorted(r["status"] for r in after) == ["disappeared"] + ["held_in_dprk"] * 3


def test_every_apprehension_interval_contains_the_true_date(demo: DemoFiles) -> None:
    truth = {(t["source"], t["record_id"]): t for t in read(demo.truth)}
    for path in demo.case_lists:
        for row in read(path):
            interval = parse_interval(row["apprehended_on"])
            true_day = date.fromisoformat(truth[row["source"], row["record_id"]]["apprehended_on"])
            assert interval is not None and interval[0] <= true_day <= interval[1]


def test_july_august_places_include_xishuangbanna_and_changbai(persons: Rows) -> None:
    places = {
        r["apprehended_at"] for rows in persons.values() for r in rows if bucket(r) == "surge"
    }
    assert places & XISHUANGBANNA
    assert places & CHANGBAI


def test_some_returned_persons_were_held_in_the_tumen_facility(
    demo: DemoFiles,
    persons: Rows,
) -> None:
    truth = {t["true_person_id"]: t for t in read(demo.truth)}
    held = {
        r["held_at"]
        for pid, rows in persons.items()
        for r in rows
        if truth[pid]["status"] == "returned"
    }
    assert held & TUMEN_NAMES


def test_persons_appear_in_one_to_three_sources_with_overlap_and_noise(persons: Rows) -> None:
    counts = [len({r["source"] for r in rows}) for rows in persons.values()]
    assert min(counts) >= 1 and max(counts) <= 3
    assert sum(c <= 2 for c in counts) > len(counts) / 2
    assert sum(c >= 2 for c in counts) >= 20
    all_rows = [r for rows in persons.values() for r in rows]
    assert any(not r["name_hangul"] for r in all_rows)
    assert any(
        r["apprehended_on"] == "2017-07/2017-08" or len(r["apprehended_on"]) == 7 for r in all_rows
    )
    assert any(len(rows) > len({r["source"] for r in rows}) for rows in persons.values())


def test_two_different_persons_share_a_common_name(demo: DemoFiles) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for t in read(demo.truth):
        owners[t["name_hangul"]].add(t["true_person_id"])
    assert len(owners["김영희"]) == 2
    assert len(owners["김영철"]) == 2


def test_the_demo_is_deterministic_for_its_seed(tmp_path: Path, demo: DemoFiles) -> None:
    again = write_demo(tmp_path)
    for first, second in zip(demo.files, again.files, strict=True):
        assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("seed", [1, 99, 31337])
def test_other_seeds_hold_the_same_scenario(tmp_path: Path, seed: int) -> None:
    persons = rows_by_person(write_demo(tmp_path, seed))
    assert len(persons) == 92
    values = [bucket(rows[0]) for rows in persons.values()]
    assert values.count("early") == 51 and values.count("surge") == 41


def test_guides_and_context_observations_are_data_not_person_rows() -> None:
    (guides,) = DEMO_GROUPS
    assert guides["flags"] == ["guide"]
    assert guides["size_min"] is None and guides["size_max"] is None
    assert guides["source_type"] == "network"
    by_kind = defaultdict(list)
    for obs in DEMO_OBSERVATIONS:
        assert set(obs) == {
            "source",
            "source_type",
            "observed_on",
            "kind",
            "value",
            "unit",
            "description",
        }
        by_kind[obs["kind"]].append(obs)
    assert sorted(o["value"] for o in by_kind["capacity_change"]) == [-80.0, -20.0]
    assert by_kind["tip_off"][0]["value"] == 3.0 and by_kind["tip_off"][0]["unit"] == "groups"
    assert by_kind["tip_off"][0]["observed_on"] == "2017-01/2017-08"
    assert by_kind["border_security"][0]["value"] is None
