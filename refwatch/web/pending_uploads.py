"""Uploaded case lists waiting between their preview and their commit, in memory only.

Why: a case list holds names, so it must not be written to a temporary file; and the
browser should not have to send it twice. The preview keeps the bytes here under a random
token bound to the uploading user, for a short while; the commit takes them out. A server
restart forgets them (the user uploads again). Limits keep memory bounded.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from refwatch.intake.readers import Upload

KEEP_FOR = timedelta(minutes=30)
PER_USER = 3
MAX_TOTAL_BYTES = 256 * 1024 * 1024


class UploadStore(Protocol):
    """What the intake pages need: this process's `PendingUploads`, or with several
    workers a proxy to the one store the server's parent keeps (`web.shared_uploads`)."""

    def put(self, user_id: str, upload: Upload, now: datetime) -> str: ...

    def take(self, token: str, user_id: str, now: datetime) -> Upload | None: ...


@dataclass(frozen=True)
class Pending:
    token: str
    user_id: str
    upload: Upload
    stored_at: datetime


class PendingUploads:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Pending] = {}

    def _expire(self, now: datetime) -> None:
        for token, item in list(self._items.items()):
            if now - item.stored_at > KEEP_FOR:
                del self._items[token]

    def put(self, user_id: str, upload: Upload, now: datetime) -> str:
        with self._lock:
            self._expire(now)
            mine = sorted(
                (i for i in self._items.values() if i.user_id == user_id),
                key=lambda i: i.stored_at,
            )
            for item in mine[: max(0, len(mine) - PER_USER + 1)]:
                del self._items[item.token]
            total = sum(len(i.upload.data) for i in self._items.values())
            for item in sorted(self._items.values(), key=lambda i: i.stored_at):
                if total + len(upload.data) <= MAX_TOTAL_BYTES:
                    break
                total -= len(item.upload.data)
                del self._items[item.token]
            token = secrets.token_urlsafe(24)
            self._items[token] = Pending(token, user_id, upload, now)
            return token

    def take(self, token: str, user_id: str, now: datetime) -> Upload | None:
        """The upload stored under `token` by this user (removed), or None."""
        with self._lock:
            self._expire(now)
            item = self._items.get(token)
            if item is None or not secrets.compare_digest(item.user_id, user_id):
                return None
            del self._items[token]
            return item.upload

    def peek(self, token: str, user_id: str, now: datetime) -> Upload | None:
        with self._lock:
            self._expire(now)
            item = self._items.get(token)
            if item is None or not secrets.compare_digest(item.user_id, user_id):
                return None
            return item.upload
