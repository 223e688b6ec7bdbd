"""`/api/v1/estimates`: multiple systems estimation, as JSON.

The same two functions as `refwatch estimate` and the estimates page
(`estimate_from_table`, `estimate_from_workspace`), so the three always agree. A table
sent in the body is estimated and nothing is stored; an estimate from the workspace's
linked persons is recorded in the number ledger like the CLI's. Answers carry figures,
models and warnings only: never a person id (an estimate is about the people no list saw).

Work is bounded so one request cannot hold a core for minutes: the caps below are
documented in the schema and refused with a clear 400.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from refwatch.domain.errors import with_field
from refwatch.estimate import EstimateOptions, LcmcrSettings, estimate_from_table
from refwatch.estimate.asked import EstimateRequest, estimate_recorded
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.table import COUNT_COLUMN, CaptureTable
from refwatch.web.deps import API_ERRORS, get_workspace
from refwatch.web.estimate_form import MAX_NBOOT, MAX_SEED, MAX_SWEEPS
from refwatch.web.roles import EstimatesRun

router = APIRouter(prefix="/api/v1", tags=["estimates"], responses=API_ERRORS)

# The same caps as the estimates page (refwatch/web/estimate_form.py).
MAX_BOOTSTRAP = MAX_NBOOT
MAX_LCMCR_SWEEPS = MAX_SWEEPS  # per table: chains × (burn-in + samples × thinning)
MAX_LINKAGE_DRAWS = 100


class EstimateIn(BaseModel):
    """What to estimate from (a table, or the workspace) and how."""

    histories: list[dict[str, int]] | None = Field(
        default=None,
        description="Capture histories: one object per observed history with a 0/1 value "
        "per list and a `count`, as in the CSV form. Omit to use the workspace's persons.",
        max_length=4096,
    )
    lists: Literal["source", "source_type"] = Field(
        default="source", description="Workspace lists: one per source or per source type"
    )
    stratify: Literal["month", "quarter", "region", "sex", "age_band"] | None = None
    period_from: date | None = Field(default=None, alias="from")
    period_to: date | None = Field(default=None, alias="to")
    method: Literal["loglinear", "lcmcr"] = "loglinear"
    selection: Literal["bic", "aic", "stepwise"] | None = None
    maxorder: int | None = Field(default=None, ge=1, le=14)
    interval: Literal["bootstrap", "profile"] = "profile"
    nboot: int = Field(default=200, ge=0, le=MAX_BOOTSTRAP)
    level: float = Field(default=0.95, gt=0.5, lt=1.0)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    K: int = Field(default=5, ge=2, le=50)
    burnin: int = Field(default=5_000, ge=0)
    samples: int = Field(default=1_000, ge=10)
    thinning: int = Field(default=10, ge=1)
    chains: int = Field(default=2, ge=1, le=8)
    linkage: Literal["aware", "fixed"] = Field(
        default="aware",
        description="Workspace estimates: integrate over linkages drawn from the latest run's "
        "match probabilities (aware), or take the links as certain (fixed)",
    )
    linkage_draws: int = Field(default=30, ge=1, le=MAX_LINKAGE_DRAWS)
    leave_out: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list,
        max_length=50,
        description="Workspace lists to estimate without (names of sources, or source "
        "types with `lists=source_type`); a person on a left-out list is counted only if "
        "another list saw them",
    )
    purpose: str | None = Field(default=None, max_length=200)

    model_config = {"populate_by_name": True}


class EstimateOut(BaseModel):
    method: str
    n_observed: int = Field(description="Persons on at least one list")
    estimate: float = Field(description="Estimated total, seen and unseen")
    lower: float
    upper: float
    level: float
    model: Any = Field(description="Terms of the log-linear model, or the LCMCR settings")
    diagnostics: dict[str, Any]
    warnings: list[str]
    lists: list[str]
    strata: dict[str, Any] | None = Field(
        default=None, description="Per stratum: an estimate, or {'error': why there is none}"
    )
    notes: list[str] | None = None
    ledger_ids: dict[str, str] | None = Field(
        default=None, description="Number ledger entries (workspace estimates only)"
    )
    linkage: dict[str, Any] | None = Field(
        default=None,
        description="Linkage-aware estimates: the clusterings drawn, the share of the "
        "interval's width that comes from linkage (share_of_width, share_of_variance) and "
        "the estimate with the links taken as certain (fixed)",
    )


def _options(body: EstimateIn) -> EstimateOptions:
    sweeps = body.chains * (body.burnin + body.samples * body.thinning)
    if body.linkage == "aware" and body.histories is None:
        # the fixed estimate, then one chain per drawn linkage sharing the kept samples
        sweeps += body.linkage_draws * body.burnin + body.chains * body.samples * body.thinning
    if body.method == "lcmcr" and sweeps > MAX_LCMCR_SWEEPS:
        raise HTTPException(
            400,
            f"LCMCR: chains × (burnin + samples × thinning) is {sweeps:,} sweeps; "
            f"the API allows at most {MAX_LCMCR_SWEEPS:,} (use the CLI for longer chains)",
        )
    return EstimateOptions(
        method=body.method,
        selection=body.selection,
        maxorder=body.maxorder,
        level=body.level,
        interval=body.interval,
        nboot=body.nboot,
        seed=body.seed,
        lcmcr=LcmcrSettings(
            K=body.K,
            burnin=body.burnin,
            samples=body.samples,
            thinning=body.thinning,
            chains=body.chains,
            seed=body.seed,
            processes=1,
        ),
        linkage=body.linkage,
        linkage_draws=body.linkage_draws,
    )


def _table(rows: list[dict[str, int]]) -> CaptureTable:
    if not rows:
        raise EstimationError("histories: at least one row is needed")
    lists = [key for key in rows[0] if key != COUNT_COLUMN]
    histories = []
    for number, row in enumerate(rows, start=1):
        if COUNT_COLUMN not in row or sorted(k for k in row if k != COUNT_COLUMN) != sorted(lists):
            raise EstimationError(
                f"histories, row {number}: needs the same lists as row 1 ({', '.join(lists)}) "
                f"and a '{COUNT_COLUMN}'"
            )
        if any(row[name] not in (0, 1) for name in lists) or row[COUNT_COLUMN] < 0:
            raise EstimationError(f"histories, row {number}: lists are 0 or 1, counts ≥ 0")
        histories.append(([row[name] for name in lists], row[COUNT_COLUMN]))
    return CaptureTable.from_histories(lists, histories)


def _detail(error: EstimationError) -> str:
    """The refusal naming the request's own field (`leave_out`), not the CLI's option."""
    if error.field is None:
        return str(error)
    return with_field(error.code, error.field, error.reason, error.field)


@router.post("/estimates", response_model=EstimateOut, response_model_exclude_none=True)
def estimates(request: Request, user: EstimatesRun, body: EstimateIn) -> EstimateOut:
    """Estimate how many people no list recorded (log-linear models or LCMCR)."""
    options = _options(body)
    if body.histories is not None and body.leave_out:
        raise HTTPException(400, "leave_out: leave a list out of a table by leaving out its column")
    try:
        if body.histories is not None:
            data: dict[str, Any] = estimate_from_table(_table(body.histories), options).as_dict()
        else:
            asked = EstimateRequest(
                lists=body.lists,
                stratify=body.stratify,
                period_from=body.period_from,
                period_to=body.period_to,
                options=options,
                purpose=body.purpose or "api",
                leave_out=tuple(body.leave_out),
            )
            data = estimate_recorded(get_workspace(request), asked, actor=user.actor).as_dict()
    except EstimationError as exc:
        raise HTTPException(400, _detail(exc)) from None
    data.pop("query", None)
    data.pop("stratum", None)
    return EstimateOut(**data)
