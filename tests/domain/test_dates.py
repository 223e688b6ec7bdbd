from __future__ import annotations

from datetime import date

import pytest
from edtf import parse_edtf
from hypothesis import given, settings
from hypothesis import strategies as st

from refwatch.domain.dates import parse_date, parse_optional_date
from refwatch.domain.errors import DateError


def _edtf_bounds(text: str) -> tuple[date, date]:
    parsed = parse_edtf(text)
    lo, hi = parsed.lower_strict(), parsed.upper_strict()
    return date(lo.tm_year, lo.tm_mon, lo.tm_mday), date(hi.tm_year, hi.tm_mon, hi.tm_mday)


days = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=40, deadline=None)
@given(day=days, precision=st.sampled_from(["year", "month", "day"]))
def test_fast_path_agrees_with_the_edtf_package(day: date, precision: str) -> None:
    text = {"year": f"{day:%Y}", "month": f"{day:%Y-%m}", "day": day.isoformat()}[precision]
    interval = parse_date(text)
    assert (interval.earliest, interval.latest) == _edtf_bounds(text)


@settings(max_examples=30, deadline=None)
@given(a=days, b=days)
def test_fast_interval_agrees_with_the_edtf_package(a: date, b: date) -> None:
    lo, hi = min(a, b), max(a, b)
    text = f"{lo:%Y-%m}/{hi:%Y-%m}"
    interval = parse_date(text)
    assert (interval.earliest, interval.latest) == _edtf_bounds(text)


def test_july_or_august_is_one_interval_over_both_months() -> None:
    interval = parse_date("2017-07/2017-08")
    assert interval.edtf == "2017-07/2017-08"
    assert (interval.earliest, interval.latest) == (date(2017, 7, 1), date(2017, 8, 31))
    assert interval.within(date(2017, 7, 1), date(2017, 8, 31))
    assert not interval.within(date(2017, 7, 1), date(2017, 7, 31))
    assert interval.overlaps(date(2017, 7, 1), date(2017, 7, 31))


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2017-07-15~", date(2017, 6, 15), date(2017, 8, 15)),
        ("1985~", date(1984, 1, 1), date(1986, 12, 31)),
        ("1985?", date(1984, 1, 1), date(1986, 12, 31)),
        ("2017-07%", date(2017, 5, 1), date(2017, 9, 30)),
        ("2016-12/2017-01", date(2016, 12, 1), date(2017, 1, 31)),
        ("201X", date(2010, 1, 1), date(2019, 12, 31)),
    ],
)
def test_qualified_and_unspecified_dates_widen_the_interval(
    text: str, earliest: date, latest: date
) -> None:
    interval = parse_date(text)
    assert (interval.earliest, interval.latest) == (earliest, latest)


@pytest.mark.parametrize(
    "text", ["July 2017", "2017-02-30", "2017-13", "2017-08/2017-07", "2017-07/..", "", "17-07"]
)
def test_a_string_that_is_not_a_bounded_edtf_date_is_refused(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text)


def test_an_empty_optional_date_means_unknown() -> None:
    assert parse_optional_date("  ") is None
    assert parse_optional_date(None) is None
