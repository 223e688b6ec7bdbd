"""Estimates in the number ledger: what was asked, from which persons, what it said.

Why: an estimate in a report must be reproducible like a count (ARCHITECTURE.md,
"every published number can be reproduced").  The ledger itself belongs to the counting
room; this module only shapes an estimate into a ledger entry of kind "estimate".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from refwatch.domain.errors import Message
from refwatch.estimate import messages
from refwatch.estimate.api import (
    EstimateOptions,
    WorkspaceEstimate,
    estimate_from_table,
    estimate_query,
)
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.histories import HistoriesQuery, workspace_histories
from refwatch.estimate.lcmcr import LcmcrSettings
from refwatch.estimate.result import EstimateResult
from refwatch.estimate.table import CaptureTable
from refwatch.store.schema import PersonLink, table_of
from refwatch.store.workspace import Workspace

links = table_of(PersonLink)


def snapshot_hash(table: CaptureTable, persons: list[str]) -> str:
    """Content hash of the capture table and the persons it was built from."""
    digest = hashlib.sha256()
    digest.update(table.to_csv().encode())
    digest.update(json.dumps(sorted(persons)).encode())
    return digest.hexdigest()


def record_estimates(
    workspace: Workspace, estimate: WorkspaceEstimate, *, actor: str, purpose: str | None = None
) -> dict[str, str]:
    """One ledger entry for the total and one per estimated stratum; returns their ids."""
    from refwatch.counting.ledger import record_entry

    with workspace.read() as conn:
        runs = sorted(
            str(r) for r in conn.execute(select(links.c.run_id).distinct()).scalars() if r
        )
    query = {"kind": "estimate", **estimate.histories.query, **estimate.options.as_dict()}
    ids: dict[str, str] = {}
    parts: list[tuple[str, EstimateResult, CaptureTable]] = [
        ("total", estimate.total, estimate.histories.total)
    ]
    for label, result in estimate.strata.items():
        if isinstance(result, EstimateResult):
            parts.append((label, result, estimate.histories.strata[label]))
    for label, result, table in parts:
        persons = estimate.histories.persons.get(label, [])
        ids[label] = record_entry(
            workspace,
            kind="estimate",
            query={**query, "stratum": None if label == "total" else label},
            snapshot_hash=snapshot_hash(table, persons),
            link_runs=runs,
            at_least=table.n,
            at_most=None,
            numbers={**result.as_dict(), "histories": table.rows()},
            certain=persons,
            uncertain=[],
            actor=actor,
            purpose=purpose,
        )
    estimate.ledger_ids = ids
    return ids


def options_from_query(query: dict[str, Any]) -> EstimateOptions:
    """The estimate options a ledger entry's query was made with.

    Entries made before linkage-aware estimates have no "linkage": they were fixed.
    """
    linkage = query.get("linkage", "fixed")
    extra: dict[str, Any] = {"linkage": linkage}
    if linkage == "aware":
        extra["linkage_draws"] = int(query.get("linkage_draws", 30))
        extra["linkage_temperature"] = float(query.get("linkage_temperature", 1.0))
        extra["linkage_shift_inside"] = float(query.get("linkage_shift_inside", 2.0))
        extra["linkage_shift_between"] = float(query.get("linkage_shift_between", 0.0))
    method = query.get("method", "loglinear")
    if method == "lcmcr":
        settings = LcmcrSettings(
            K=int(query.get("K", LcmcrSettings.K)),
            burnin=int(query.get("burnin", LcmcrSettings.burnin)),
            samples=int(query.get("samples", LcmcrSettings.samples)),
            thinning=int(query.get("thinning", LcmcrSettings.thinning)),
            chains=int(query.get("chains", LcmcrSettings.chains)),
        )
        return EstimateOptions(
            method="lcmcr",
            level=float(query["level"]),
            seed=query.get("seed"),
            lcmcr=settings,
            **extra,
        )
    return EstimateOptions(
        method="loglinear",
        selection=query.get("selection"),
        maxorder=query.get("maxorder"),
        level=float(query["level"]),
        interval=query.get("interval", "bootstrap"),
        nboot=int(query.get("nboot", 1000)),
        seed=query.get("seed"),
        **extra,
    )


@dataclass(frozen=True)
class EstimateCheck:
    """A ledger entry of kind "estimate" next to what the same question gives today.

    The capture table decides: the same table from the same persons is the same evidence;
    with a stored seed the estimate then reproduces exactly (without one, a bootstrap or
    a Gibbs sampler gives a slightly different interval each time, and the check says so).
    """

    entry: dict[str, Any]
    now: dict[str, Any] | None
    error: str | None
    same_snapshot: bool
    same_table: bool
    same_numbers: bool
    seeded: bool
    added: list[str]
    removed: list[str]
    #: the lists the estimate left out, left out again by the check
    left_out: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "now": self.now,
            "error": self.error,
            "same_snapshot": self.same_snapshot,
            "same_table": self.same_table,
            "same_numbers": self.same_numbers,
            "seeded": self.seeded,
            "persons_added": self.added,
            "persons_removed": self.removed,
            "left_out": self.left_out,
        }


def left_out_of(query: dict[str, Any]) -> list[str]:
    """The lists an entry's estimate left out (none for entries made before lists could
    be left out)."""
    return [str(name) for name in query.get("leave_out") or ()]


def _parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _asked(query: dict[str, Any]) -> HistoriesQuery:
    """An entry's stored question, read one way, so that the table rebuilt and the
    estimate redone answer the same question."""
    return HistoriesQuery(
        lists=query.get("lists", "source"),
        stratify=query.get("stratify"),
        period_from=_parse_day(query.get("from")),
        period_to=_parse_day(query.get("to")),
        leave_out=tuple(left_out_of(query)),
    )


def _aware_again(
    workspace: Workspace, query: dict[str, Any], options: EstimateOptions, label: str
) -> dict[str, Any] | None:
    """The linkage-aware estimate again (the same seed draws the same linkages)."""
    again = estimate_query(workspace, _asked(query), options)
    if label == "total":
        return again.total.as_dict()
    found = again.strata.get(label)
    if isinstance(found, EstimateResult):
        return found.as_dict()
    if isinstance(found, str):
        raise EstimationError(found)
    return None


def recheck_estimate(
    workspace: Workspace, entry: dict[str, Any], *, recompute: bool = True
) -> EstimateCheck:
    """Rebuild the entry's capture table from today's persons and estimate again.

    `recompute=False` stops after the table (cheap): enough to say whether the evidence
    behind the estimate is unchanged, without redoing a bootstrap or a sampler.
    """
    query = entry["query"]
    stratum = query.get("stratum")
    histories = workspace_histories(workspace, _asked(query))
    label = stratum or "total"
    table = histories.total if stratum is None else histories.strata.get(stratum)
    persons = histories.persons.get(label, [])
    then_persons, now_persons = set(entry["certain"]), set(persons)
    then_rows = entry["numbers"].get("histories")
    same_table = table is not None and table.rows() == then_rows
    now: dict[str, Any] | None = None
    error: str | None = None
    if table is None:
        error = Message(messages.NO_STRATUM_TODAY, stratum=repr(stratum))
    elif recompute:
        options = options_from_query(query)
        try:
            if options.linkage == "aware":
                now = _aware_again(workspace, query, options, label)
            else:
                now = estimate_from_table(table, options).as_dict()
        except EstimationError as exc:
            error = exc.reason
    then_numbers = entry["numbers"]
    same_numbers = now is not None and all(
        now.get(key) == then_numbers.get(key)
        for key in ("n_observed", "estimate", "lower", "upper")
    )
    return EstimateCheck(
        entry=entry,
        now=now,
        error=error,
        same_snapshot=table is not None and snapshot_hash(table, persons) == entry["snapshot_hash"],
        same_table=same_table,
        same_numbers=same_numbers,
        seeded=query.get("seed") is not None,
        added=sorted(now_persons - then_persons),
        removed=sorted(then_persons - now_persons),
        left_out=left_out_of(query),
    )
