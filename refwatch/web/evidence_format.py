"""Template helpers for the evidence pages: date intervals, percentages.

Registered as Jinja globals of the shared template environment (additively, under names
no other page uses), so the evidence templates and their macros can call them.
"""

from __future__ import annotations

import calendar
from datetime import date

from refwatch.web.templating import templates


def span_text(interval: tuple[date, date] | None) -> str:
    """An interval as a reader writes it: a day, a month, a year, or "from – to"."""
    if interval is None:
        return "—"
    low, high = interval
    if low == high:
        return low.isoformat()
    same_month = (low.year, low.month) == (high.year, high.month)
    if same_month and low.day == 1 and high.day == calendar.monthrange(high.year, high.month)[1]:
        return low.isoformat()[:7]
    if (low.month, low.day, high.month, high.day) == (1, 1, 12, 31) and low.year == high.year:
        return str(low.year)
    return f"{low.isoformat()} – {high.isoformat()}"


def dates_text(earliest: date | None, latest: date | None) -> str:
    if earliest is None or latest is None:
        return "—"
    return span_text((earliest, latest))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


templates.env.globals.update(span_text=span_text, dates_text=dates_text, percent=percent)
