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

The persons behind a count can be tens of thousands of ids (a megabyte of JSON). The same
question asked again of the same evidence names the same persons, so a count whose
question, snapshot, rules version and link runs equal those of an entry this process
recorded in full stores, instead of the list, a reference to that entry with the SHA-256
of its list: `{"same_as": "L-000041", "sha256": "…"}`. Reading an entry (`read_entry`)
follows the reference and checks the hash; the entry is still written, numbered and
audited like any other. `refwatch.intake.deletion` follows references too.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select, text

from refwatch.counting.evidence import RULES_VERSION
from refwatch.domain.errors import InputError, RefWatchError
from refwatch.store import audit
from refwatch.store.schema import table_of
from refwatch.store.schema_ledger import PERSONS_SAME_AS as SAME_AS
from refwatch.store.schema_ledger import LedgerEntry
from refwatch.store.workspace import Workspace

if TYPE_CHECKING:
    from refwatch.counting.count import CountResult

ledger_table = table_of(LedgerEntry)
_LEDGER_LOCK = 0x5246_4C47  # "RFLG": serialises ledger numbering on PostgreSQL
_MAX_HOPS = 16
_FULL_KEPT = 64

# (workspace url, schema, kind, query, snapshot, rules, link runs) -> (entry id, sha256)
# of an entry this process wrote with the persons in full.
_FullKey = tuple[str, str | None, str, str, str, str, str]
_full: OrderedDict[_FullKey, tuple[str, str]] = OrderedDict()
_full_lock = threading.Lock()


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
    return _record(
        workspace,
        Entry(kind, query, snapshot_hash, link_runs, at_least, at_most, numbers),
        lambda: (certain, uncertain),
        actor=actor,
        purpose=purpose,
        repeatable=False,
    )


@dataclass(frozen=True)
class Entry:
    """What an entry says, apart from its persons, who asked and why."""

    kind: str
    query: dict[str, Any]
    snapshot_hash: str
    link_runs: Sequence[str]
    at_least: int | None
    at_most: int | None
    numbers: dict[str, Any]


def _persons_json(persons: Callable[[], tuple[Sequence[str], Sequence[str]]]) -> str:
    certain, uncertain = persons()
    return json.dumps({"certain": list(certain), "uncertain": list(uncertain)})


@dataclass(eq=False)
class _Pending:
    """One entry waiting for the group's transaction, and what became of it."""

    entry: Entry
    persons: Callable[[], tuple[Sequence[str], Sequence[str]]]
    actor: str
    purpose: str | None
    key: _FullKey | None  # None: not repeatable
    earlier: tuple[str, str] | None
    full: str | None
    done: bool = False
    entry_id: str = ""
    error: BaseException | None = None


_waiting: dict[tuple[str, str | None], list[_Pending]] = {}
_writing: set[tuple[str, str | None]] = set()
_turns = threading.Condition()


def _record(
    workspace: Workspace,
    entry: Entry,
    persons: Callable[[], tuple[Sequence[str], Sequence[str]]],
    *,
    actor: str,
    purpose: str | None,
    repeatable: bool,
) -> str:
    """`repeatable`: the persons follow from the question and the snapshot alone (a
    count), so a repeat may store a reference instead of the list (see the module doc);
    `persons` is then called only when the list is stored.

    Group commit: entries that arrive while another thread of this process writes are
    written together, in the next transaction, by whichever of them comes first (one
    commit and one move of the audit anchor for all, each still numbered and audited).
    Every caller returns only once its own entry is committed."""
    key: _FullKey = (
        workspace.url,
        workspace.schema,
        entry.kind,
        json.dumps(entry.query, sort_keys=True, ensure_ascii=False),
        entry.snapshot_hash,
        RULES_VERSION,
        json.dumps(list(entry.link_runs)),
    )
    with _full_lock:
        earlier = _full.get(key) if repeatable else None
    full = _persons_json(persons) if earlier is None else None
    mine = _Pending(entry, persons, actor, purpose, key if repeatable else None, earlier, full)
    where = (workspace.url, workspace.schema)
    with _turns:
        _waiting.setdefault(where, []).append(mine)
        while not mine.done and where in _writing:
            _turns.wait()
        batch = [] if mine.done else _waiting.pop(where, [])
        if batch:
            _writing.add(where)
    if batch:
        try:
            _write_group(workspace, batch)
        finally:
            with _turns:
                _writing.discard(where)
                for pending in batch:
                    pending.done = True
                    if not pending.entry_id and pending.error is None:
                        pending.error = RuntimeError("the ledger entry was not written")
                _turns.notify_all()
    if mine.error is not None:
        raise mine.error
    return mine.entry_id


