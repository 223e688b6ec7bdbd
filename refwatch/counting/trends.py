"""Trends: a period against the one before it and against the year before, with bounds.

Why: "at least 41 in two months, against 51 in the twelve months before: a monthly rate
about five times higher" is how a crackdown is shown. Every figure in such a sentence is
a count with bounds, so the ratios carry them too: the lowest ratio the evidence allows
divides the current "at least" by the earlier "at most", the highest divides the current
"at most" by the earlier "at least" (unbounded when that is zero).

The change-point check runs PELT (the `ruptures` package, least-squares cost) over the
monthly series, separately on its lower and upper bounds. The penalty is
2·σ²·ln(n) with σ² the median monthly count (counts vary about as much as they are
large), at least 1: a screening aid that points at the month a rate changed, not a test.
A change found in both bounds is marked robust.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import ruptures  # type: ignore[import-untyped]

from refwatch.counting.count import CountResult, run_query
from refwatch.counting.days import (
    NEG,
    POS,
    from_day,
    month_end,
    month_number,
    month_start,
    to_day,
)
from refwatch.counting.filters import CountFilter
from refwatch.counting.query import CountQuery, make_query
from refwatch.domain.errors import InputError
from refwatch.store.workspace import Workspace

HISTORY_MONTHS = 24
"""Months before the period that the change-point series starts with."""


@dataclass(frozen=True)
class Ratio:
    low: float | None
    high: float | None

    def text(self) -> str:
        def show(value: float | None) -> str:
            if value is None or math.isinf(value):
                return "unbounded"
            return f"{value:.1f}"

        if self.low is None:
            return "not defined (nothing in the earlier period)"
        if self.high is not None and not math.isinf(self.high) and abs(self.high - self.low) < 0.05:
            return f"about {show(self.low)} times"
        return f"between {show(self.low)} and {show(self.high)} times"

    def as_dict(self) -> dict[str, Any]:
        def clean(value: float | None) -> float | None:
            return None if value is None or math.isinf(value) else round(value, 4)

        return {"low": clean(self.low), "high": clean(self.high)}


def ratio(now: CountResult, before: CountResult, scale: float = 1.0) -> Ratio:
    """Bounds on (now / before) * scale."""
    if before.at_most == 0:
        return Ratio(None, None)
    low = now.at_least / before.at_most * scale
    high = math.inf if before.at_least == 0 else now.at_most / before.at_least * scale
    return Ratio(low, high)


@dataclass(frozen=True)
class ChangePoint:
    month: str
    series: str
    mean_before: float
    mean_after: float
    robust: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "series": self.series,
            "mean_before": round(self.mean_before, 2),
            "mean_after": round(self.mean_after, 2),
            "robust": self.robust,
        }


@dataclass
class TrendResult:
    current: CountResult
    previous: CountResult
    year_before: CountResult
    months: float
    versus_previous: Ratio
    rate_versus_year: Ratio
    monthly: CountResult
    change_points: list[ChangePoint] = field(default_factory=list)

    def sentence(self) -> str:
        span = _span_text(self.months)
        return (
            f"{_bounds(self.current)} in {span} ({self.current.query.period_text()}), "
            f"against {_bounds(self.year_before)} in the twelve months before: a monthly rate "
            f"{self.rate_versus_year.text()} that of the year before; "
            f"{_bounds(self.previous)} in the {span} before "
            f"({self.versus_previous.text()} as many now)."
        )

    def as_dict(self) -> dict[str, Any]:
        def part(result: CountResult) -> dict[str, Any]:
            return {
                "at_least": result.at_least,
                "at_most": result.at_most,
                "from": from_day(result.query.start).isoformat(),
                "to": from_day(result.query.end).isoformat(),
                "ledger_id": result.ledger_id,
            }

        return {
            "current": part(self.current),
            "previous": part(self.previous),
            "year_before": part(self.year_before),
            "months": self.months,
            "versus_previous": self.versus_previous.as_dict(),
            "rate_versus_year": self.rate_versus_year.as_dict(),
            "monthly": [
                {"month": c.key[0], "at_least": c.at_least, "at_most": c.at_most}
                for c in self.monthly.cells
            ],
            "change_points": [c.as_dict() for c in self.change_points],
            "sentence": self.sentence(),
        }


def _bounds(result: CountResult) -> str:
    if result.at_least == result.at_most:
        return f"{result.at_least}"
    return f"at least {result.at_least} (up to {result.at_most})"


def _span_text(months: float) -> str:
    words = {
        1: "one month",
        2: "two months",
        3: "three months",
        6: "six months",
        12: "twelve months",
    }
    if float(months).is_integer():
        return words.get(int(months), f"{int(months)} months")
    return f"{months:.1f} months"


def _shift(query: CountQuery, start: date, end: date) -> CountQuery:
    return replace(
        query,
        period_from=start.isoformat(),
        period_to=end.isoformat(),
        start=to_day(start),
        end=to_day(end),
        by=(),
    )


def _whole_months(start: date, end: date) -> int | None:
    if start.day != 1 or end + timedelta(days=1) != month_start(month_number(end) + 1):
        return None
    return month_number(end) - month_number(start) + 1


def change_points(monthly: CountResult) -> list[ChangePoint]:
    labels = [c.key[0] for c in monthly.cells]
    found: dict[str, list[ChangePoint]] = {}
    for name in ("at_least", "at_most"):
        series = np.array([getattr(c, name) for c in monthly.cells], dtype=float)
        if len(series) < 4 or not series.any():
            continue
        variance = max(float(np.median(series)), 1.0)
        penalty = 2.0 * variance * math.log(len(series))
        breaks = ruptures.Pelt(model="l2", min_size=2, jump=1).fit(series).predict(pen=penalty)
        edges = [0, *[int(b) for b in breaks]]
        for left, cut, right in zip(edges, edges[1:], edges[2:], strict=False):
            point = ChangePoint(
                labels[cut],
                name,
                float(series[left:cut].mean()),
                float(series[cut:right].mean()),
                False,
            )
            found.setdefault(point.month, []).append(point)
    points: list[ChangePoint] = []
    for month in sorted(found):
        robust = len(found[month]) == 2
        points.extend(replace(p, robust=robust) for p in found[month])
    return points


def trend(
    workspace: Workspace,
    criteria: CountFilter | None = None,
    *,
    record: bool = False,
    actor: str = "library",
    purpose: str | None = None,
    **filters: Any,
) -> TrendResult:
    """Compare a period with the same length before it and with the preceding year.

    `criteria` (or `CountFilter` fields as keywords) must give both ends of the period;
    the event counted is detention unless another is given."""
    asked = CountFilter.of(criteria, **filters)
    query = make_query(replace(asked, event=asked.event or "detention"))
    if query.start <= NEG or query.end >= POS:
        raise InputError("a trend needs both --from and --to")
    if query.by:
        raise InputError("a trend is not broken down; leave out --by")
    start, end = from_day(query.start), from_day(query.end)
    months = _whole_months(start, end)
    if months is not None:
        first = month_number(start)
        before = (month_start(first - months), month_end(first - 1))
        length = float(months)
    else:
        days = (end - start).days + 1
        before = (start - timedelta(days=days), start - timedelta(days=1))
        length = days / (365.2425 / 12)
    year = (
        month_start(month_number(start) - 12) if start.day == 1 else start - timedelta(days=365),
        start - timedelta(days=1),
    )

    def run(q: CountQuery) -> CountResult:
        return run_query(workspace, q, record=record, actor=actor, purpose=purpose)

    current = run(query)
    previous = run(_shift(query, *before))
    year_before = run(_shift(query, *year))
    series_start = month_start(month_number(start) - HISTORY_MONTHS)
    monthly = run_query(
        workspace,
        replace(_shift(query, series_start, month_end(month_number(end))), by=("month",)),
    )
    # Months before the first report of anything are not zeros, they are not documented.
    while len(monthly.cells) > 1 and monthly.cells[0].at_most == 0:
        monthly.cells.pop(0)
    return TrendResult(
        current=current,
        previous=previous,
        year_before=year_before,
        months=length,
        versus_previous=ratio(current, previous),
        rate_versus_year=ratio(current, year_before, scale=12.0 / length),
        monthly=monthly,
        change_points=change_points(monthly),
    )
