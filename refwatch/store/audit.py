"""The audit chain: who did what to which record, in a tamper-evident sequence.

Every entry's hash covers its own fields and the previous entry's hash, so editing,
deleting or reordering an entry breaks the chain from that point. A truncation of the
newest entries is caught two ways: the `audit_head` row (updated in the same transaction as
every append) and an anchor file in the workspace folder that records the last verified
link outside the database. Entries never hold protected values: callers pass ids and
counts, and `append` refuses a details dict whose keys name protected fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from refwatch.store.bulk import bulk_insert
from refwatch.store.changes import ACTIONS_KEY
from refwatch.store.schema import AuditEntry, AuditHead, table_of

GENESIS = "0" * 64
PROTECTED_KEYS = frozenset({"name", "name_hangul", "name_latin", "notes", "text", "contact"})

entries_table = table_of(AuditEntry)
head_table = table_of(AuditHead)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One thing to log; `details` holds ids, counts and labels only."""

    actor: str
    action: str
    table_name: str | None = None
    record_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


# One encoder each, made once: `json.dumps` with options builds a new encoder per call,
# which is a measurable share of an import (one audit entry per row). Same output.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_COMPACT_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    table_name: str | None,
    record_id: str | None,
    details: str,
    prev_hash: str,
) -> str:
    payload = _COMPACT.encode([seq, at, actor, action, table_name, record_id, details, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _row_hash(row: Any) -> str:
    """The hash a stored entry should carry, from its own columns."""
    return entry_hash(
        row.seq,
        row.at,
        row.actor,
        row.action,
        row.table_name,
        row.record_id,
        row.details,
        row.prev_hash,
    )


def _details_text(details: Mapping[str, Any]) -> str:
    bad = PROTECTED_KEYS.intersection(details)
    if bad:
        raise ValueError(f"audit details must not carry protected fields: {sorted(bad)}")
    return _COMPACT_SORTED.encode(dict(details))


def _lock_head(conn: Connection) -> tuple[int, str]:
    query = select(head_table.c.seq, head_table.c.hash).where(head_table.c.id == 1)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        conn.execute(insert(head_table).values(id=1, seq=0, hash=GENESIS))
        if conn.dialect.name == "postgresql":
            row = conn.execute(query).first()
            assert row is not None
            return int(row.seq), str(row.hash)
        return 0, GENESIS
    return int(row.seq), str(row.hash)


def append(conn: Connection, records: Iterable[AuditRecord]) -> int:
    """Append records to the chain inside the caller's transaction; return the new head seq.

    The head row is locked first (SELECT … FOR UPDATE on PostgreSQL; SQLite transactions
    are already serialised by BEGIN IMMEDIATE), so concurrent writers extend one line.
    """
    seq, prev = _lock_head(conn)
    rows = []
    at = now_text()
    noted = conn.info.get(ACTIONS_KEY)  # set by `Workspace.write`, for after-commit listeners
    for record in records:
        seq += 1
        if noted is not None:
            noted.append(record.action)
        details = _details_text(record.details)
        digest = entry_hash(
            seq, at, record.actor, record.action, record.table_name, record.record_id, details, prev
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": record.actor,
                "action": record.action,
                "table_name": record.table_name,
                "record_id": record.record_id,
                "details": details,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if rows:
        bulk_insert(conn, entries_table, rows)
        conn.execute(update(head_table).where(head_table.c.id == 1).values(seq=seq, hash=prev))
    return seq


def log(conn: Connection, actor: str, action: str, **kwargs: Any) -> int:
    """Append a single record (see `AuditRecord` for the fields)."""
    return append(conn, [AuditRecord(actor=actor, action=action, **kwargs)])


@dataclass(frozen=True, slots=True)
class Anchor:
    """A link known to be in the chain, kept outside the database."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    entries: int
    head_seq: int
    broken_at: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_seq": self.head_seq,
            "broken_at": self.broken_at,
            "problem": self.problem,
        }


def verify(conn: Connection, anchor: Anchor | None = None) -> ChainReport:
    """Walk the chain from the first entry; report the first place it breaks."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    anchor_seen = anchor is None or anchor.seq == 0
    result = conn.execute(select(entries_table).order_by(entries_table.c.seq))
    for row in result:
        count += 1
        if row.seq != expected_seq:
            kind = "missing" if row.seq > expected_seq else "duplicated or reordered"
            return ChainReport(
                False,
                count,
                expected_seq - 1,
                row.seq,
                f"entry {expected_seq} is {kind} (found {row.seq} after {expected_seq - 1})",
            )
        if row.prev_hash != expected_prev:
            return ChainReport(
                False,
                count,
                row.seq,
                row.seq,
                f"entry {row.seq} does not follow entry {row.seq - 1} (deleted or reordered)",
            )
        digest = _row_hash(row)
        if digest != row.hash:
            return ChainReport(
                False, count, row.seq, row.seq, f"entry {row.seq} was altered after it was written"
            )
        if anchor is not None and row.seq == anchor.seq:
            if row.hash != anchor.hash:
                return ChainReport(
                    False,
                    count,
                    row.seq,
                    row.seq,
                    f"entry {row.seq} differs from the anchor kept outside the database",
                )
            anchor_seen = True
        expected_prev = row.hash
        expected_seq += 1
    last_seq = expected_seq - 1
    head = conn.execute(select(head_table.c.seq, head_table.c.hash)).first()
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        return ChainReport(
            False,
            count,
            last_seq,
            last_seq + 1,
            f"the chain ends at entry {last_seq} but its head says {head.seq}: "
            "entries were removed from the end",
        )
    if not anchor_seen:
        assert anchor is not None
        return ChainReport(
            False,
            count,
            last_seq,
            last_seq + 1,
            f"the chain ends at entry {last_seq} but the anchor outside the database "
            f"records entry {anchor.seq}: entries were removed from the end",
        )
    return ChainReport(True, count, last_seq)


def extends(conn: Connection, anchor: Anchor, new_head: Anchor) -> bool:
    """True when the chain still holds the anchored entry with the anchored hash and runs,
    link by link and with every hash recomputed, from it to `new_head`.

    The anchor outside the database may only move forward along such a chain: otherwise a
    rewrite of the database alone (an edited or truncated chain with every later hash
    recomputed) would be laundered by the next ordinary write."""
    if new_head.seq <= anchor.seq:
        return new_head.seq == anchor.seq and new_head.hash == anchor.hash
    rows = conn.execute(
        select(entries_table)
        .where(entries_table.c.seq >= max(anchor.seq, 1), entries_table.c.seq <= new_head.seq)
        .order_by(entries_table.c.seq)
    )
    expected_seq = anchor.seq + 1
    expected_prev = anchor.hash
    anchor_seen = anchor.seq == 0 and anchor.hash == GENESIS
    for row in rows:
        if row.seq == anchor.seq:
            if row.hash != anchor.hash:
                return False
            anchor_seen = True
            continue
        if not anchor_seen:
            return False
        if row.seq != expected_seq or row.prev_hash != expected_prev:
            return False
        digest = _row_hash(row)
        if digest != row.hash:
            return False
        expected_prev = row.hash
        expected_seq += 1
    return anchor_seen and expected_seq == new_head.seq + 1 and expected_prev == new_head.hash


def head(conn: Connection) -> Anchor:
    row = conn.execute(select(head_table.c.seq, head_table.c.hash)).first()
    return Anchor(0, GENESIS) if row is None else Anchor(int(row.seq), str(row.hash))
