"""The evidence snapshot a process counts from, rebuilt only when the evidence changes.

Why: reading a million mentions takes seconds, counting over them milliseconds. So the
arrays (and the person-level fact table built from them) are kept per workspace and
reused while the evidence is unchanged. The audit chain is the clock: every change to
evidence or to person links is an audit entry (imports, corrections and linkage runs all
log one), so the cached snapshot is current when no audit entry since it was built could
have changed the evidence. Entries that only record reads, sign-ins, ledger writes or
exports do not count as changes; any other action, including one this module has never
heard of, does (a needless rebuild is slow; a missed one would be wrong). A slow load is
also kept on disk for the next process (see `diskcache`), under the same test. When the
only changes since are to who is whom (a linkage run, a decision, a merge or a split),
the mentions and events are kept and only the links are read again (`evidence.relink`):
the snapshot a count needs after linking a million mentions is ready in a fraction of a
full read.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
from sqlalchemy import Connection, select

from refwatch.counting import diskcache
from refwatch.counting.evidence import Evidence, load_evidence, relink
from refwatch.counting.facts import Mask, PersonFacts, build_facts
from refwatch.counting.identity import Identity, build_identity
from refwatch.store.schema import AuditEntry, AuditHead, table_of
from refwatch.store.workspace import Workspace

entries = table_of(AuditEntry)
head = table_of(AuditHead)
QUIET_PREFIXES = (
    "read",
    "names.",
    "name.",
    "text.",
    "contacts.",
    "view.",
    "auth.",
    "login",
    "logout",
    "session.",
    "user.",
    "token.",
    "totp.",
    "password.",
    "audit.",
    "export.",
    "ledger.",
    "publish.",
    "factsheet.",
    "key.",
    "linkage.read",
    "alert.",
)
_SCAN_LIMIT = 2000
_BEHIND_RETRIES = 3
_RESTRICTED_CACHE = 16


def changes_evidence(action: str) -> bool:
    return not action.startswith(QUIET_PREFIXES) and not action.endswith(".read")


@dataclass(eq=False)
class Snapshot:
    """Evidence, its full fact table, its identity groups and pieces, and fact tables
    restricted to some mentions."""

    evidence: Evidence
    facts: PersonFacts
    clock: tuple[int, str]
    identity: Identity
    _restricted: OrderedDict[str, PersonFacts] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def snapshot_hash(self) -> str:
        return self.evidence.snapshot_hash

    @cached_property
    def person_id_array(self) -> np.ndarray[Any, np.dtype[np.object_]]:
        """The person ids as an array, so an answer lists its persons by one mask
        (a few times faster than a Python loop over 100,000 ids, on every count)."""
        return np.asarray(self.evidence.person_ids, dtype=object)

    def facts_for_sources(self, source: str | None, source_type: str | None) -> PersonFacts:
        """Facts from only the mentions of a source (by name) or of a source type."""
        if source is None and source_type is None:
            return self.facts
        key = f"{source}\x1f{source_type}"
        with self._lock:
            cached = self._restricted.get(key)
            if cached is not None:
                self._restricted.move_to_end(key)
                return cached
        facts = build_facts(self.evidence, self.mention_mask(source, source_type))
        with self._lock:
            self._restricted[key] = facts
            while len(self._restricted) > _RESTRICTED_CACHE:
                self._restricted.popitem(last=False)
        return facts

    def mention_mask(self, source: str | None, source_type: str | None) -> Mask:
        wanted = np.array(
            [
                (source is None or s.name == source)
                and (source_type is None or s.source_type == source_type)
                for s in self.evidence.sources
            ]
            or [False],
            dtype=bool,
        )
        codes = self.evidence.m_source
        return np.asarray((codes >= 0) & wanted[codes.clip(min=0)])


_cache: dict[tuple[str, str | None], Snapshot] = {}
_cache_lock = threading.Lock()


def _head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).first()
    return (0, "") if row is None else (int(row.seq), str(row.hash))


LINK_ACTIONS = frozenset(
    {"linkage.run", "linkage.decide", "linkage.undo", "linkage.merge", "linkage.split"}
)
"""Changes to who is whom only: person links, a run's stored pairs, human decisions. The
mentions, their events and the sources stay as they were (see `evidence.relink`)."""
Change = Literal["nothing", "links", "evidence"]


def _changed_since(conn: Connection, seen: tuple[int, str], now: tuple[int, str]) -> Change:
    """What the entries after `seen` up to `now` may have changed: nothing counting reads,
    only links, or the evidence itself (also whenever it cannot tell: `seen` no longer in
    the chain, as after a restore, or too many entries to read)."""
    if now[0] <= seen[0] or now[0] - seen[0] > _SCAN_LIMIT:
        return "evidence"
    still = conn.execute(select(entries.c.hash).where(entries.c.seq == seen[0])).scalar()
    if seen[0] and still != seen[1]:
        return "evidence"
    actions = conn.execute(
        select(entries.c.action).where(entries.c.seq > seen[0]).where(entries.c.seq <= now[0])
    ).scalars()
    changing = {str(a) for a in actions if changes_evidence(str(a))}
    if not changing:
        return "nothing"
    return "links" if changing <= LINK_ACTIONS else "evidence"


def load_snapshot(workspace: Workspace, *, fresh: bool = False) -> Snapshot:
    """The current snapshot of this workspace's evidence (cached per process)."""
    for _ in range(_BEHIND_RETRIES):
        found = _load(workspace, fresh=fresh, behind_ok=False)
        if found is not None:
            return found
    found = _load(workspace, fresh=fresh, behind_ok=True)
    assert found is not None
    return found


