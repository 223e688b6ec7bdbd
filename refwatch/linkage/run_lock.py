"""One linkage run at a time per workspace, across processes.

Why: a run reads every mention, scores pairs for seconds to minutes, then rewrites the
person links. A second run started meanwhile (another web worker, `refwatch link` in a
terminal) would do all that work only to be refused at the end, since `run_linkage`
will not write over evidence it did not see. This lock refuses it at the start instead.

Why these locks: the operating system holds a `flock` on a file in a SQLite workspace's
folder, and the database session holds a PostgreSQL advisory lock (keyed by the
workspace's schema, since several folders may open one team schema). Both go with the
process, so a crashed or killed run never leaves the lock taken. The PostgreSQL
connection that holds it is in autocommit mode: it keeps no transaction open, which would
hold back `VACUUM` and make an erasure's scrub wait (`Workspace.scrub`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from refwatch.domain.errors import RefWatchError
from refwatch.store.workspace import Workspace

LOCK_FILE = "linkage.lock"


class LinkageBusy(RefWatchError):
    """Another linkage run holds this workspace."""


BUSY = "another linkage run is in progress on this workspace; wait for it to finish"


def advisory_key(schema: str | None) -> int:
    """A signed 64-bit key for pg_advisory_lock, the same for every opener of a schema."""
    digest = hashlib.sha256(f"refwatch-linkage:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def linkage_lock(workspace: Workspace) -> Iterator[None]:
    """Hold the workspace's linkage lock for the block; LinkageBusy if another holds it."""
    if workspace.dialect == "postgresql":
        with _advisory_lock(workspace):
            yield
        return
    with open(workspace.path / LOCK_FILE, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LinkageBusy(BUSY) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def held_elsewhere(workspace: Workspace) -> bool:
    """True while a run holds the lock (another web worker, `refwatch link`).

    Why: a web app with several workers keeps its run's progress in the worker that
    started it; the others ask here, so the status says a run is going whichever worker
    answers. Only a hint (the lock may be taken or given back just after): `linkage_lock`
    is what refuses a second run. It looks without taking the lock (a probe that took it,
    even for a moment, could make a real run starting then be refused): PostgreSQL's
    `pg_locks`, or on SQLite the kernel's table of file locks (`/proc/locks`).
    """
    if workspace.dialect == "postgresql":
        key = advisory_key(workspace.schema) & 0xFFFFFFFFFFFFFFFF
        with workspace.engine.connect() as conn:
            held = conn.execute(_HELD, {"hi": key >> 32, "lo": key & 0xFFFFFFFF}).scalar_one()
        return bool(held)
    path = workspace.path / LOCK_FILE
    try:
        info = os.stat(path)
        table = Path("/proc/locks").read_text(encoding="ascii")
    except FileNotFoundError:
        return False
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    return any(" FLOCK " in f" {line} " and device in line.split() for line in table.splitlines())


_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid = CAST(:hi AS oid) AND objid = CAST(:lo AS oid) AND objsubid = 1"
)


@contextmanager
def _advisory_lock(workspace: Workspace) -> Iterator[None]:
    key = advisory_key(workspace.schema)
    with workspace.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        taken = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one()
        if not taken:
            raise LinkageBusy(BUSY)
        try:
            yield
        finally:
            _unlock(conn, key)


def _unlock(conn: Connection, key: int) -> None:
    """Give the lock back; if the server cannot be told (a lost connection), drop the
    connection instead: the server frees a session's locks when it ends, and a connection
    still holding the lock must never go back to the pool."""
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    except SQLAlchemyError:
        conn.invalidate()
