"""The dashboard: status counts, apprehensions per month, the urgent-action list, the map,
the latest reports. Viewers see the aggregate panels only; the urgent list and the reports
(pseudonymous ids, sources) need the roles that may read persons and reports."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from refwatch.alerts.settings import load_settings
from refwatch.counting.urgent import URGENT_ORDERS
from refwatch.persons.overview import (
    apprehensions_per_month,
    held_count,
    latest_reports,
    map_points,
    place_label,
    status_counts,
    urgent_list,
)
from refwatch.web import count_disclosure, i18n
from refwatch.web.caches import snapshot, today
from refwatch.web.deps import get_workspace
from refwatch.web.roles import DashboardView
from refwatch.web.templating import render

router = APIRouter(include_in_schema=False)
URGENT_ROWS = 15


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: DashboardView) -> Response:
    snap = snapshot(request)
    counts = status_counts(snap)
    lang = i18n.language_of(request)
    context: dict[str, object] = {
        "counts": count_disclosure.shown_status_counts(user, counts, len(snap)),
        "total": len(snap),
        "conflicts": sum(c.conflicting for c in counts),
        "months": count_disclosure.shown_months(
            user, apprehensions_per_month(get_workspace(request), snap)
        ),
        "urgent": [],
        "held": 0,
        "reports": [],
        "place_label": lambda place_id: place_label(place_id, lang),
    }
    if user.can("persons.view"):
        order = request.query_params.get("urgent_sort", "held")
        order = order if order in URGENT_ORDERS else "held"
        stale_days = load_settings(get_workspace(request)).stale_days
        context["held"] = held_count(snap, today(request))
        context["urgent"] = urgent_list(
            snap, today(request), URGENT_ROWS, order=order, stale_days=stale_days
        )
        context["urgent_order"] = order
        context["stale_days"] = stale_days
    if user.can("reports.view"):
        with get_workspace(request).read() as conn:
            context["reports"] = latest_reports(conn, snap)
    return render(request, "dashboard.html", context)


@router.get("/dashboard/apprehensions.json")
def apprehensions_json(request: Request, user: DashboardView) -> Response:
    """Persons apprehended per month, with at-least / at-most bounds (the chart's data)."""
    months = apprehensions_per_month(get_workspace(request), snapshot(request))
    return JSONResponse({"months": count_disclosure.shown_months(user, months)})


@router.get("/dashboard/map.json")
def map_json(request: Request, user: DashboardView) -> Response:
    """Apprehension places and facilities with the number of persons at each."""
    points = map_points(snapshot(request), i18n.language_of(request))
    return JSONResponse(count_disclosure.shown_map(user, points))
