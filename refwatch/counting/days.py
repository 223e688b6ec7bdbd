"""Dates as whole day numbers, so a million intervals compare in one numpy operation.

A day is its count since 1970-01-01 (numpy's `datetime64[D]` epoch). An unknown end of an
interval is `NEG` or `POS`, far outside any real date, so "unknown" needs no special case
in a comparison: an interval that starts at `NEG` is never certainly after anything.
Months are numbered `year * 12 + month - 1`, so consecutive months are consecutive ints.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

Days = npt.NDArray[np.int64]
NEG = -(10**7)
POS = 10**7
EPOCH = date(1970, 1, 1)


def to_day(value: date) -> int:
    return (value - EPOCH).days


@lru_cache(maxsize=1 << 16)
def from_day(day: int) -> date:
    """The date of a day number. Remembered: the alert rules turn a million days into
    dates after a run, and a few years hold only a thousand distinct days."""
    return EPOCH + timedelta(days=int(day))


def day_array(values: Sequence[Any], missing: int) -> Days:
    """Dates (date objects or ISO strings, None for unknown) as day numbers."""
    raw = np.array(values, dtype="datetime64[D]").astype(np.int64)
    nat = np.iinfo(np.int64).min
    return np.where(raw == nat, np.int64(missing), raw)


def month_of(days: Days) -> npt.NDArray[np.int64]:
    """Month number of each day; unknown ends stay unknown (NEG or POS)."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return np.where(days <= NEG, NEG, np.where(days >= POS, POS, months))


def month_number(value: date) -> int:
    return value.year * 12 + value.month - 1


def month_start(month: int) -> date:
    return date(month // 12, month % 12 + 1, 1)


def month_end(month: int) -> date:
    return month_start(month + 1) - timedelta(days=1)


def month_label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def completed_years(born: Days, on: Days) -> npt.NDArray[np.int64]:
    """Whole years between two days (age on `on` of someone born on `born`)."""
    b = born.astype("datetime64[D]")
    o = on.astype("datetime64[D]")
    years = o.astype("datetime64[Y]").astype(np.int64) - b.astype("datetime64[Y]").astype(np.int64)

    def month_day(d: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        month = d.astype("datetime64[M]")
        in_year = (month - d.astype("datetime64[Y]")).astype(np.int64)
        day: npt.NDArray[np.int64] = (d - month).astype(np.int64)
        combined: npt.NDArray[np.int64] = in_year * 32 + day
        return combined

    later: npt.NDArray[np.int64] = (month_day(o) < month_day(b)).astype(np.int64)
    return np.asarray(years - later, dtype=np.int64)
