"""`/api/v1/counts`: the counting engine's `count_persons`, as JSON.

The same function as `refwatch count`, with the same filters and the same bounds (at
least / at most); every answer goes into the number ledger like the CLI's, so a number a
script publishes can be reproduced. Persons behind a number are listed only for roles that
may read persons; a viewer gets the figures alone. What a role may ask and see is the
counts page's rule (`refwatch.web.count_disclosure`): naming a source needs
`sources.view`, an answer goes into the ledger only for roles that may record one, and a
viewer's small numbers are hidden as on the public fact sheet.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from refwatch.counting import CountFilter, count_persons
from refwatch.domain.errors import DateError, InputError
from refwatch.web import count_disclosure
from refwatch.web.deps import API_ERRORS, get_workspace
from refwatch.web.roles import CountsView

router = APIRouter(prefix="/api/v1", tags=["counts"], responses=API_ERRORS)


class CountCell(BaseModel):
    key: dict[str, str] = Field(description="The value of each breakdown dimension")
    at_least: int | None = Field(description="None when suppressed")
    at_most: int | None = Field(description="None when suppressed")
    suppressed: bool = Field(
        default=False, description="Hidden by disclosure control (roles that do not read persons)"
    )


class CountOut(BaseModel):
    at_least: int | None = Field(description="Persons who certainly match (None: suppressed)")
    at_most: int | None = Field(description="Persons who possibly match (None: suppressed)")
    suppressed: bool = Field(
        default=False, description="Hidden by disclosure control (roles that do not read persons)"
    )
    persons: list[str] | None = Field(
        default=None, description="Ids counted in at_most; only for roles that read persons"
    )
    certain: list[str] | None = Field(default=None, description="Ids counted in at_least")
    ledger_id: str | None = Field(description="The number ledger entry of this answer")
    query: dict[str, Any] = Field(description="The question, as the ledger stores it")
    snapshot: str = Field(description="Content hash of the evidence the answer came from")
    computed_at: str
    cells: list[CountCell] | None = None


@router.get("/counts", response_model=CountOut)
def counts(
    request: Request,
    user: CountsView,
    event: Annotated[
        str | None,
        Query(description="apprehension, detention, return, release, safety, death or birth"),
    ] = None,
    period_from: Annotated[str | None, Query(alias="from", description="EDTF")] = None,
    period_to: Annotated[str | None, Query(alias="to", description="EDTF")] = None,
    place: Annotated[str | None, Query(description="Place, region or facility")] = None,
    sex: Annotated[str | None, Query(pattern="^[FM]$")] = None,
    age_band: Annotated[str | None, Query(description="0-17, 18-59, 60+ or A-B")] = None,
    flag: Annotated[list[str] | None, Query(description="Repeatable; all must hold")] = None,
    source: str | None = None,
    source_type: str | None = None,
    status: Annotated[str | None, Query(description="Status as of `as_of`")] = None,
    as_of: Annotated[str | None, Query(description="Date the status refers to")] = None,
    by: Annotated[list[str] | None, Query(description="Breakdown dimension(s)")] = None,
) -> CountOut:
    """Count persons with bounds, optionally broken down (`by=month`, `by=place`, …)."""
    filter_params = dict(locals())
    if count_disclosure.names_a_source(source, by) and not count_disclosure.may_name_sources(user):
        raise HTTPException(403, count_disclosure.SOURCE_REFUSED)
    recording = count_disclosure.may_record(user)
    try:
        result = count_persons(
            get_workspace(request),
            # The query parameters are named as the filter's attributes, as the CLI's
            # options are (`trend`, `count`); `by`, `request` and `user` are not read.
            CountFilter.from_params(filter_params),
            by=by or None,
            record=recording,
            actor=user.actor,
            purpose="api",
        )
    except (InputError, DateError) as exc:
        raise HTTPException(400, str(exc)) from None
    data = result.as_dict()
    may_list = user.can("persons.view")
    dims = list(result.query.by)
    total, shown_cells = count_disclosure.shown_numbers(user, result)
    return CountOut(
        at_least=total.shown_at_least,
        at_most=total.shown_at_most,
        suppressed=total.suppressed,
        persons=data["persons"] if may_list else None,
        certain=data["certain"] if may_list else None,
        ledger_id=result.ledger_id,
        query=data["query"],
        snapshot=data["snapshot"],
        computed_at=data["computed_at"],
        cells=[
            CountCell(
                key=dict(zip(dims, cell.key, strict=True)),
                at_least=cell.shown_at_least,
                at_most=cell.shown_at_most,
                suppressed=cell.suppressed,
            )
            for cell in shown_cells
        ]
        if dims
        else None,
    )
