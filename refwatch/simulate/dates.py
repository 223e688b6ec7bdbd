"""Noisy but honest EDTF dates for the synthetic sources.

Why: real lists give "2017-07", "2017-07/2017-08" or "about 15 July" instead of the day,
and counting must carry that uncertainty as bounds.  Every string made here denotes an
interval that CONTAINS the true date (a noisy date is imprecise, never wrong), so tests
can check that documented bounds hold the truth.

Forms emitted (the only ones; ``FORMS``):

==============  ===========================  ==========================================
form            example                      interval it denotes
==============  ===========================  ==========================================
``day``         ``2017-07-13``               that day
``day_approx``  ``2017-07-13~``              "about that day": the true date is at most
                                             ``APPROX_DAYS`` (3) days away; readers may
                                             widen ``~`` on a day by up to a month
``month``       ``2017-07``                  the whole month
``month_range`` ``2017-07/2017-08``          first day of the first month to last day of
                                             the second (two adjacent months)
``day_range``   ``2017-07-10/2017-07-20``    those days inclusive (at most 21 days)
``year``        ``2017``                     the whole year
``unknown``     empty string                 unknown (no bounds)
==============  ===========================  ==========================================

Birth years are ``1985`` (exact) or ``1985~`` (true year within one year of it).
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final

FORMS: Final[tuple[str, ...]] = (
    "day", "day_approx", "month", "month_range", "day_range", "year", "unknown",
)
APPROX_DAYS: Final = 3
"""How far from the truth a ``YYYY-MM-DD~`` date may be."""
APPROX_DAY_READING: Final = 31
"""Conservative width (days each side) with which bounded output reads a ``~`` day."""


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    """First day of the month ``months`` after the month of ``d``."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _render(form: str, true: date, rng: random.Random) -> tuple[str, date | None, date | None]:
    if form == "day":
        return true.isoformat(), true, true
    if form == "day_approx":
        shown = true + timedelta(days=rng.randint(-APPROX_DAYS, APPROX_DAYS))
        spread = timedelta(days=APPROX_DAY_READING)
        return f"{shown.isoformat()}~", shown - spread, shown + spread
    if form == "month":
        return true.strftime("%Y-%m"), month_start(true), month_end(true)
    if form == "month_range":
        first = add_months(true, -1) if rng.random() < 0.5 else month_start(true)
        second = add_months(first, 1)
        text = f"{first.strftime('%Y-%m')}/{second.strftime('%Y-%m')}"
        return text, first, month_end(second)
    if form == "day_range":
        lo = true - timedelta(days=rng.randint(0, 10))
        hi = true + timedelta(days=rng.randint(0, 10))
        if lo == hi:
            hi += timedelta(days=1)
        return f"{lo.isoformat()}/{hi.isoformat()}", lo, hi
    if form == "year":
        return str(true.year), date(true.year, 1, 1), date(true.year, 12, 31)
    if form == "unknown":
        return "", None, None
    raise ValueError(f"unknown date form: {form!r}")


def noisy_date(true: date, rng: random.Random, weights: Mapping[str, float],
               bounds: tuple[date, date] | None = None) -> str:
    """Render ``true`` in a form drawn from ``weights`` (form -> weight).

    With ``bounds`` the whole denoted interval stays inside them (``~`` read as
    +/- ``APPROX_DAY_READING`` days, unknown not allowed): a form that would cross them
    becomes a clamped day range or, failing that, the exact day.  ``true`` must lie in
    ``bounds``.
    """
    form = rng.choices(tuple(weights), weights=tuple(weights.values()))[0]
    text, lo, hi = _render(form, true, rng)
    if bounds is None:
        return text
    first, last = bounds
    if not first <= true <= last:
        raise ValueError(f"{true} outside bounds {bounds}")
    if lo is not None and hi is not None and first <= lo and hi <= last:
        return text
    if form in ("day_range", "month_range", "year", "month") and lo is not None and hi is not None:
        lo, hi = max(lo, first), min(hi, last)
        if lo < hi:
            return f"{lo.isoformat()}/{hi.isoformat()}"
    return true.isoformat()


def noisy_birth_year(year: int, rng: random.Random, approx_rate: float) -> str:
    """``1985`` or, with probability ``approx_rate``, ``YYYY~`` within a year of the truth."""
    if rng.random() < approx_rate:
        return f"{year + rng.randint(-1, 1)}~"
    return str(year)


def edtf_bounds(text: str) -> tuple[date, date] | None:
    """The interval a string made by this module denotes (None for unknown).

    Used by the demo's self-check; it reads ``~`` on a day as +/- ``APPROX_DAY_READING``
    days and on a year as +/- one year.
    """
    text = text.strip()
    if not text:
        return None
    if "/" in text:
        a, b = text.split("/", 1)
        lo, hi = edtf_bounds(a), edtf_bounds(b)
        if lo is None or hi is None:
            raise ValueError(f"open interval not emitted here: {text!r}")
        return lo[0], hi[1]
    approx = text.endswith("~")
    core = text.rstrip("~")
    parts = [int(p) for p in core.split("-")]
    if len(parts) == 3:
        d = date(parts[0], parts[1], parts[2])
        spread = timedelta(days=APPROX_DAY_READING if approx else 0)
        return d - spread, d + spread
    if len(parts) == 2:
        d = date(parts[0], parts[1], 1)
        if approx:
            return add_months(d, -1), month_end(add_months(d, 1))
        return d, month_end(d)
    year = parts[0]
    delta = 1 if approx else 0
    return date(year - delta, 1, 1), date(year + delta, 12, 31)
