"""The web process's in-memory views of the evidence, one set per app.

Why here and not in `app.py`: the caches belong to the pages that use them; they hang on
`app.state` the first time a page asks, and are rebuilt when the evidence clock moves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from fastapi import Request

from refwatch.persons.listing import Snapshot, SnapshotCache
from refwatch.persons.name_index import NameIndex, NameIndexCache, Names
from refwatch.store.crypto import FieldCipher
from refwatch.web.deps import audit_name_read, get_cipher, get_workspace
from refwatch.web.evidence_clock import EvidenceClock

_CREATE = threading.Lock()
T = TypeVar("T")


def _app_today(app: Any) -> date:
    clock = getattr(app.state, "clock", None)
    moment = clock() if clock is not None else datetime.now(UTC)
    assert isinstance(moment, datetime)
    return moment.date()


def today(request: Request) -> date:
    """Today by the app's clock (tests set it, so "days held" is reproducible)."""
    return _app_today(request.app)


@dataclass
class WebCaches:
    clock: EvidenceClock = field(default_factory=EvidenceClock)
    snapshots: SnapshotCache | None = None
    names: NameIndexCache = field(default_factory=NameIndexCache)


def app_object(request: Request, name: str, kind: type[T], make: Callable[[], T]) -> T:
    """The object this app keeps on `app.state` under `name`, made the first time a page
    asks (under a lock, so that two first requests share one)."""
    found = getattr(request.app.state, name, None)
    if isinstance(found, kind):
        return found
    with _CREATE:
        found = getattr(request.app.state, name, None)
        if not isinstance(found, kind):
            found = make()
            setattr(request.app.state, name, found)
        return found


def web_caches(request: Request) -> WebCaches:
    app = request.app
    return app_object(
        request,
        "evidence_caches",
        WebCaches,
        lambda: WebCaches(snapshots=SnapshotCache(lambda: _app_today(app))),
    )


def snapshot(request: Request) -> Snapshot:
    caches = web_caches(request)
    assert caches.snapshots is not None
    workspace = get_workspace(request)
    with workspace.read() as conn:
        version = caches.clock.version(conn)
    return caches.snapshots.get(workspace, version)


def name_index(request: Request, cipher: FieldCipher) -> NameIndex:
    caches = web_caches(request)
    with get_workspace(request).read() as conn:
        version = caches.clock.version(conn)
        return caches.names.get(conn, cipher, version)


def names_of_persons(
    request: Request, person_ids: list[str], what: str, record_id: str | None = None
) -> dict[str, list[Names]]:
    """Decrypted names of these persons for a role that may see names (else empty), with
    one audit entry for the read when any name is shown."""
    cipher = get_cipher(request)
    if cipher is None or not person_ids:
        return {}
    index = name_index(request, cipher)
    found = {pid: index.names_of(pid) for pid in person_ids}
    shown = sum(len(names) for names in found.values())
    if shown:
        audit_name_read(request, what, shown, record_id)
    return found
