"""Every route of the app answers each role as `route_matrix.EXPECTED` says.

The list of routes comes from the app's own router: a new route without a row fails
`test_every_route_has_a_row_in_the_matrix`, before any request is made.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from refwatch.accounts import tokens, websessions
from refwatch.domain.roles import Role
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import (
    Event,
    Group,
    Mention,
    Observation,
    Person,
    Report,
    Source,
    table_of,
)
from refwatch.store.schema_web import WebSession
from refwatch.web.app import all_routes, create_app
from tests.conftest import write_csv
from tests.web.conftest import BASE_URL, ROLES, WebEnv, csrf_in
from tests.web.route_matrix import EXPECTED, Row

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def app_routes() -> set[tuple[str, str]]:
    app = create_app(Path("/nonexistent-workspace"))  # routes exist before the lifespan runs
    found = set()
    for route in all_routes(app.routes):
        for method in (route.methods or set()) - IGNORED_METHODS:
            found.add((method, route.path))
    return found


def test_every_route_has_a_row_in_the_matrix() -> None:
    rows = {(r.method, r.path) for r in EXPECTED}
    missing = sorted(app_routes() - rows)
    assert missing == [], f"routes without a row in tests/web/route_matrix.py: {missing}"


def test_every_row_of_the_matrix_is_a_route_of_the_app() -> None:
    rows = [(r.method, r.path) for r in EXPECTED]
    stale = sorted(set(rows) - app_routes())
    assert stale == [], f"rows for routes the app does not have: {stale}"
    assert len(rows) == len(set(rows)), "a route has two rows"


def test_the_matrix_is_default_deny_for_anonymous_visitors() -> None:
    """Only the sign-in form, the API schema and the health checks (which carry no data,
    tests/web/test_health.py) are open without signing in."""
    open_ = sorted((r.method, r.path) for r in EXPECTED if r.method == "GET" and r.anonymous == 200)
    assert open_ == [
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/sign-in"),
    ] + [k for k in open_ if k[1].startswith(("/static", "/assets"))]


def ids_of(web: WebEnv) -> dict[str, str]:
    """The placeholders' values: a spare user and token, and the first of each record."""
    spare = web.add_user("spare", Role.RESEARCHER, "spare-password-1")
    token_id, _ = tokens.issue_token(web.workspace, spare.id, Role.VIEWER, "spare", actor="t")
    ids = {"user_id": spare.id, "token_id": token_id}
    models = {
        "person_id": Person,
        "report_id": Report,
        "source_id": Source,
        "mention_id": Mention,
        "event_id": Event,
        "group_id": Group,
        "observation_id": Observation,
    }
    with web.workspace.read() as conn:
        for name, model in models.items():
            table = table_of(model)
            first = conn.execute(select(table.c.id).order_by(table.c.id).limit(1)).first()
            ids[name] = "none" if first is None else str(first.id)
    return ids


def fresh_client(web: WebEnv, role: str) -> tuple[TestClient, str]:
    """A browser with a brand-new session of `role` (or none), and its CSRF token."""
    client = web.client()
    if role == "anonymous":
        return client, csrf_in(client.get("/sign-in").text)
    now = datetime.now(UTC)
    with web.workspace.write() as conn:
        raw = websessions.create_session(
            conn, web.users[role].id, "full", now, websessions.SessionPolicy()
        )
        sessions = table_of(WebSession)
        token = conn.execute(
            select(sessions.c.csrf_token).where(sessions.c.id_hash == websessions.digest(raw))
        ).scalar_one()
    client.cookies.set("__Host-refwatch_session", raw, domain="testserver.local")
    return client, token


def call(client: TestClient, row: Row, csrf: str, ids: dict[str, str]) -> int:
    url = (row.url or row.path).format(**ids)
    if row.method == "GET":
        return client.get(url).status_code
    headers = {"X-CSRF-Token": csrf}
    if row.json is not None:
        answer = client.request(row.method, url, json=row.json, headers=headers)
    else:
        answer = client.request(row.method, url, data=row.form or {}, headers=headers)
    return answer.status_code


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_each_route_answers_each_role_as_the_matrix_says(
    role: str,
    web: WebEnv,
    cipher: FieldCipher,
    tmp_path: Path,
    sample_rows: list[dict[str, str]],
) -> None:
    import_file(web.workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    ids = ids_of(web)
    wrong = []
    for row in EXPECTED:
        client, csrf = fresh_client(web, role)
        got = call(client, row, csrf, ids)
        if got != row.expected(role):
            wrong.append(f"{row.method} {row.path}: expected {row.expected(role)}, got {got}")
    assert wrong == [], f"as {role}:\n" + "\n".join(wrong)


def test_matrix_clients_talk_to_the_https_test_server() -> None:
    assert BASE_URL.startswith("https://")
