"""API tokens: scoped to a role, never above their user's, stored hashed, revocable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from refwatch.accounts import accounts, tokens
from refwatch.domain.errors import InputError
from refwatch.domain.roles import Role, lower_of
from refwatch.store.schema import table_of
from refwatch.store.schema_web import ApiToken
from tests.web.conftest import WebEnv, csrf_of


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_a_token_acts_with_its_own_role_not_its_users(web: WebEnv) -> None:
    _, raw = tokens.issue_token(
        web.workspace, web.users["admin"].id, Role.ANALYST, "reports", actor="t"
    )
    script = web.client()
    me = script.get("/api/v1/me", headers=bearer(raw)).json()
    assert me == {
        "username": "admin",
        "role": "analyst",
        "via": "token",
        "permissions": me["permissions"],
    }
    assert "users.manage" not in me["permissions"]
    assert script.get("/users", headers=bearer(raw)).status_code == 403


def test_a_token_cannot_be_issued_above_its_users_role(web: WebEnv) -> None:
    with pytest.raises(InputError):
        tokens.issue_token(web.workspace, web.users["analyst"].id, Role.ADMIN, "x", actor="t")
    admin = web.sign_in("admin")
    answer = admin.post(
        f"/users/{web.users['viewer'].id}/tokens",
        data={"role": "researcher", "label": "escalate", "csrf_token": csrf_of(admin)},
    )
    assert answer.status_code == 400
    assert tokens.list_tokens(web.workspace, web.users["viewer"].id) == []


def test_a_demoted_users_token_is_demoted_with_them(web: WebEnv) -> None:
    _, raw = tokens.issue_token(
        web.workspace, web.users["researcher"].id, Role.RESEARCHER, "x", actor="t"
    )
    accounts.set_role(web.workspace, web.users["researcher"].id, Role.VIEWER, actor="admin")
    assert web.client().get("/api/v1/me", headers=bearer(raw)).json()["role"] == "viewer"


def test_a_disabled_users_api_token_stops_working_on_the_next_request(web: WebEnv) -> None:
    _, raw = tokens.issue_token(
        web.workspace, web.users["researcher"].id, Role.RESEARCHER, "x", actor="t"
    )
    script = web.client()
    assert script.get("/api/v1/status", headers=bearer(raw)).status_code == 200
    accounts.set_disabled(web.workspace, web.users["researcher"].id, True, actor="admin")
    assert script.get("/api/v1/status", headers=bearer(raw)).status_code == 401
    accounts.set_disabled(web.workspace, web.users["researcher"].id, False, actor="admin")
    assert script.get("/api/v1/status", headers=bearer(raw)).status_code == 401, (
        "disabling revoked the token for good"
    )


def test_an_attacker_cannot_use_a_token_after_the_admin_revokes_it(web: WebEnv) -> None:
    admin = web.sign_in("admin")
    issued = admin.post(
        f"/users/{web.users['analyst'].id}/tokens",
        data={"role": "analyst", "label": "leaked", "csrf_token": csrf_of(admin)},
    )
    assert issued.status_code == 200
    raw = issued.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert web.client().get("/api/v1/me", headers=bearer(raw)).status_code == 200
    (info,) = tokens.list_tokens(web.workspace, web.users["analyst"].id)
    revoked = admin.post(f"/users/tokens/{info.id}/revoke", data={"csrf_token": csrf_of(admin)})
    assert revoked.status_code == 303
    assert web.client().get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_a_copied_database_holds_no_usable_token(web: WebEnv) -> None:
    _, raw = tokens.issue_token(web.workspace, web.users["admin"].id, Role.ADMIN, "x", actor="t")
    with web.workspace.read() as conn:
        rows = conn.execute(select(table_of(ApiToken))).all()
    assert not any(raw in str(value) for row in rows for value in row)
    stored_hash = rows[0].token_hash
    assert web.client().get("/api/v1/me", headers=bearer(stored_hash)).status_code == 401
    assert web.client().get("/api/v1/me", headers=bearer("rwt_" + stored_hash)).status_code == 401


@given(st.sampled_from(list(Role)), st.sampled_from(list(Role)))
def test_a_token_never_acts_above_either_its_scope_or_its_user(token: Role, user: Role) -> None:
    acting = lower_of(token, user)
    assert acting.rank <= token.rank and acting.rank <= user.rank
    assert acting in (token, user)
