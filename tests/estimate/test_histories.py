"""The rules that turn persons into capture tables and strata (no database needed)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from refwatch.estimate.histories import (
    PersonHistory,
    _interval,
    histories_from_persons,
    stratum_of,
)


def person(pid: str, lists: set[str], start: date | None, end: date | None) -> PersonHistory:
    return PersonHistory(pid, set(lists), start, end)


def test_sources_that_agree_narrow_the_date_and_contradicting_sources_widen_it() -> None:
    agree = [(date(2017, 7, 1), date(2017, 7, 31)), (date(2017, 7, 10), date(2017, 8, 31))]
    assert _interval(agree) == (date(2017, 7, 10), date(2017, 7, 31))
    clash = [(date(2017, 7, 1), date(2017, 7, 31)), (date(2017, 9, 1), date(2017, 9, 30))]
    assert _interval(clash) == (date(2017, 7, 1), date(2017, 9, 30))


def test_a_date_spanning_two_months_goes_to_its_midpoint_and_is_counted() -> None:
    people = [
        person("P1", {"A", "B"}, date(2017, 7, 20), date(2017, 8, 20)),  # midpoint 5 Aug
        person("P2", {"A"}, date(2017, 7, 1), date(2017, 7, 2)),
        person("P3", {"B", "C"}, None, None),
    ]
    result = histories_from_persons(people, stratify="month")
    assert result.persons["2017-08"] == ["P1"]
    assert result.persons["2017-07"] == ["P2"]
    assert result.persons["unknown"] == ["P3"]
    assert any(
        "1 persons have an apprehension date that spans two months" in n for n in result.notes
    )


def test_a_period_leaves_out_undated_persons_and_says_so() -> None:
    people = [
        person("P1", {"A"}, date(2017, 1, 5), date(2017, 1, 5)),
        person("P2", {"B"}, None, None),
        person("P3", {"C"}, date(2018, 1, 5), date(2018, 1, 5)),
    ]
    result = histories_from_persons(
        people, period_from=date(2017, 1, 1), period_to=date(2017, 12, 31)
    )
    assert result.persons["total"] == ["P1"]
    assert any("1 persons with no known apprehension date" in n for n in result.notes)


@given(st.lists(st.sets(st.sampled_from("ABCD"), min_size=1), min_size=1, max_size=60))
def test_every_person_is_counted_once_in_the_cell_of_exactly_their_lists(
    memberships: list[set[str]],
) -> None:
    people = [person(f"P{i}", m, None, None) for i, m in enumerate(memberships)]
    table = histories_from_persons(people).total
    assert table.n == len(people)
    for h in range(1, 1 << table.t):
        lists = {name for j, name in enumerate(table.lists) if h >> j & 1}
        assert table.counts[h] == sum(1 for m in memberships if m == lists)


def test_quarters_are_labelled_by_year_and_quarter() -> None:
    assert stratum_of(person("P", {"A"}, date(2017, 11, 1), date(2017, 11, 3)), "quarter") == (
        "2017-Q4",
        False,
    )