def _write_group(workspace: Workspace, batch: list[_Pending]) -> None:
    """Write the entries of `batch` in one transaction; set each one's id, or the error."""
    written: dict[_FullKey, tuple[str, str]] = {}
    try:
        with workspace.write() as conn:
            for pending in batch:
                _write_one(conn, pending, written)
    except Exception as exc:
        for pending in batch:
            pending.error = exc
        return
    with _full_lock:
        _full.update(written)
        while len(_full) > _FULL_KEPT:
            _full.popitem(last=False)


def _write_one(
    conn: Connection, pending: _Pending, written: dict[_FullKey, tuple[str, str]]
) -> None:
    entry, key = pending.entry, pending.key
    entry_id = _next_id(conn)
    earlier = None if key is None else written.get(key)
    if earlier is None and pending.earlier is not None and key is not None:
        earlier = pending.earlier if _still_there(conn, pending.earlier[0], key) else None
    if earlier is not None:
        stored = json.dumps({SAME_AS: earlier[0], "sha256": earlier[1]})
    else:
        stored = pending.full if pending.full is not None else _persons_json(pending.persons)
        if key is not None:
            written[key] = (entry_id, hashlib.sha256(stored.encode("utf-8")).hexdigest())
    conn.execute(
        insert(ledger_table).values(
            id=entry_id,
            kind=entry.kind,
            query=json.dumps(entry.query, sort_keys=True, ensure_ascii=False),
            snapshot_hash=entry.snapshot_hash,
            rules_version=RULES_VERSION,
            link_runs=json.dumps(list(entry.link_runs)),
            at_least=entry.at_least,
            at_most=entry.at_most,
            numbers=json.dumps(entry.numbers, sort_keys=True, ensure_ascii=False),
            persons=stored,
            purpose=pending.purpose,
            actor=pending.actor,
            created_at=datetime.now(UTC),
        )
    )
    audit.log(
        conn,
        pending.actor,
        "ledger.record",
        table_name="ledger_entries",
        record_id=entry_id,
        details={
            "kind": entry.kind,
            "at_least": entry.at_least,
            "at_most": entry.at_most,
            "snapshot": entry.snapshot_hash,
        },
    )
    pending.entry_id = entry_id


def _still_there(conn: Connection, entry_id: str, key: _FullKey) -> bool:
    """The entry a reference would point at is in this database with the same question
    (a restored or replaced database may hold another entry under that id)."""
    row = conn.execute(
        select(
            ledger_table.c.kind,
            ledger_table.c.query,
            ledger_table.c.snapshot_hash,
            ledger_table.c.rules_version,
            ledger_table.c.link_runs,
        ).where(ledger_table.c.id == entry_id)
    ).first()
    return row is not None and tuple(row) == key[2:]


def persons_of(conn: Connection, raw: str) -> dict[str, Any]:
    """The stored `persons` value with a reference followed: {"certain": […],
    "uncertain": […]} (or the old plain list). A reference whose list no longer hashes to
    what it recorded is an error, never a silent different answer."""
    stored = json.loads(raw)
    for _ in range(_MAX_HOPS):
        if not (isinstance(stored, dict) and SAME_AS in stored):
            return {"certain": stored, "uncertain": []} if isinstance(stored, list) else stored
        target = conn.execute(
            select(ledger_table.c.persons).where(ledger_table.c.id == stored[SAME_AS])
        ).scalar_one_or_none()
        if target is None or hashlib.sha256(str(target).encode("utf-8")).hexdigest() != stored.get(
            "sha256"
        ):
            raise RefWatchError(
                f"ledger entry {stored[SAME_AS]}, whose persons this entry shares, is missing "
                "or changed (run `refwatch audit verify`)"
            )
        stored = json.loads(target)
    raise RefWatchError("ledger entries refer to each other too deeply")


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
    result.ledger_id = _record(
        workspace,
        Entry(
            kind="breakdown" if result.query.by else "count",
            query=result.query.to_json(),
            snapshot_hash=result.snapshot_hash,
            link_runs=result.link_runs,
            at_least=result.at_least,
            at_most=result.at_most,
            numbers=result_numbers(result),
        ),
        lambda: (result.certain_persons, result.uncertain_persons),
        actor=actor,
        purpose=purpose,
        repeatable=True,
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
        persons = persons_of(conn, row["persons"])
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
