"""An estimate from the workspace's linked persons, asked once and recorded in the number
ledger in the same call.

Why: the estimates page and `/api/v1/estimates` (like `refwatch estimate`) each turn their
input into the same question, estimate it and record the figures; one function keeps the
three from drifting apart (a question estimated but not recorded, or recorded with other
settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from refwatch.estimate.api import WorkspaceEstimate, estimate_from_workspace
from refwatch.estimate.core import EstimateOptions
from refwatch.estimate.histories import ListKey
from refwatch.estimate.record import record_estimates
from refwatch.store.workspace import Workspace


@dataclass(frozen=True)
class EstimateRequest:
    """What `estimate_from_workspace` and `record_estimates` are called with."""

    lists: ListKey
    stratify: str | None
    period_from: date | None
    period_to: date | None
    options: EstimateOptions
    purpose: str | None
    leave_out: tuple[str, ...] = ()


def estimate_recorded(
    workspace: Workspace, asked: EstimateRequest, *, actor: str
) -> WorkspaceEstimate:
    """The estimate as asked, overall and by stratum, with one ledger entry for the total
    and one per estimated stratum (`WorkspaceEstimate.ledger_ids`)."""
    result = estimate_from_workspace(
        workspace,
        lists=asked.lists,
        stratify=asked.stratify,
        period_from=asked.period_from,
        period_to=asked.period_to,
        options=asked.options,
        leave_out=asked.leave_out,
    )
    record_estimates(workspace, result, actor=actor, purpose=asked.purpose)
    return result
