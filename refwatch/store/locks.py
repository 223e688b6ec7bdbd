"""The lock that serialises writes of evidence and of the persons linked from it.

Why here: an import (`refwatch.intake`) and the end of a linkage run (`refwatch.linkage`)
both rewrite what the other reads: an import adds mentions, a linkage run replaces the
mention-to-person links after checking that the evidence it scored has not moved. On
PostgreSQL each takes this transaction-scoped advisory lock first, so the two never
interleave; on SQLite `Workspace.write()` already holds the one write lock. It sits in the
store, below both rooms, so neither imports the other's internals for it.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

EVIDENCE_WRITE_LOCK = 0x5246_494D
"""PostgreSQL advisory lock key ('RFIM'), held until the writing transaction ends."""


def lock_evidence_writes(conn: Connection) -> None:
    """Wait for, then hold until commit or rollback, the evidence write lock (PostgreSQL;
    nothing to do on SQLite, whose write transaction is already exclusive)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVIDENCE_WRITE_LOCK})
