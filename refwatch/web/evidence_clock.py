"""When did the evidence last change? Read from the audit chain, cheaply, on every request.

Why: the web app keeps derived views in memory (the person summaries, the name search
index) and must rebuild them when evidence or links change, including changes made by
another process (a CLI import, a linkage run). Every such change is an audit entry, so the
chain is the clock. Reads are audit entries too (each read of decrypted names), and must
not throw the caches away, so entries whose action is known not to touch evidence are
skipped; any other action, including one never heard of, counts as a change (a needless
rebuild is slow, a missed one is wrong). Which actions are quiet is the counting engine's
rule (`refwatch.counting.snapshot.changes_evidence`), so both caches agree.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection, func, select

from refwatch.counting.snapshot import changes_evidence
from refwatch.store.schema import AuditEntry, table_of

entries = table_of(AuditEntry)
BATCH = 500


class EvidenceClock:
    """Hands out the seq of the last evidence-changing audit entry seen so far.

    The lock guards only the two numbers, never a query: every request asks, and a
    thread holding the lock while it waited for a connection or a disk read made all the
    others queue behind it (64 clients). Threads that read the same new entries at once
    merge them; the numbers only move forward."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: int | None = None
        self._version = 0

    def version(self, conn: Connection) -> int:
        with self._lock:
            seen = self._seen
        if seen is None:
            head = int(conn.execute(select(func.max(entries.c.seq))).scalar_one_or_none() or 0)
            with self._lock:
                if self._seen is None:
                    self._seen = self._version = head
                return self._version
        while True:
            rows = conn.execute(
                select(entries.c.seq, entries.c.action)
                .where(entries.c.seq > seen)
                .order_by(entries.c.seq)
                .limit(BATCH)
            ).all()
            changed = [int(r.seq) for r in rows if changes_evidence(str(r.action))]
            last = int(rows[-1].seq) if rows else seen
            with self._lock:
                assert self._seen is not None
                if changed and changed[-1] > self._version:
                    self._version = changed[-1]
                if last > self._seen:
                    self._seen = last
                version = self._version
            if len(rows) < BATCH:
                return version
            seen = last
