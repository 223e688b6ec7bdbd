"""The alert rules' settings, kept per workspace in `workspace_meta`.

Why in the database and not a config file: the web app and the CLI (and a delivery worker
running as a service) must apply the same thresholds, and a change is an admin's decision
that is audited like any other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, select

from refwatch.domain.errors import RefWatchError
from refwatch.store import audit
from refwatch.store.schema import WorkspaceMeta, table_of
from refwatch.store.workspace import Workspace

meta = table_of(WorkspaceMeta)
PREFIX = "alerts."


class AlertSettingsError(RefWatchError):
    """A setting out of range (the message names it and the allowed range)."""


@dataclass(frozen=True)
class AlertSettings:
    """`stale_days`: no news for this long flags stale evidence and raises severity.
    `recent_days`: a return from a facility this recent makes it a pre-return step.
    `base_url`: where the web app is reached, for the link every message carries."""

    stale_days: int = 30
    recent_days: int = 90
    base_url: str = "http://127.0.0.1:8000"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _checked(values: dict[str, Any]) -> AlertSettings:
    try:
        stale = int(values.get("stale_days", AlertSettings.stale_days))
        recent = int(values.get("recent_days", AlertSettings.recent_days))
    except (TypeError, ValueError):
        raise AlertSettingsError("stale_days and recent_days must be whole numbers") from None
    if not 1 <= stale <= 3650:
        raise AlertSettingsError("stale_days must be between 1 and 3650")
    if not 1 <= recent <= 3650:
        raise AlertSettingsError("recent_days must be between 1 and 3650")
    base = str(values.get("base_url", AlertSettings.base_url)).rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        raise AlertSettingsError("base_url must be an http(s) address without credentials")
    if any(ord(c) < 33 for c in base):
        raise AlertSettingsError("base_url must not contain spaces or control characters")
    return AlertSettings(stale, recent, base)


def read_settings(conn: Connection) -> AlertSettings:
    rows = conn.execute(select(meta.c.key, meta.c.value).where(meta.c.key.startswith(PREFIX)))
    return _checked({str(k)[len(PREFIX) :]: v for k, v in rows})


def load_settings(workspace: Workspace) -> AlertSettings:
    with workspace.read() as conn:
        return read_settings(conn)


def save_settings(workspace: Workspace, actor: str, **changes: Any) -> AlertSettings:
    """Change some settings (unknown names refused); audited."""
    unknown = set(changes) - set(AlertSettings().as_dict())
    if unknown:
        raise AlertSettingsError(f"unknown alert settings: {sorted(unknown)}")
    with workspace.write() as conn:
        current = read_settings(conn).as_dict()
        current.update({k: v for k, v in changes.items() if v is not None})
        settings = _checked(current)
        for key, value in settings.as_dict().items():
            conn.execute(delete(meta).where(meta.c.key == PREFIX + key))
            conn.execute(insert(meta).values(key=PREFIX + key, value=str(value)))
        audit.log(conn, actor, "alert.settings", details=settings.as_dict())
    return settings
