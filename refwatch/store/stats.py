"""How much a workspace holds, counted without touching a protected value."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from refwatch.store.schema import (
    AuditEntry,
    Event,
    Group,
    Mention,
    Observation,
    Person,
    Report,
    Source,
    WorkspaceMeta,
    table_of,
)
from refwatch.store.workspace import Workspace

COUNTED = {
    "sources": Source,
    "reports": Report,
    "mentions": Mention,
    "persons": Person,
    "events": Event,
    "groups": Group,
    "observations": Observation,
    "audit_entries": AuditEntry,
}


def workspace_stats(workspace: Workspace) -> dict[str, object]:
    with workspace.read() as conn:
        stats: dict[str, object] = {
            name: conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()
            for name, model in COUNTED.items()
        }
        stats["synthetic"] = holds_synthetic(conn)
    stats["engine"] = workspace.dialect
    return stats


def holds_synthetic(conn: Connection) -> bool:
    """Whether the workspace holds the generated demo world (`refwatch demo` marks it), so
    that every page, fact sheet and case file made from it says so."""
    meta = table_of(WorkspaceMeta)
    value = conn.execute(select(meta.c.value).where(meta.c.key == "synthetic")).scalar_one_or_none()
    return value == "true"


def is_synthetic(workspace: Workspace) -> bool:
    """`holds_synthetic`, read in its own transaction."""
    with workspace.read() as conn:
        return holds_synthetic(conn)
