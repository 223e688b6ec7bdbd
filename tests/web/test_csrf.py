"""Cross-site request forgery: a state-changing request needs this browser's token."""

from __future__ import annotations

from refwatch.store import accounts
from refwatch.store.passwords import verify_password
from tests.web.conftest import TEST_HASHER, WebEnv, csrf_in, csrf_of

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
    from refwatch.domain.roles import Role
    from refwatch.store import tokens

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
