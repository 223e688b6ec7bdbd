"""The estimation room's front door: estimate from a table or from a workspace.

Why a thin layer: the CLI, the REST API and the web page call these two functions and
nothing deeper, so they always agree; each returns `EstimateResult`s whose `as_dict()`
is the JSON answer.
"""

from __future__ import annotations

from datetime import date

from refwatch.domain.errors import Message
from refwatch.estimate import messages
from refwatch.estimate.core import (
    LINKAGES,
    METHODS,
    EstimateOptions,
    Linkage,
    Method,
    WorkspaceEstimate,
    estimate_from_table,
    estimate_strata,
)
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.histories import ListKey, workspace_histories
from refwatch.estimate.linkage_aware import aware_estimate
from refwatch.store.workspace import Workspace

__all__ = [
    "LINKAGES",
    "METHODS",
    "EstimateOptions",
    "Linkage",
    "Method",
    "WorkspaceEstimate",
    "estimate_from_table",
    "estimate_from_workspace",
]


def estimate_from_workspace(
    workspace: Workspace,
    *,
    lists: ListKey = "source",
    stratify: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    options: EstimateOptions | None = None,
) -> WorkspaceEstimate:
    """Capture histories from the linked persons, then the estimate, overall and by stratum.

    A stratum whose lists cannot support an estimate gets the reason instead of a number.
    By default (`options.linkage == "aware"`) the estimate integrates over the linkage
    (`refwatch.estimate.linkage_aware`); `linkage="fixed"` takes the links as they are.
    """
    options = options or EstimateOptions()
    if options.linkage not in LINKAGES:
        raise EstimationError(f"linkage is aware or fixed, not {options.linkage!r}")
    if options.linkage == "aware":
        result = aware_estimate(
            workspace,
            lists=lists,
            stratify=stratify,
            period_from=period_from,
            period_to=period_to,
            options=options,
        )
        assert isinstance(result, WorkspaceEstimate)
        return result
    histories = workspace_histories(
        workspace, lists=lists, stratify=stratify, period_from=period_from, period_to=period_to
    )
    total = estimate_from_table(histories.total, options)
    strata = estimate_strata(histories.strata, options)
    if strata:
        total.warnings.append(Message(messages.STRATA_APART))
    return WorkspaceEstimate(total, strata, histories, options)
