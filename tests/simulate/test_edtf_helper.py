"""A small EDTF interval reader for the simulate tests, written independently of the
generator, and tests of the reader itself.

Reading: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ``A/B`` (from the start of A to the end
of B); a trailing ``~`` widens a day by one month each side and a year by one year each
side (a month by one month).  Empty means unknown (None).
"""

from __future__ import annotations

import calendar
from datetime import date

import pytest


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_interval(text: str) -> tuple[date, date] | None:
    """The [earliest, latest] interval an EDTF cell denotes, or None when empty."""
    text = text.strip()
    if not text:
        return None
    if "/" in text:
        start, end = text.split("/")
        a, b = parse_interval(start), parse_interval(end)
        assert a is not None and b is not None, text
        assert a[0] <= b[1], text
        return a[0], b[1]
    approx = text.endswith("~")
    parts = [int(p) for p in text.rstrip("~").split("-")]
    if len(parts) == 3:
        y, m, d = parts
        day = date(y, m, d)
        if not approx:
            return day, day
        ly, lm = _shift_month(y, m, -1)
        hy, hm = _shift_month(y, m, 1)
        return (
            date(ly, lm, min(d, calendar.monthrange(ly, lm)[1])),
            date(hy, hm, min(d, calendar.monthrange(hy, hm)[1])),
        )
    if len(parts) == 2:
        y, m = parts
        if not approx:
            return date(y, m, 1), _last_day(y, m)
        ly, lm = _shift_month(y, m, -1)
        hy, hm = _shift_month(y, m, 1)
        return date(ly, lm, 1), _last_day(hy, hm)
    (y,) = parts
    spread = 1 if approx else 0
    return date(y - spread, 1, 1), date(y + spread, 12, 31)


def year_range(text: str) -> tuple[int, int] | None:
    """Birth-year cell ``1985`` or ``1985~`` as an inclusive year range."""
    interval = parse_interval(text)
    return None if interval is None else (interval[0].year, interval[1].year)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-07-13", (date(2017, 7, 13), date(2017, 7, 13))),
        ("2017-07", (date(2017, 7, 1), date(2017, 7, 31))),
        ("2017-07/2017-08", (date(2017, 7, 1), date(2017, 8, 31))),
        ("2017-07-10/2017-07-20", (date(2017, 7, 10), date(2017, 7, 20))),
        ("2017-07-15~", (date(2017, 6, 15), date(2017, 8, 15))),
        ("2017", (date(2017, 1, 1), date(2017, 12, 31))),
        ("1985~", (date(1984, 1, 1), date(1986, 12, 31))),
        ("", None),
    ],
)
def test_the_helper_reads_the_forms_the_generators_emit(
    text: str, expected: tuple[date, date] | None
) -> None:
    assert parse_interval(text) == expected


def test_the_helper_reads_a_birth_year_as_a_year_range() -> None:
    assert year_range("1985~") == (1984, 1986)
    assert year_range("1985") == (1985, 1985)
