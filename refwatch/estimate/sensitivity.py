"""How much the estimate depends on record linkage.

Why: multiple systems estimation counts people on several lists; a false link (two people
taken for one) makes an overlap that is not there and shrinks the estimate, a missed link
(one person taken for two) hides an overlap and inflates it.  The honest check is to
re-cluster the mentions at several match thresholds and estimate again.

What is done here: the linkage room does not (yet) expose re-clustering at a chosen
threshold, so this uses what the person links store — each link's match probability —
and, for each threshold, splits off every mention linked below it as a person of its own.
That shows the effect of stricter linkage (more missed links); the effect of looser
linkage (more false links) needs the pairwise scores and is left to the linkage room.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from refwatch.estimate.api import EstimateOptions, estimate_from_table
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.histories import ListKey, histories_from_persons, load_persons
from refwatch.store.workspace import Workspace

THRESHOLDS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)


def linkage_sensitivity(
    workspace: Workspace,
    *,
    lists: ListKey = "source",
    period_from: date | None = None,
    period_to: date | None = None,
    options: EstimateOptions | None = None,
    thresholds: tuple[float, ...] = THRESHOLDS,
) -> dict[str, Any]:
    """Estimates with links below each threshold broken; the spread is the sensitivity."""
    options = options or EstimateOptions(interval="profile", nboot=0)
    rows: list[dict[str, Any]] = []
    for threshold in thresholds:
        with workspace.read() as conn:
            people = load_persons(conn, lists, split_below=threshold or None)
        histories = histories_from_persons(people, period_from=period_from, period_to=period_to)
        try:
            result = estimate_from_table(histories.total, options)
        except EstimationError as exc:
            rows.append({"threshold": threshold, "persons": histories.total.n, "error": str(exc)})
            continue
        rows.append(
            {
                "threshold": threshold,
                "persons": histories.total.n,
                "estimate": result.estimate,
                "lower": result.lower,
                "upper": result.upper,
            }
        )
    estimates = [float(r["estimate"]) for r in rows if "estimate" in r]
    summary = (
        "Linkage sensitivity: estimates range from "
        f"{min(estimates):,.0f} to {max(estimates):,.0f} as links below "
        f"{thresholds[1]:.2f}..{thresholds[-1]:.2f} are broken."
        if estimates
        else "Linkage sensitivity: no threshold gave an estimate."
    )
    return {
        "method": options.method,
        "rows": rows,
        "summary": summary,
        "limitation": "only stricter thresholds (broken links) are tried; re-clustering "
        "with looser thresholds needs the linkage room's pairwise scores",
    }