def _load(workspace: Workspace, *, fresh: bool, behind_ok: bool) -> Snapshot | None:
    """The snapshot, or None when this read saw an older head than the cached snapshot's:
    another thread validated the cache against a later head between this read and the
    check (any write, a ledger entry included, moves the head). Rebuilding then would cost
    a second of CPU for nothing; a new read sees the later head. Still behind after a few
    tries means another history (a restored database): rebuild."""
    key = (workspace.url, workspace.schema)
    options: dict[str, object] = {"refwatch_readonly": True}
    if workspace.dialect == "postgresql":
        # One consistent view for the head and every table read after it.
        options["isolation_level"] = "REPEATABLE READ"
    with workspace.engine.connect() as raw:
        conn = raw.execution_options(**options)
        now = _head(conn)
        with _cache_lock:
            cached = _cache.get(key)
        relinkable: Evidence | None = None  # read again only its links, if it comes to that
        if cached is not None and not fresh:
            if cached.clock == now:
                return cached
            if now[0] < cached.clock[0] and not behind_ok:
                return None
            change = _changed_since(conn, cached.clock, now)
            if change == "nothing":
                cached.clock = now
                return cached
            relinkable = cached.evidence if change == "links" else None
        evidence = None
        saved = None if fresh else diskcache.load(workspace)
        if saved is not None:
            change = "nothing" if saved[1] == now else _changed_since(conn, saved[1], now)
            evidence = saved[0] if change == "nothing" else None
            if change == "links" and relinkable is None:
                relinkable = saved[0]
        if evidence is None:
            started = time.perf_counter()
            evidence = relink(conn, relinkable) if relinkable is not None else None
            if evidence is None:
                evidence = load_evidence(conn)
            if time.perf_counter() - started > diskcache.MIN_SECONDS:
                diskcache.save(workspace, evidence, now)
    snapshot = Snapshot(evidence, build_facts(evidence), now, build_identity(evidence))
    with _cache_lock:
        _cache[key] = snapshot
    return snapshot


def forget(workspace: Workspace) -> None:
    """Drop the cached snapshot of a workspace (tests; memory)."""
    with _cache_lock:
        _cache.pop((workspace.url, workspace.schema), None)
