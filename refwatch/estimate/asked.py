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

from refwatch.estimate.api import WorkspaceEstimate, estimate_query
from refwatch.estimate.core import EstimateOptions
from refwatch.estimate.histories import HistoriesQuery, ListKey
from refwatch.estimate.record import record_estimates
from refwatch.store.workspace import Workspace


@dataclass(frozen=True)
class EstimateRequest:
    """What `estimate_query` and `record_estimates` are called with."""

    lists: ListKey
    stratify: str | None
    period_from: date | None
    period_to: date | None
    options: EstimateOptions
    purpose: str | None
    leave_out: tuple[str, ...] = ()

    @property
    def query(self) -> HistoriesQuery:
        """The question without the method's settings and the purpose."""
        return HistoriesQuery(
            self.lists, self.stratify, self.period_from, self.period_to, self.leave_out
        )


def estimate_recorded(
    workspace: Workspace, asked: EstimateRequest, *, actor: str
) -> WorkspaceEstimate:
    """The estimate as asked, overall and by stratum, with one ledger entry for the total
    and one per estimated stratum (`WorkspaceEstimate.ledger_ids`)."""
    result = estimate_query(workspace, asked.query, asked.options)
    record_estimates(workspace, result, actor=actor, purpose=asked.purpose)
    return result
