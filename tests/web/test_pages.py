"""The pages of the security core as a user meets them: navigation by role, the synthetic
banner, the users page, password upgrades."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import insert, update

from refwatch.accounts import accounts
from refwatch.accounts.passwords import DEFAULT_HASHER
from refwatch.domain.roles import Role
from refwatch.store.schema import WorkspaceMeta, table_of
from refwatch.store.schema_web import User
from refwatch.web.app import create_app
from tests.web.conftest import BASE_URL, TEST_HASHER, WebEnv, csrf_of


def test_the_navigation_shows_only_what_the_role_may_open(web: WebEnv) -> None:
    admin = web.sign_in("admin").get("/account").text
    viewer = web.sign_in("viewer").get("/account").text
    assert 'href="/users"' in admin
    assert 'href="/users"' not in viewer
    assert 'href="/audit"' not in viewer


def test_the_synthetic_banner_shows_on_a_demo_workspace_only(web: WebEnv) -> None:
    assert "SYNTHETIC DATA" not in web.sign_in("viewer").get("/account").text
    with web.workspace.write() as conn:
        conn.execute(insert(table_of(WorkspaceMeta)).values(key="synthetic", value="true"))
    from fastapi.testclient import TestClient

    url = web.workspace.url if web.workspace.dialect != "sqlite" else None
    app = create_app(web.workspace.path, url, secret=web.secret, password_hasher=TEST_HASHER)
    with TestClient(app, base_url=BASE_URL) as browser:
        page = browser.get("/sign-in")
    assert "SYNTHETIC DATA" in page.text


def test_an_admin_creates_a_user_who_can_then_sign_in(web: WebEnv) -> None:
    admin = web.sign_in("admin")
    answer = admin.post(
        "/users",
        data={
            "username": "Kim.Ji-won",
            "role": "researcher",
            "password": "first-password-1",
            "csrf_token": csrf_of(admin),
        },
    )
    assert answer.status_code == 303
    page = admin.get("/users").text
    assert "kim.ji-won" in page
    web.passwords["kim.ji-won"] = "first-password-1"
    me = web.sign_in("kim.ji-won").get("/api/v1/me").json()
    assert me["role"] == "researcher"


def test_the_users_page_refuses_a_duplicate_or_a_weak_password(web: WebEnv) -> None:
    admin = web.sign_in("admin")
    dup = admin.post(
        "/users",
        data={
            "username": "viewer",
            "role": "viewer",
            "password": "long-enough-1",
            "csrf_token": csrf_of(admin),
        },
    )
    weak = admin.post(
        "/users",
        data={
            "username": "weakling",
            "role": "viewer",
            "password": "short",
            "csrf_token": csrf_of(admin),
        },
    )
    assert dup.status_code == 400 and "already" in dup.text
    assert weak.status_code == 400 and "at least 10" in weak.text


def test_an_admin_resets_a_password_and_the_old_one_stops_working(web: WebEnv) -> None:
    admin = web.sign_in("admin")
    victim = web.sign_in("analyst")
    admin.post(
        f"/users/{web.users['analyst'].id}/password",
        data={"password": "reset-by-admin-1", "csrf_token": csrf_of(admin)},
    )
    assert victim.get("/api/v1/me").status_code == 401
    web.sign_in("analyst", "reset-by-admin-1")


def test_the_last_admin_cannot_be_demoted_or_disabled(web: WebEnv) -> None:
    admin = web.sign_in("admin")
    admin_id = web.users["admin"].id
    demote = admin.post(
        f"/users/{admin_id}/role", data={"role": "viewer", "csrf_token": csrf_of(admin)}
    )
    disable = admin.post(f"/users/{admin_id}/disable", data={"csrf_token": csrf_of(admin)})
    assert demote.status_code == disable.status_code == 400
    assert admin.get("/users").status_code == 200


def test_a_password_hashed_with_old_parameters_is_upgraded_at_sign_in(web: WebEnv) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    web.app.state.password_hasher = stronger
    users = table_of(User)
    with web.workspace.write() as conn:
        conn.execute(
            update(users)
            .where(users.c.id == web.users["viewer"].id)
            .values(password_hash=weak.hash(web.passwords["viewer"]))
        )
    web.sign_in("viewer")
    with web.workspace.read() as conn:
        stored = accounts.password_hash_of(conn, "viewer")
    assert stored is not None
    assert "m=16,t=2,p=1" in stored[1] and not stronger.check_needs_rehash(stored[1])
    web.sign_in("viewer")


def test_the_shipped_password_parameters_are_rfc_9106s() -> None:
    assert DEFAULT_HASHER.time_cost >= 3
    assert DEFAULT_HASHER.memory_cost >= 65536
    assert DEFAULT_HASHER.type.name == "ID"


def test_a_users_role_shows_on_their_account_page(web: WebEnv) -> None:
    web.add_user("second-admin", Role.ADMIN, "second-admin-pw")
    page = web.sign_in("second-admin").get("/account")
    assert page.status_code == 200 and "second-admin" in page.text
