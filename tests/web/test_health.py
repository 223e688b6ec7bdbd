"""/healthz and /readyz, as an outsider would probe them: they answer without signing in,
so they must not leak anything (counts, names, version, database address, error text),
set no cookie, write nothing, and the test-only worker header must be off by default."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from refwatch import __version__
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from refwatch.web.app import create_app
from tests.web.conftest import BASE_URL, WebEnv

entries = table_of(AuditEntry)
ALLOWED_WORDS = {"status", "ok", "ready", "not ready", "checks", "database", "key"}
ALLOWED_WORDS |= {"migrations", "locked", "failing", "behind", "unknown"}


def _audit_len(workspace: Workspace) -> int:
    with workspace.read() as conn:
        return int(conn.execute(select(func.count()).select_from(entries)).scalar_one())


def _words(value: object) -> set[str]:
    if isinstance(value, dict):
        return {w for k, v in value.items() for w in ({str(k)} | _words(v))}
    return {str(value)}


def test_health_answers_anonymously_with_only_fixed_words(web: WebEnv) -> None:
    before = _audit_len(web.workspace)
    client = web.client()
    for path in ("/healthz", "/readyz"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert _words(answer.json()) <= ALLOWED_WORDS, answer.text
        assert "set-cookie" not in answer.headers
        assert answer.headers["cache-control"] == "no-store"
        assert __version__ not in answer.text
        assert not re.search(r"\d", answer.text), "no numbers: no counts, no versions"
        assert "x-refwatch-worker" not in answer.headers
    assert client.get("/readyz").json()["checks"] == {
        "database": "ok",
        "key": "ok",
        "migrations": "ok",
    }
    assert _audit_len(web.workspace) == before, "a probe writes no audit entry"


def test_readyz_says_not_ready_while_locked(workspace: Workspace) -> None:
    app = create_app(workspace.path, workspace.url)
    with TestClient(app, base_url=BASE_URL) as client:
        answer = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "not ready",
        "checks": {"database": "ok", "key": "locked", "migrations": "ok"},
    }


def test_readyz_hides_the_database_error(workspace: Workspace) -> None:
    """A database that fails says "failing", never the driver's message (host, user)."""
    app = create_app(workspace.path, workspace.url)
    with TestClient(app, base_url=BASE_URL) as client:
        app.state.workspace.engine.dispose()
        bad_url = "postgresql+psycopg://secret-user@203.0.113.1:1/nope?connect_timeout=1"
        real = app.state.workspace.engine
        from sqlalchemy import create_engine

        app.state.workspace.engine = create_engine(bad_url)
        try:
            answer = client.get("/readyz")
        finally:
            app.state.workspace.engine = real
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"] == "failing"
    assert answer.json()["checks"]["migrations"] == "unknown"
    assert "secret-user" not in answer.text and "203.0.113.1" not in answer.text


def test_health_ignores_a_forged_session_and_methods_other_than_get(web: WebEnv) -> None:
    client = web.client()
    client.cookies.set("__Host-refwatch_session", "forged")
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.post("/healthz").status_code in (403, 405)
    assert client.delete("/readyz").status_code in (403, 405)
