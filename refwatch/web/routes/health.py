"""`/healthz` (the process answers) and `/readyz` (it can serve: database, key, schema).

Why they carry no data: both answer anyone (a load balancer, a systemd watchdog script, an
uptime monitor) without signing in, so they must tell an outsider nothing worth knowing:
no counts, no names, no version, no database address, no error text (a driver's message
can name the host, the user or the schema). `/readyz` says which of its three checks
failed, as a fixed word, so an operator knows where to look. Neither touches a session,
sets a cookie or writes an audit entry: polling them every second changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from refwatch.store import migrate
from refwatch.store.workspace import Workspace

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process is alive and its event loop answers."""
    return JSONResponse({"status": "ok"})


def _database_and_schema(workspace: Workspace | None) -> tuple[bool, bool]:
    if workspace is None:
        return False, False
    try:
        with workspace.read() as conn:
            conn.execute(text("SELECT 1"))
        at_head = migrate.current_revision(workspace.engine) == migrate.head_revision()
    except SQLAlchemyError:
        return False, False
    return True, at_head


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers, the key is unlocked and the schema is at head."""
    workspace = getattr(request.app.state, "workspace", None)
    database, migrations = _database_and_schema(
        workspace if isinstance(workspace, Workspace) else None
    )
    checks = {
        "database": "ok" if database else "failing",
        "key": "ok" if request.app.state.cipher is not None else "locked",
        "migrations": ("ok" if migrations else "behind") if database else "unknown",
    }
    ready = database and migrations and request.app.state.cipher is not None
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
