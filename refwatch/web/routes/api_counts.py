"""`/api/v1/counts`: the counting engine's `count_persons`, as JSON.

The same function as `refwatch count`, with the same filters and the same bounds (at
least / at most); every answer goes into the number ledger like the CLI's, so a number a
script publishes can be reproduced. Persons behind a number are listed only for roles that
may read persons; a viewer gets the figures alone.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from refwatch.counting import count_persons
from refwatch.domain.errors import DateError, InputError
from refwatch.web.deps import API_ERRORS, User, get_workspace, require

router = APIRouter(prefix="/api/v1", tags=["counts"], responses=API_ERRORS)
Counter = Annotated[User, Depends(require("counts.view"))]


class CountCell(BaseModel):
    key: dict[str, str] = Field(description="The value of each breakdown dimension")
    at_least: int
    at_most: int


class CountOut(BaseModel):
    at_least: int = Field(description="Persons who certainly match")
    at_most: int = Field(description="Persons who possibly match")
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
    user: Counter,
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
    try:
        result = count_persons(
            get_workspace(request),
            event=event,
            period_from=period_from,
            period_to=period_to,
            place=place,
            sex=sex,
            age_band=age_band,
            flags=tuple(flag or ()),
            source=source,
            source_type=source_type,
            status=status,
            as_of=as_of,
            by=by or None,
            record=True,
            actor=user.actor,
            purpose="api",
        )
    except (InputError, DateError) as exc:
        raise HTTPException(400, str(exc)) from None
    data = result.as_dict()
    may_list = user.can("persons.view")
    dims = list(result.query.by)
    return CountOut(
        at_least=result.at_least,
        at_most=result.at_most,
        persons=data["persons"] if may_list else None,
        certain=data["certain"] if may_list else None,
        ledger_id=result.ledger_id,
        query=data["query"],
        snapshot=data["snapshot"],
        computed_at=data["computed_at"],
        cells=[
            CountCell(
                key=dict(zip(dims, cell.key, strict=True)),
                at_least=cell.at_least,
                at_most=cell.at_most,
            )
            for cell in result.cells
        ]
        if dims
        else None,
    )
