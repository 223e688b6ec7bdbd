"""The estimation room's front door: estimate from a table or from a workspace.

Why a thin layer: the CLI, the REST API and the web page call these two functions and
nothing deeper, so they always agree; each returns `EstimateResult`s whose `as_dict()`
is the JSON answer.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from refwatch.estimate.histories import HistoriesQuery, ListKey, workspace_histories
from refwatch.estimate.linkage_aware import aware_estimate
from refwatch.store.workspace import Workspace

__all__ = [
    "LINKAGES",
    "METHODS",
    "EstimateOptions",
    "HistoriesQuery",
    "Linkage",
    "Method",
    "WorkspaceEstimate",
    "estimate_from_table",
    "estimate_from_workspace",
    "estimate_query",
]


def estimate_from_workspace(
    workspace: Workspace,
    *,
    lists: ListKey = "source",
    stratify: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    options: EstimateOptions | None = None,
    leave_out: Sequence[str] = (),
) -> WorkspaceEstimate:
    """Capture histories from the linked persons, then the estimate, overall and by stratum.

    A stratum whose lists cannot support an estimate gets the reason instead of a number.
    By default (`options.linkage == "aware"`) the estimate integrates over the linkage
    (`refwatch.estimate.linkage_aware`); `linkage="fixed"` takes the links as they are.
    `leave_out` names lists the estimate does without (`histories_from_persons`); a
    refusal that leaving a list out would answer (a list that overlaps no other, an empty
    list, too few lists left) is about the field `leave_out`, so each interface points
    at its own way of leaving one out.
    """
    query = HistoriesQuery(lists, stratify, period_from, period_to, tuple(leave_out))
    return estimate_query(workspace, query, options or EstimateOptions())


def estimate_query(
    workspace: Workspace, query: HistoriesQuery, options: EstimateOptions
) -> WorkspaceEstimate:
    """`estimate_from_workspace` for a question already made (`HistoriesQuery`)."""
    try:
        return _estimate(workspace, query, options)
    except EstimationError as exc:
        raise about_leaving_out(exc, bool(query.leave_out)) from exc


ABOUT_LISTS = (messages.LIST_APART, messages.EMPTY_LISTS)
"""Refusals answered by leaving a list out."""


def about_leaving_out(error: EstimationError, leaving_out: bool) -> EstimationError:
    """`error` about the field `leave_out` when leaving a list out (or fewer, when too few
    lists are left) would answer it; otherwise `error` as it is."""
    if error.field is not None:
        return error
    reasons = error.reason.parts if isinstance(error.reason, Message) else ()
    codes = {getattr(part, "code", None) for part in reasons}
    if codes & set(ABOUT_LISTS) or (leaving_out and messages.TOO_FEW_LISTS in codes):
        return EstimationError(reasons=reasons, field="leave_out")
    return error


def _estimate(
    workspace: Workspace, query: HistoriesQuery, options: EstimateOptions
) -> WorkspaceEstimate:
    if options.linkage not in LINKAGES:
        raise EstimationError(f"linkage is aware or fixed, not {options.linkage!r}")
    if options.linkage == "aware":
        return aware_estimate(workspace, query, options)
    histories = workspace_histories(workspace, query)
    total = estimate_from_table(histories.total, options)
    strata = estimate_strata(histories.strata, options)
    if strata:
        total.warnings.append(Message(messages.STRATA_APART))
    return WorkspaceEstimate(total, strata, histories, options)
