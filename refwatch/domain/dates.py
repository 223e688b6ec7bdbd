"""EDTF dates as intervals: the verbatim string plus the earliest and latest day it allows.

Sources say "July or August" (`2017-07/2017-08`), "about mid-July" (`2017-07-15~`) or
"born around 1985" (`1985~`). Counting needs the interval, the record needs the words, so
both are kept. The common forms (YYYY, YYYY-MM, YYYY-MM-DD, each optionally qualified by
`~` approximate, `?` uncertain or `%` both, and intervals of them) are computed directly,
because the `edtf` parser costs ~10 ms a call; everything else (seasons, unspecified digits,
open ends are refused) goes through `edtf`. A qualified date widens its interval, never
shrinks it: RefWatch pads a qualified year by one year, a qualified month or day by one
month, and doubles that for `%` (EDTF leaves the padding to implementations). A test checks
the fast path against `edtf` for the unqualified forms.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from edtf import parse_edtf
from edtf.parser.edtf_exceptions import EDTFParseException

from refwatch.domain.errors import (
    EMPTY_DATE,
    ENDS_BEFORE_START,
    NO_BOUNDS,
    NOT_EDTF,
    OUT_OF_RANGE,
    DateError,
)

_PLAIN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%]?)$")


@dataclass(frozen=True, slots=True)
class DateInterval:
    """A reported date: `edtf` as written, and the closed interval [earliest, latest]."""

    edtf: str
    earliest: date
    latest: date

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest

    def within(self, start: date, end: date) -> bool:
        """True when every day the report allows lies in [start, end]: counts as 'at least'."""
        return start <= self.earliest and self.latest <= end

    def overlaps(self, start: date, end: date) -> bool:
        """True when some day the report allows lies in [start, end]: counts as 'at most'."""
        return self.earliest <= end and start <= self.latest


def _plain_bounds(text: str) -> tuple[date, date] | None:
    match = _PLAIN.match(text)
    if match is None:
        return None
    year = int(match.group(1))
    month_s, day_s, qualifier = match.group(2), match.group(3), match.group(4)
    factor = {"": 0, "~": 1, "?": 1, "%": 2}[qualifier]
    try:
        if month_s is None:
            return date(year - factor, 1, 1), date(year + factor, 12, 31)
        month = int(month_s)
        if day_s is None:
            lo = date(year, month, 1)
            hi = date(year, month, calendar.monthrange(year, month)[1])
        else:
            lo = hi = date(year, month, int(day_s))
    except ValueError:
        return None
    return _shift_months(lo, -factor), _shift_months(hi, factor)


def _shift_months(day: date, months: int) -> date:
    """Move by whole months, clamping to the month's last day (Jan 31 + 1 month = Feb 28)."""
    if months == 0:
        return day
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _from_struct(value: time.struct_time) -> date:
    return date(value.tm_year, value.tm_mon, value.tm_mday)


@lru_cache(maxsize=65536)
def parse_date(text: str) -> DateInterval:
    """Parse an EDTF string; raise DateError (with the reason) when it is not one.

    Open or unknown ends (`2017-07/..`) are refused: a claimed event needs bounds, and an
    empty cell is how a case list says "unknown".
    """
    value = text.strip()
    if not value:
        raise DateError(EMPTY_DATE)
    plain = _plain_bounds(value)
    if plain is not None:
        return DateInterval(value, plain[0], plain[1])
    if "/" in value:
        left, _, right = value.partition("/")
        lo, hi = _plain_bounds(left), _plain_bounds(right)
        if lo is not None and hi is not None:
            if hi[1] < lo[0]:
                raise DateError(ENDS_BEFORE_START, value=repr(value))
            return DateInterval(value, lo[0], hi[1])
    try:
        parsed = parse_edtf(value)
        earliest = parsed.lower_strict()
        latest = parsed.upper_strict()
    except (EDTFParseException, ValueError, TypeError, AttributeError, OverflowError) as exc:
        raise DateError(NOT_EDTF, value=repr(value)) from exc
    if earliest is None or latest is None:
        raise DateError(NO_BOUNDS, value=repr(value))
    try:
        lo_day, hi_day = _from_struct(earliest), _from_struct(latest)
    except (ValueError, OverflowError, AttributeError, TypeError) as exc:
        raise DateError(OUT_OF_RANGE, value=repr(value)) from exc
    if hi_day < lo_day:
        raise DateError(ENDS_BEFORE_START, value=repr(value))
    return DateInterval(value, lo_day, hi_day)


def parse_optional_date(text: str | None) -> DateInterval | None:
    """Like `parse_date`, but an empty or missing value means unknown (None)."""
    if text is None or not text.strip():
        return None
    return parse_date(text)
