"""Attacks on sessions: fixation, reuse after sign-out, an account taken away mid-session,
expiry, and a copied database."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from refwatch.accounts import accounts
from refwatch.domain.roles import Role
from refwatch.store.schema import table_of
from refwatch.store.schema_web import WebSession
from refwatch.web.deps import SESSION_COOKIE
from tests.web.conftest import WebEnv, csrf_in, csrf_of

PLANTED = "attacker-chosen-session-id-0123456789"


def session_of(client: TestClient) -> str | None:
    return client.cookies.get(SESSION_COOKIE)


def test_session_fixation_fails_because_the_id_changes_at_sign_in(web: WebEnv) -> None:
    browser = web.client()
    browser.cookies.set(SESSION_COOKIE, PLANTED, domain="testserver.local")
    page = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in",
        data={
            "username": "analyst",
            "password": web.passwords["analyst"],
            "csrf_token": csrf_in(page.text),
        },
    )
    assert answer.status_code == 303
    new_id = answer.cookies.get(SESSION_COOKIE)
    assert new_id and new_id != PLANTED
    attacker = web.client()
    attacker.cookies.set(SESSION_COOKIE, PLANTED, domain="testserver.local")
    assert attacker.get("/api/v1/me").status_code == 401


def test_signing_in_again_gives_a_new_id_and_kills_the_old_one(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    first = session_of(browser)
    csrf = csrf_of(browser)
    browser.post(
        "/sign-in",
        data={
            "username": "researcher",
            "password": web.passwords["researcher"],
            "csrf_token": csrf,
        },
    )
    second = session_of(browser)
    assert first and second and first != second
    stale = web.client()
    stale.cookies.set(SESSION_COOKIE, first, domain="testserver.local")
    assert stale.get("/api/v1/me").status_code == 401


def test_the_old_session_id_is_dead_after_sign_out(web: WebEnv) -> None:
    browser = web.sign_in("viewer")
    stolen = session_of(browser)
    assert browser.get("/api/v1/me").status_code == 200
    answer = browser.post("/sign-out", data={"csrf_token": csrf_of(browser)})
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    assert browser.get("/api/v1/me").status_code == 401
    replay = web.client()
    replay.cookies.set(SESSION_COOKIE, stolen or "", domain="testserver.local")
    assert replay.get("/api/v1/me").status_code == 401


def test_signing_out_in_one_browser_leaves_the_other_signed_in(web: WebEnv) -> None:
    laptop, phone = web.sign_in("analyst"), web.sign_in("analyst")
    laptop.post("/sign-out", data={"csrf_token": csrf_of(laptop)})
    assert laptop.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 200


def test_a_disabled_users_open_session_stops_working_on_the_next_request(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    assert browser.get("/api/v1/me").status_code == 200
    accounts.set_disabled(web.workspace, web.users["researcher"].id, True, actor="admin")
    assert browser.get("/api/v1/me").status_code == 401
    assert browser.get("/account").status_code == 303
    accounts.set_disabled(web.workspace, web.users["researcher"].id, False, actor="admin")
    assert browser.get("/api/v1/me").status_code == 401, "re-enabling does not revive sessions"


def test_an_admin_disabling_a_user_through_the_page_ends_their_session(web: WebEnv) -> None:
    admin, victim = web.sign_in("admin"), web.sign_in("analyst")
    answer = admin.post(
        f"/users/{web.users['analyst'].id}/disable", data={"csrf_token": csrf_of(admin)}
    )
    assert answer.status_code == 303
    assert victim.get("/api/v1/me").status_code == 401
    again = web.client()
    page = again.get("/sign-in")
    refused = again.post(
        "/sign-in",
        data={
            "username": "analyst",
            "password": web.passwords["analyst"],
            "csrf_token": csrf_in(page.text),
        },
    )
    assert refused.status_code == 401


def test_an_admin_changing_a_role_through_the_page_ends_that_users_session(
    web: WebEnv,
) -> None:
    admin, victim, bystander = web.sign_in("admin"), web.sign_in("analyst"), web.sign_in("viewer")
    assert victim.get("/api/v1/me").json()["role"] == "analyst"
    answer = admin.post(
        f"/users/{web.users['analyst'].id}/role",
        data={"role": "viewer", "csrf_token": csrf_of(admin)},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/users"
    assert victim.get("/api/v1/me").status_code == 401, "the session ended with the change"
    assert victim.get("/persons").status_code == 303  # back to the sign-in form
    assert accounts.account_by_name(web.workspace, "analyst").role is Role.VIEWER
    again = web.sign_in("analyst")
    assert again.get("/api/v1/me").json()["role"] == "viewer"
    assert again.get("/persons").status_code == 404
    assert bystander.get("/api/v1/me").status_code == 200, "other users keep their sessions"
    assert admin.get("/users").status_code == 200, "so does the admin who made the change"


def test_a_role_change_takes_effect_on_the_next_request(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    assert browser.get("/api/v1/me").json()["role"] == "researcher"
    accounts.set_role(web.workspace, web.users["researcher"].id, Role.VIEWER, actor="admin")
    assert browser.get("/api/v1/me").status_code == 401, "the session ended with the change"
    again = web.sign_in("researcher")
    assert again.get("/api/v1/me").json()["role"] == "viewer"
    assert again.get("/status").status_code == 200
    assert again.get("/users").status_code == 403


def test_a_promotion_also_ends_sessions_so_no_session_outlives_its_role(web: WebEnv) -> None:
    browser = web.sign_in("viewer")
    accounts.set_role(web.workspace, web.users["viewer"].id, Role.ADMIN, actor="admin")
    assert browser.get("/users").status_code == 303


def test_a_password_change_ends_every_other_session_but_keeps_this_one(web: WebEnv) -> None:
    here, elsewhere = web.sign_in("analyst"), web.sign_in("analyst")
    old_here = session_of(here)
    answer = here.post(
        "/account/password",
        data={
            "current_password": web.passwords["analyst"],
            "new_password": "a-brand-new-password",
            "new_password_again": "a-brand-new-password",
            "csrf_token": csrf_of(here),
        },
    )
    assert answer.status_code == 303
    assert session_of(here) != old_here
    assert here.get("/api/v1/me").status_code == 200
    assert elsewhere.get("/api/v1/me").status_code == 401
    web.sign_in("analyst", "a-brand-new-password")


def test_an_idle_session_expires(web: WebEnv) -> None:
    browser = web.sign_in("viewer")
    web.clock.advance(timedelta(minutes=29))
    assert browser.get("/api/v1/me").status_code == 200, "a request keeps the session alive"
    web.clock.advance(timedelta(minutes=29))
    assert browser.get("/api/v1/me").status_code == 200
    web.clock.advance(timedelta(minutes=31))
    assert browser.get("/api/v1/me").status_code == 401


def test_a_busy_session_still_ends_at_its_absolute_age(web: WebEnv) -> None:
    browser = web.sign_in("viewer")
    for _ in range(26):  # a request every 28 minutes for 12 hours and more
        web.clock.advance(timedelta(minutes=28))
        status = browser.get("/api/v1/me").status_code
    assert status == 401


def test_a_copied_database_holds_no_usable_session_id(web: WebEnv) -> None:
    browser = web.sign_in("admin")
    raw = session_of(browser)
    sessions = table_of(WebSession)
    with web.workspace.read() as conn:
        stored = [tuple(r) for r in conn.execute(select(sessions)).all()]
    assert raw and stored
    assert not any(raw in str(value) for row in stored for value in row)
    thief = web.client()
    thief.cookies.set(SESSION_COOKIE, stored[0][0], domain="testserver.local")
    assert thief.get("/api/v1/me").status_code == 401


def test_a_pending_second_factor_session_opens_no_page(web: WebEnv) -> None:
    from refwatch.accounts import second_factor

    secret = second_factor.new_secret()
    second_factor.enable(
        web.workspace,
        web.users["admin"].id,
        secret,
        second_factor.code_for(secret, web.clock() - timedelta(seconds=60)),
        web.clock() - timedelta(seconds=60),
        actor="admin",
    )
    browser = web.client()
    page = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in",
        data={
            "username": "admin",
            "password": web.passwords["admin"],
            "csrf_token": csrf_in(page.text),
        },
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in/code")
    assert browser.get("/users").status_code == 303
    assert browser.get("/api/v1/me").status_code == 401
