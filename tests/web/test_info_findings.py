"""Issue 17, item 9 (the "info" findings), each tried as the outside attacker did:

- an admin's password reset left the user's API tokens working;
- the owner of a token could not revoke it;
- an analyst could delete a researcher's internal fact sheet;
- a "public" release or fact sheet with threshold 1 suppressed nothing.

(`linkage_pairs.tf_weight` and the comparison levels in clear are described in
docs/threat-model.md.)"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from refwatch.accounts import tokens
from refwatch.cli import app
from refwatch.domain.roles import Role
from refwatch.publish.artifacts import sheets_root
from tests.web.conftest import WebEnv, csrf_of
from tests.web.evidence_helpers import post_form
from tests.web.test_factsheet_pages import loaded, make, rows  # noqa: F401 (fixtures)

NEW_PASSWORD = "a fresh uncommon reset passphrase"


def _token_for(web: WebEnv, who: str, role: Role) -> tuple[str, dict[str, str]]:
    token_id, raw = tokens.issue_token(
        web.workspace, web.users[who].id, role, "script", actor="tester"
    )
    return token_id, {"Authorization": f"Bearer {raw}"}


def test_an_admins_password_reset_also_stops_the_users_api_tokens(web: WebEnv) -> None:
    _token_id, bearer = _token_for(web, "analyst", Role.ANALYST)
    client = web.client()
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    admin = web.sign_in("admin")
    answer = admin.post(
        f"/users/{web.users['analyst'].id}/password",
        data={"password": NEW_PASSWORD, "csrf_token": csrf_of(admin)},
    )
    assert answer.status_code == 303
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_a_password_reset_on_the_command_line_also_stops_the_users_api_tokens(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    _token_id, bearer = _token_for(web, "viewer", Role.VIEWER)
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(web.workspace.path))
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    monkeypatch.setenv("REFWATCH_USER_PASSWORD", NEW_PASSWORD)
    if web.workspace.dialect == "postgresql":
        monkeypatch.setenv("REFWATCH_DB", web.workspace.url)
    else:
        monkeypatch.delenv("REFWATCH_DB", raising=False)
    result = CliRunner().invoke(app, ["users", "password", "viewer"])
    assert result.exit_code == 0, result.output
    assert web.client().get("/api/v1/me", headers=bearer).status_code == 401


def test_the_owner_revokes_their_own_token_and_no_one_elses(web: WebEnv) -> None:
    own_id, own = _token_for(web, "analyst", Role.ANALYST)
    other_id, other = _token_for(web, "researcher", Role.RESEARCHER)
    analyst = web.sign_in("analyst")
    refused = analyst.post(
        f"/account/tokens/{other_id}/revoke", data={"csrf_token": csrf_of(analyst)}
    )
    assert refused.status_code == 404
    assert web.client().get("/api/v1/me", headers=other).status_code == 200
    done = analyst.post(f"/account/tokens/{own_id}/revoke", data={"csrf_token": csrf_of(analyst)})
    assert done.status_code == 303
    assert web.client().get("/api/v1/me", headers=own).status_code == 401
    # The token itself may revoke itself too (a script retiring its own credential).
    third_id, third = _token_for(web, "analyst", Role.VIEWER)
    client = web.client()
    assert client.post(f"/account/tokens/{third_id}/revoke", headers=third).status_code == 303
    assert client.get("/api/v1/me", headers=third).status_code == 401


def test_an_analyst_cannot_delete_a_researchers_internal_fact_sheet(loaded: WebEnv) -> None:  # noqa: F811
    researcher = loaded.sign_in("researcher")
    sheet_id = make(researcher, "internal", as_of="2017-09-30")
    analyst = loaded.sign_in("analyst")
    refused = post_form(analyst, f"/factsheets/{sheet_id}/delete", {})
    assert refused.status_code == 403
    assert (sheets_root(loaded.workspace) / sheet_id).exists()
    public_id = make(researcher, "public")
    assert post_form(analyst, f"/factsheets/{public_id}/delete", {}).status_code == 403
    admin = loaded.sign_in("admin")
    assert post_form(admin, f"/factsheets/{sheet_id}/delete", {}).status_code == 303
    assert post_form(researcher, f"/factsheets/{public_id}/delete", {}).status_code == 303


def test_a_public_output_that_suppresses_nothing_needs_an_admin(loaded: WebEnv) -> None:  # noqa: F811
    analyst = loaded.sign_in("analyst")
    release = {"from": "2017-07-01", "to": "2017-09-30", "threshold": "1", "format": ["csv"]}
    assert post_form(analyst, "/releases", release).status_code == 403
    sheet = {"from": "2017-07", "to": "2017-09", "edition": "public", "threshold": "1"}
    assert post_form(analyst, "/factsheets", sheet).status_code == 403
    assert post_form(analyst, "/releases", {**release, "threshold": "5"}).status_code == 303
    admin = loaded.sign_in("admin")
    assert post_form(admin, "/releases", release).status_code == 303
