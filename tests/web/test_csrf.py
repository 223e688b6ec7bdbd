"""Cross-site request forgery: a state-changing request needs this browser's token."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from refwatch.accounts import accounts, tokens, websessions
from refwatch.accounts.passwords import verify_password
from refwatch.domain.roles import Role
from refwatch.store.schema import AuditEntry
from refwatch.web.deps import SESSION_COOKIE, UNSAFE_METHODS
from tests.web.conftest import TEST_HASHER, WebEnv, csrf_in, csrf_of
from tests.web.evidence_helpers import count
from tests.web.route_matrix import EXPECTED
from tests.web.route_rows import Row

NEW = {
    "current_password": "analyst-test-password",
    "new_password": "forged-password-123",
    "new_password_again": "forged-password-123",
}


def password_is(web: WebEnv, username: str, password: str) -> bool:
    with web.workspace.read() as conn:
        found = accounts.password_hash_of(conn, username)
    assert found is not None
    return verify_password(found[1], password, TEST_HASHER)


def test_a_post_without_csrf_token_is_refused(web: WebEnv) -> None:
    browser = web.sign_in("analyst")
    answer = browser.post("/account/password", data=NEW)
    assert answer.status_code == 403
    assert password_is(web, "analyst", "analyst-test-password")


def test_a_post_with_a_wrong_csrf_token_is_refused(web: WebEnv) -> None:
    browser = web.sign_in("analyst")
    answer = browser.post("/account/password", data={**NEW, "csrf_token": "x" * 43})
    assert answer.status_code == 403
    assert password_is(web, "analyst", "analyst-test-password")


def test_the_csrf_token_of_another_users_session_is_refused(web: WebEnv) -> None:
    attacker, victim = web.sign_in("viewer"), web.sign_in("admin")
    forged = victim.post(
        "/users",
        data={
            "username": "planted",
            "role": "admin",
            "password": "planted-password",
            "csrf_token": csrf_of(attacker),
        },
    )
    assert forged.status_code == 403
    assert "planted" not in {a.username for a in accounts.list_accounts(web.workspace)}


def test_the_csrf_token_also_works_as_a_header_for_htmx(web: WebEnv) -> None:
    admin = web.sign_in("admin")
    answer = admin.post(
        "/users",
        data={"username": "viaheader", "role": "viewer", "password": "header-password-1"},
        headers={"X-CSRF-Token": csrf_of(admin)},
    )
    assert answer.status_code == 303


def test_login_csrf_is_refused_without_the_sign_in_forms_token(web: WebEnv) -> None:
    """An attacker's page cannot sign a victim's browser into the attacker's account."""
    browser = web.client()
    answer = browser.post(
        "/sign-in", data={"username": "viewer", "password": web.passwords["viewer"]}
    )
    assert answer.status_code == 403
    other = web.client()
    token_of_other_browser = csrf_in(other.get("/sign-in").text)
    answer = browser.post(
        "/sign-in",
        data={
            "username": "viewer",
            "password": web.passwords["viewer"],
            "csrf_token": token_of_other_browser,
        },
    )
    assert answer.status_code == 403


def test_sign_out_needs_the_token_so_no_site_can_sign_a_user_out(web: WebEnv) -> None:
    browser = web.sign_in("viewer")
    assert browser.post("/sign-out").status_code == 403
    assert browser.get("/api/v1/me").status_code == 200


def test_a_token_authenticated_script_needs_no_csrf_token(web: WebEnv) -> None:
    _, raw = tokens.issue_token(web.workspace, web.users["admin"].id, Role.ADMIN, "s", actor="t")
    script = web.client()
    answer = script.post(
        "/users",
        data={"username": "byscript", "role": "viewer", "password": "script-password-1"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert answer.status_code == 303
    assert "byscript" in {a.username for a in accounts.list_accounts(web.workspace)}


def test_a_bearer_header_turns_cookies_off_so_it_cannot_smuggle_a_session(web: WebEnv) -> None:
    browser = web.sign_in("admin")
    answer = browser.post(
        "/users",
        data={"username": "smuggled", "role": "viewer", "password": "smuggled-password"},
        headers={"Authorization": "Bearer rwt_not-a-real-token"},
    )
    assert answer.status_code == 401
    assert browser.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


UNSAFE_ROWS = [row for row in EXPECTED if row.method in UNSAFE_METHODS]
HTML_ROWS = [row for row in UNSAFE_ROWS if not row.path.startswith("/api/")]
API_ROWS = [row for row in UNSAFE_ROWS if row.path.startswith("/api/")]


def admin_session(web: WebEnv) -> TestClient:
    """A browser with a fresh signed-in admin session (made directly: no sign-in entry)."""
    client = web.client()
    with web.workspace.write() as conn:
        raw = websessions.create_session(
            conn, web.users["admin"].id, "full", datetime.now(UTC), websessions.SessionPolicy()
        )
    client.cookies.set(SESSION_COOKIE, raw, domain="testserver.local")
    return client


def refuses_without_token(web: WebEnv, row: Row) -> None:
    spare = web.add_user("spare", Role.RESEARCHER, "spare-password-1")
    token_id, _ = tokens.issue_token(web.workspace, spare.id, Role.VIEWER, "spare", actor="t")
    ids = {"user_id": spare.id, "token_id": token_id}
    url = (row.url or row.path).format_map(defaultdict(lambda: "none", ids))
    browser = admin_session(web)
    assert browser.get("/api/v1/me").json()["role"] == "admin"
    before = count(web.workspace, AuditEntry)
    if row.json is not None:
        answer = browser.request(row.method, url, json=row.json)
    else:
        answer = browser.request(row.method, url, data=row.form or {})
    assert answer.status_code == 403, f"{row.method} {row.path}: {answer.status_code}"
    assert count(web.workspace, AuditEntry) == before, "a refused request changed something"
    assert browser.get("/api/v1/me").status_code == 200, "the session survives the refusal"


@pytest.mark.parametrize("row", HTML_ROWS, ids=lambda r: f"{r.method} {r.path}")
def test_every_unsafe_page_route_refuses_a_signed_in_admin_without_the_token(
    web: WebEnv, row: Row
) -> None:
    refuses_without_token(web, row)


@pytest.mark.parametrize("row", API_ROWS, ids=lambda r: f"{r.method} {r.path}")
def test_every_unsafe_api_route_refuses_a_session_cookie_without_the_token(
    web: WebEnv, row: Row
) -> None:
    """Scripts with a token need no CSRF token; a browser's session cookie always does."""
    refuses_without_token(web, row)


def test_the_parametrised_csrf_tests_cover_every_unsafe_route() -> None:
    assert len(HTML_ROWS) >= 25 and {"/users/{user_id}/role", "/sign-out"} <= {
        r.path for r in HTML_ROWS
    }
    assert {(r.method, r.path) for r in API_ROWS} >= {("PATCH", "/api/v1/persons/{person_id}")}
