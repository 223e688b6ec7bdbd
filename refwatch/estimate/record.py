"""Estimates in the number ledger: what was asked, from which persons, what it said.

Why: an estimate in a report must be reproducible like a count (ARCHITECTURE.md,
"every published number can be reproduced").  The ledger itself belongs to the counting
room; this module only shapes an estimate into a ledger entry of kind "estimate".
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from refwatch.estimate.api import WorkspaceEstimate
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
