"""Estimating the undocumented: multiple systems estimation from the linked persons.

The page is the web face of `refwatch estimate` from the workspace: the same options
(`refwatch.web.estimate_form`), the same library calls (`estimate_recorded`, as the API:
`estimate_from_workspace`, then `record_estimates`, which writes one number-ledger entry
for the total and one per estimated stratum), and the same result, shown with its model,
its diagnostics, its warnings and a plot (profile likelihood or posterior of N,
`refwatch.web.estimate_charts`).

Nothing here reads a name: capture histories are built from person ids and structured
facts, and the page shows list names (sources or source types), counts and ledger ids,
never a person id. Refusals by the library (fewer than three lists, lists with no
overlap, no model with an estimate) are shown as messages; bad input as field messages
(422); work is capped so the page answers while the browser waits.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from refwatch.domain.errors import RefWatchError
from refwatch.estimate import EstimateResult, EstimationError
from refwatch.estimate.api import WorkspaceEstimate
from refwatch.estimate.asked import estimate_recorded
from refwatch.estimate.histories import list_names
from refwatch.persons.overview import place_label
from refwatch.web import estimate_form as ef
from refwatch.web import i18n
from refwatch.web.deps import User, get_workspace
from refwatch.web.estimate_charts import draws_chart, profile_chart
from refwatch.web.roles import EstimatesRun
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("refwatch.web")
WIDE = 0.5
"""An interval wider than half the estimate is called wide on the page."""


@dataclass
class ResultRow:
    """One line of the results table: the total or a stratum, or why it has no estimate."""

    label: str
    total: bool
    result: EstimateResult | None = None
    ledger_id: str | None = None
    error: str | None = None

    @property
    def wide(self) -> bool:
        r = self.result
        if r is None:
            return False
        return r.upper is None or r.lower is None or (r.upper - r.lower) > WIDE * r.estimate


@dataclass
class Outcome:
    """What the page shows after a run (or the refusal instead of it)."""

    rows: list[ResultRow] = field(default_factory=list)
    total: EstimateResult | None = None
    notes: list[str] = field(default_factory=list)
    lists: list[tuple[str, int]] = field(default_factory=list)
    chart: str | None = None
    refusal: str | None = None
    #: the form field a refusal is about (a list to leave out), linked from the refusal
    refusal_field: str | None = None
    query: dict[str, Any] = field(default_factory=dict)


def _page(
    request: Request,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    outcome: Outcome | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "estimates.html",
        {
            "values": values,
            "errors": errors or {},
            "outcome": outcome,
            "lists_choices": ef.LIST_CHOICES,
            "strata_choices": ef.STRATUM_CHOICES,
            "method_choices": ef.METHOD_CHOICES,
            "linkage_choices": ef.LINKAGE_CHOICES,
            "selection_choices": ef.SELECTION_CHOICES,
            "interval_choices": ef.INTERVAL_CHOICES,
            "level_choices": ef.LEVEL_CHOICES,
            "list_names": _list_names(request),
            "leave_out_fields": ef.LEAVE_OUT,
            "ticked": lambda group: ef.left_out(values, group),
            "max_nboot": ef.MAX_NBOOT,
            "max_sweeps": ef.MAX_SWEEPS,
            "bounds": ef.BOUNDS,
            "whole": _whole,
            "stat": _stat,
            "region_label": lambda place_id: place_label(place_id, i18n.language_of(request)),
        },
        status_code=status_code,
    )


def _list_names(request: Request) -> dict[str, list[str]]:
    """The workspace's lists, to tick the ones to leave out (none when it cannot be read,
    so the page still shows)."""
    try:
        return list_names(get_workspace(request))
    except RefWatchError:
        return {key: [] for key in ef.LIST_CHOICES}


def _whole(value: float | None) -> int | None:
    """A number of people: the estimate rounded to a whole person."""
    return None if value is None else round(value)


def _stat(value: object, digits: int = 2) -> object:
    """A statistic rounded for reading (the ledger keeps the full value)."""
    if isinstance(value, float):
        return round(value, digits) if np.isfinite(value) else None
    return value


def _chart(request: Request, estimate: WorkspaceEstimate) -> str | None:
    total = estimate.total
    labels = {
        "estimate": gettext(request, "estimate"),
        "interval": gettext(request, "%(level)s%% interval", level=round(100 * total.level)),
        "cut": gettext(request, "cut-off of the profile interval"),
    }
    x_label = gettext(request, "Total number of people (N)")
    try:
        if total.method == "lcmcr":
            spec = draws_chart(
                total, {**labels, "x": x_label, "y": gettext(request, "Share of posterior draws")}
            )
        elif "pooled_histogram" in total.diagnostics:
            spec = draws_chart(
                total,
                {**labels, "x": x_label, "y": gettext(request, "Share of draws over linkages")},
                key="pooled_histogram",
            )
        else:
            spec = profile_chart(
                estimate.histories.total,
                total,
                {
                    **labels,
                    "x": x_label,
                    "y": gettext(request, "Log-likelihood relative to the best"),
                },
            )
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        log.warning("estimates: the plot could not be computed (%s)", type(exc).__name__)
        return None
    return None if spec is None else json.dumps(spec, separators=(",", ":"))


def _outcome(request: Request, estimate: WorkspaceEstimate) -> Outcome:
    ids = estimate.ledger_ids
    rows = [ResultRow("total", True, estimate.total, ids.get("total"))]
    for label, result in estimate.strata.items():
        if isinstance(result, EstimateResult):
            rows.append(ResultRow(label, False, result, ids.get(label)))
        else:
            rows.append(ResultRow(label, False, error=i18n.message_text(request, result)))
    return Outcome(
        rows=rows,
        total=estimate.total,
        notes=list(estimate.histories.notes),
        lists=[(name, int(size)) for name, size in estimate.histories.total.list_sizes().items()],
        chart=_chart(request, estimate),
        query={**estimate.histories.query, **estimate.options.as_dict()},
    )


@router.get("/estimates", response_class=HTMLResponse)
def estimates_page(request: Request, user: EstimatesRun) -> Response:
    return _page(request, ef.fresh_values())


@router.post("/estimates", response_class=HTMLResponse)
async def run_estimate(request: Request, user: EstimatesRun) -> Response:
    form = await request.form()
    submitted: dict[str, object] = {k: v for k, v in form.items() if isinstance(v, str)}
    for name in ef.MULTI:
        submitted[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    values = ef.form_values(submitted)
    return await run_in_threadpool(_run, request, user, values)


def _run(request: Request, user: User, values: dict[str, str]) -> Response:
    asked, problems = ef.parse_request(values)
    if asked is None:
        errors: dict[str, str] = {}
        for p in problems:
            errors.setdefault(p.name, gettext(request, p.message, **p.variables))
        return _page(request, values, errors=errors, status_code=422)
    try:
        estimate = estimate_recorded(get_workspace(request), asked, actor=user.actor)
    except EstimationError as exc:
        refused = Outcome(refusal=i18n.error_text(request, exc), refusal_field=exc.field)
        return _page(request, values, outcome=refused)
    except (ArithmeticError, np.linalg.LinAlgError) as exc:
        log.warning("estimates: numerical failure %s", type(exc).__name__)
        message = gettext(
            request,
            "The computation failed on these lists (a numerical problem). Try other lists, "
            "a longer period or the other method.",
        )
        return _page(request, values, outcome=Outcome(refusal=message))
    return _page(request, values, outcome=_outcome(request, estimate))
