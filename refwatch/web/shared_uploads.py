"""One store of uploads awaiting their commit, shared by every worker, in memory only.

Why: the intake page previews an uploaded case list, keeps it (`PendingUploads`) and
imports it when the user confirms. With several workers the confirmation may reach
another worker than the preview did. A case list holds names, so the store must not be a
file or a database table in clear, and the browser should not send the file twice. So
`refwatch serve --workers N` starts one more process, a `multiprocessing` manager holding
the single `PendingUploads`, and every worker talks to it over a Unix socket in a private
temporary folder (mode 0700), authenticated by a random key that travels to the workers
with the data keys (`web.serving.Handover`). Uploads cross that socket in memory; nothing
of them is written to disk. The manager ends with the server, and forgets everything, as
the single-process store did.
"""

from __future__ import annotations

import multiprocessing
import secrets
import shutil
import tempfile
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any

from refwatch.web.pending_uploads import PendingUploads, UploadStore

_STORE: PendingUploads | None = None


def _store() -> PendingUploads:
    """The manager process's one store (every worker's proxy points at it)."""
    global _STORE
    if _STORE is None:
        _STORE = PendingUploads()
    return _STORE


class UploadsManager(BaseManager):
    pass


UploadsManager.register("uploads", callable=_store, exposed=("put", "take", "peek"))


class SharedUploads:
    """The running manager, its private folder, and what a worker needs to reach it."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="refwatch-uploads-"))
        self.address = str(self.folder / "uploads.sock")
        self.authkey = secrets.token_bytes(32)
        self._manager = UploadsManager(
            address=self.address,
            authkey=self.authkey,
            ctx=multiprocessing.get_context("spawn"),
        )
        self._manager.start()

    def stop(self) -> None:
        try:
            self._manager.shutdown()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def connect(address: str, authkey: bytes) -> UploadStore:
    """A worker's proxy to the shared store (safe to use from several threads)."""
    manager = UploadsManager(address=address, authkey=authkey)
    manager.connect()
    proxy: Any = manager.uploads()  # type: ignore[attr-defined]
    return proxy  # type: ignore[no-any-return]
