"""How much the estimate depends on record linkage.

Why: multiple systems estimation counts people on several lists; a false link (two people
taken for one) makes an overlap that is not there and shrinks the estimate, a missed link
(one person taken for two) hides an overlap and inflates it.  The honest check is to
re-cluster the mentions at several match thresholds and estimate again.

What is done here: the mentions are re-clustered, read-only, at each threshold from the
pairs the latest linkage run scored and stored and from the human decisions
(`refwatch.linkage.recluster`), then the capture histories are rebuilt and estimated
again. Lower thresholds join more (false links), higher ones join less (missed links).
The row "now" is the persons as they are.
"""

from __future__ import annotations

from typing import Any

from refwatch.estimate.api import EstimateOptions, estimate_from_table
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.histories import HistoriesQuery, load_persons
from refwatch.linkage.recluster import recluster
from refwatch.store.workspace import Workspace

THRESHOLDS = (0.1, 0.2, 0.35, 0.5, 0.8, 0.95)


def linkage_sensitivity(
    workspace: Workspace,
    query: HistoriesQuery,
    *,
    options: EstimateOptions | None = None,
    thresholds: tuple[float, ...] = THRESHOLDS,
) -> dict[str, Any]:
    """Estimates with links below each threshold broken; the spread is the sensitivity.

    Of the total only: strata, if the question has them, are not estimated."""
    options = options or EstimateOptions(interval="profile", nboot=0)
    rows: list[dict[str, Any]] = []
    for threshold in (None, *thresholds):
        with workspace.read() as conn:
            clustering = None if threshold is None else recluster(conn, threshold)
            people = load_persons(conn, query.lists, persons_of=clustering)
        histories = query.histories(people)
        label: float | str = "now" if threshold is None else threshold
        try:
            result = estimate_from_table(histories.total, options)
        except EstimationError as exc:
            rows.append({"threshold": label, "persons": histories.total.n, "error": str(exc)})
            continue
        rows.append(
            {
                "threshold": label,
                "persons": histories.total.n,
                "estimate": result.estimate,
                "lower": result.lower,
                "upper": result.upper,
            }
        )
    estimates = [float(r["estimate"]) for r in rows if "estimate" in r]
    summary = (
        "Linkage sensitivity: estimates range from "
        f"{min(estimates):,.0f} to {max(estimates):,.0f} as the match threshold goes "
        f"from {min(thresholds):.2f} to {max(thresholds):.2f}."
        if estimates
        else "Linkage sensitivity: no threshold gave an estimate."
    )
    return {
        "method": options.method,
        "rows": rows,
        "summary": summary,
        "limitation": "re-clustered from the pairs the latest linkage run stored (those "
        "inside persons and the uncertain ones between them); pairs it scored lower and "
        "dropped are not seen, so low thresholds may join a little more than a run would",
    }
