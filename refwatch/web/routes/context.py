"""Context: dated, sourced observations (a network's capacity falling, new checkpoints,
groups stopped after tip-offs), their chart over time, and a form to record one through
`refwatch.intake.context.add_observation`."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from refwatch.domain import labels
from refwatch.domain.enums import ObservationKind, SourceType
from refwatch.domain.errors import DateError, InputError
from refwatch.intake.context import add_observation
from refwatch.store.queries import sources
from refwatch.store.schema import Observation, table_of
from refwatch.web import i18n
from refwatch.web.deps import get_workspace
from refwatch.web.i18n import error_text
from refwatch.web.roles import ContextView, ContextWrite
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
observations = table_of(Observation)
KINDS = [k.value for k in ObservationKind]


def observation_rows(request: Request) -> list[Any]:
    with get_workspace(request).read() as conn:
        return list(
            conn.execute(
                select(observations, sources.c.name.label("source"))
                .join(sources, sources.c.id == observations.c.source_id)
                .order_by(observations.c.observed_earliest, observations.c.id)
            )
        )


def _page(
    request: Request,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    with get_workspace(request).read() as conn:
        names = list(conn.execute(select(sources.c.name).order_by(sources.c.name)).scalars())
    return render(
        request,
        "context.html",
        {
            "observations": observation_rows(request),
            "kinds": KINDS,
            "source_types": [t.value for t in SourceType],
            "source_names": names,
            "values": values or {},
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/context", response_class=HTMLResponse)
def context_page(request: Request, user: ContextView) -> Response:
    return _page(request)


@router.get("/context/observations.json")
def observations_json(request: Request, user: ContextView) -> Response:
    """Observations for the chart: each one's first and last possible day (a range is
    drawn as a bar over it, not as a dot at its middle), its kind in the page's language,
    its value, and its slot (a row of its own within its kind, so two observations of the
    same kind on close days never merge into one mark)."""
    rows = []
    lang = i18n.language_of(request)
    slots: dict[str, int] = {}
    for row in observation_rows(request):
        middle = row.observed_earliest + (row.observed_latest - row.observed_earliest) / 2
        slot = slots[row.kind] = slots.get(row.kind, -1) + 1
        # A value stored before finite numbers were required ("inf") is shown as none:
        # JSON has no infinity, and one bad row must not break the chart for everyone.
        number = row.value if row.value is not None and math.isfinite(row.value) else None
        value = "" if number is None else f"{number:g}{(' ' + row.unit) if row.unit else ''}"
        rows.append(
            {
                "observed_on": row.observed_on,
                "date": middle.isoformat(),
                "start": row.observed_earliest.isoformat(),
                "end": (row.observed_latest + timedelta(days=1)).isoformat(),
                "ranged": row.observed_latest > row.observed_earliest,
                "slot": slot,
                "kind": row.kind,
                "kind_label": labels.label(row.kind, lang, "observation"),
                "value": number,
                "unit": row.unit,
                "label": value or row.description[:80],
                "source": row.source,
            }
        )
    return JSONResponse({"observations": rows})


@router.post("/context/observations", response_class=HTMLResponse)
def add_observation_form(
    request: Request,
    user: ContextWrite,
    source: Annotated[str, Form(max_length=200)] = "",
    source_type: Annotated[str, Form(max_length=16)] = "",
    observed_on: Annotated[str, Form(max_length=64)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    value: Annotated[str, Form(max_length=32)] = "",
    unit: Annotated[str, Form(max_length=32)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    values = {
        "source": source.strip(),
        "source_type": source_type.strip(),
        "observed_on": observed_on.strip(),
        "kind": kind.strip(),
        "value": value.strip(),
        "unit": unit.strip(),
        "description": description.strip(),
    }
    missing = [k for k in ("source", "observed_on", "kind", "description") if not values[k]]
    if missing:
        message = gettext(request, "Fill in: %(fields)s", fields=", ".join(missing))
        return _page(request, values, message, status_code=422)
    number = None
    if values["value"]:
        try:
            number = float(values["value"].replace(",", "."))
        except ValueError:
            number = math.nan
        if not math.isfinite(number):  # "inf" and "nan" parse as floats
            return _page(request, values, gettext(request, "The value must be a number."), 422)
    try:
        with get_workspace(request).write() as conn:
            add_observation(
                conn,
                source=values["source"],
                source_type=values["source_type"] or None,
                observed_on=values["observed_on"],
                kind=values["kind"],
                description=values["description"],
                value=number,
                unit=values["unit"] or None,
                actor=user.actor,
            )
    except (InputError, DateError, ValueError) as exc:
        return _page(request, values, error_text(request, exc), status_code=422)
    return RedirectResponse("/context", status_code=303)
