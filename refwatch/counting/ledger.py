"""The number ledger: every shown or published number, reproducible later.

Why: a researcher must be able to say, months after a report went out, where "at least
41" came from and whether today's data still says so. Each entry keeps the question, a
content hash of the evidence and person links it was computed from, the numbers, the
persons behind them, who asked and when. `ledger_check.ledger_show` asks the same
question again and says what changed: the numbers, the cells, and which persons came in
or went out.

Entries are numbered L-000001, L-000002, … inside the writing transaction (SQLite's
BEGIN IMMEDIATE and a PostgreSQL advisory lock keep the numbers gap-free and unique),
written once, and logged in the audit chain (ids and numbers only).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select, text

from refwatch.counting.evidence import RULES_VERSION
from refwatch.domain.errors import InputError
from refwatch.store import audit
from refwatch.store.schema import table_of
from refwatch.store.schema_ledger import LedgerEntry
from refwatch.store.workspace import Workspace

if TYPE_CHECKING:
    from refwatch.counting.count import CountResult

ledger_table = table_of(LedgerEntry)
_LEDGER_LOCK = 0x5246_4C47  # "RFLG": serialises ledger numbering on PostgreSQL


def _next_id(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LEDGER_LOCK})
    last = conn.execute(
        select(ledger_table.c.id)
        .order_by(func.length(ledger_table.c.id).desc(), ledger_table.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    number = 1 if last is None else int(str(last).split("-")[1]) + 1
    return f"L-{number:06d}"


def record_entry(
    workspace: Workspace,
    *,
    kind: str,
    query: dict[str, Any],
    snapshot_hash: str,
    link_runs: Sequence[str],
    at_least: int | None,
    at_most: int | None,
    numbers: dict[str, Any],
    certain: Sequence[str],
    uncertain: Sequence[str],
    actor: str,
    purpose: str | None = None,
) -> str:
    """Store one entry; return its id. Other rooms (estimates) use this directly."""
    with workspace.write() as conn:
        entry_id = _next_id(conn)
        conn.execute(
            insert(ledger_table).values(
                id=entry_id,
                kind=kind,
                query=json.dumps(query, sort_keys=True, ensure_ascii=False),
                snapshot_hash=snapshot_hash,
                rules_version=RULES_VERSION,
                link_runs=json.dumps(list(link_runs)),
                at_least=at_least,
                at_most=at_most,
                numbers=json.dumps(numbers, sort_keys=True, ensure_ascii=False),
                persons=json.dumps({"certain": list(certain), "uncertain": list(uncertain)}),
                purpose=purpose,
                actor=actor,
                created_at=datetime.now(UTC),
            )
        )
        audit.log(
            conn,
            actor,
            "ledger.record",
            table_name="ledger_entries",
            record_id=entry_id,
            details={
                "kind": kind,
                "at_least": at_least,
                "at_most": at_most,
                "snapshot": snapshot_hash,
            },
        )
    return entry_id


def result_numbers(result: CountResult) -> dict[str, Any]:
    numbers: dict[str, Any] = {
        "at_least": result.at_least,
        "at_most": result.at_most,
        "cells": [cell.as_dict(result.query.by) for cell in result.cells],
    }
    if result.width is not None:
        numbers["width"] = result.width.as_dict()
    return numbers


def record_result(
    workspace: Workspace, result: CountResult, *, actor: str, purpose: str | None = None
) -> str:
    """Put a count or breakdown in the ledger and set `result.ledger_id`."""
    certain = result.certain_persons
    sure = set(certain)
    result.ledger_id = record_entry(
        workspace,
        kind="breakdown" if result.query.by else "count",
        query=result.query.to_json(),
        snapshot_hash=result.snapshot_hash,
        link_runs=result.link_runs,
        at_least=result.at_least,
        at_most=result.at_most,
        numbers=result_numbers(result),
        certain=certain,
        uncertain=[p for p in result.persons if p not in sure],
        actor=actor,
        purpose=purpose,
    )
    return result.ledger_id


def read_entry(workspace: Workspace, entry_id: str) -> dict[str, Any]:
    with workspace.read() as conn:
        row = (
            conn.execute(select(ledger_table).where(ledger_table.c.id == entry_id))
            .mappings()
            .first()
        )
    if row is None:
        raise InputError(f"no ledger entry {entry_id!r} (ids look like L-000042)")
    persons = json.loads(row["persons"])
    return {
        "id": row["id"],
        "kind": row["kind"],
        "query": json.loads(row["query"]),
        "snapshot_hash": row["snapshot_hash"],
        "rules_version": row["rules_version"],
        "link_runs": json.loads(row["link_runs"]),
        "at_least": row["at_least"],
        "at_most": row["at_most"],
        "numbers": json.loads(row["numbers"]),
        "certain": persons["certain"],
        "uncertain": persons["uncertain"],
        "purpose": row["purpose"],
        "actor": row["actor"],
        "created_at": str(row["created_at"]),
    }


LEDGER_KINDS = ("count", "breakdown", "estimate")


def list_entries(
    workspace: Workspace,
    *,
    kind: str | None = None,
    search: str | None = None,
    before: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Ledger entries, newest first, as `read_entry` gives them.

    `search` matches the question (as stored), the purpose and the actor, ignoring case;
    `before` pages back from an entry id. An unknown `kind` is an input error.
    """
    if kind is not None and kind not in LEDGER_KINDS:
        raise InputError(f"kind: one of {', '.join(LEDGER_KINDS)}, not {kind!r}")
    statement = select(ledger_table.c.id).order_by(
        func.length(ledger_table.c.id).desc(), ledger_table.c.id.desc()
    )
    if kind is not None:
        statement = statement.where(ledger_table.c.kind == kind)
    if before is not None:
        statement = statement.where(
            (func.length(ledger_table.c.id) < len(before))
            | ((func.length(ledger_table.c.id) == len(before)) & (ledger_table.c.id < before))
        )
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(
            func.lower(ledger_table.c.query).like(pattern, escape="\\")
            | func.lower(func.coalesce(ledger_table.c.purpose, "")).like(pattern, escape="\\")
            | func.lower(ledger_table.c.actor).like(pattern, escape="\\")
        )
    with workspace.read() as conn:
        ids = [str(i) for i in conn.execute(statement.limit(max(limit, 0))).scalars()]
    return [read_entry(workspace, entry_id) for entry_id in ids]
