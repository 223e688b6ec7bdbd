"""The permission rules, tried from every side: each permission against each role through
`require`, the table against the issue's role descriptions, default deny, hiding (404)
and the cipher that only name-reading roles receive."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import Depends, Request
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from refwatch.accounts.permissions import (
    DEFAULT_DENY,
    PERMISSIONS,
    RULES,
    allowed,
    explain,
    granted,
)
from refwatch.domain.roles import Role
from refwatch.store.keys import Secret
from refwatch.store.workspace import Workspace
from refwatch.web.deps import User, audit_name_read, get_cipher, require
from tests.web.conftest import ROLES, WebEnv, make_web

# The issue's table, spelled out: changing a rule means changing this test on purpose.
EXPECTED_GRANTS = {
    "viewer": {"dashboard.view", "counts.view", "account.self"},
    "analyst": {
        "dashboard.view",
        "counts.view",
        "account.self",
        "persons.view",
        "reports.view",
        "sources.view",
        "context.view",
        "estimates.run",
        "factsheets.make",
        "alerts.view",
        "share.link",
    },
    "researcher": {
        "dashboard.view",
        "counts.view",
        "account.self",
        "persons.view",
        "reports.view",
        "sources.view",
        "context.view",
        "estimates.run",
        "factsheets.make",
        "names.view",
        "reports.text",
        "sources.contacts",
        "evidence.write",
        "context.write",
        "linkage.run",
        "linkage.review",
        "consent.write",
        "casefiles.make",
        "share.link",
        "alerts.view",
        "alerts.ack",
    },
    "admin": set(PERMISSIONS),
}
NEVER_FOR_ANALYSTS_OR_VIEWERS = {"names.view", "reports.text", "sources.contacts"}


def test_each_role_holds_exactly_the_permissions_the_issue_gives_it() -> None:
    for role in ROLES:
        assert granted(Role(role)) == EXPECTED_GRANTS[role], role


def test_analysts_and_viewers_never_see_names_text_or_contacts() -> None:
    for role in (Role.ANALYST, Role.VIEWER):
        assert not (granted(role) & NEVER_FOR_ANALYSTS_OR_VIEWERS)


def test_a_permission_no_rule_grants_is_refused_by_default_deny() -> None:
    decision = explain(Role.RESEARCHER, "users.manage")
    assert not decision.allowed and decision.rule == DEFAULT_DENY


def test_explain_names_the_rule_that_decided() -> None:
    for rule in RULES:
        for role in rule.roles:
            for permission in rule.permissions:
                decision = explain(role, permission)
                assert decision.allowed and decision.rule == rule.name


def test_anonymous_visitors_hold_no_permission() -> None:
    assert not any(allowed(None, p) for p in PERMISSIONS)
    assert explain(None, "dashboard.view").rule == "anonymous"


def test_an_unknown_permission_fails_loudly_instead_of_being_silently_denied() -> None:
    with pytest.raises(ValueError, match="unknown permission"):
        require("persons.veiw")
    with pytest.raises(ValueError):
        explain(Role.ADMIN, "everything")


@given(st.sampled_from(list(Role)), st.sampled_from(sorted(PERMISSIONS)))
def test_a_role_has_a_permission_only_when_a_rule_lists_both(role: Role, permission: str) -> None:
    listed = any(role in r.roles and permission in r.permissions for r in RULES)
    assert allowed(role, permission) == listed


def make_probe(permission: str) -> Callable[..., dict[str, object]]:
    guard = Depends(require(permission))

    def probe(request: Request, user: User = guard) -> dict[str, object]:
        return {"user": user.username, "cipher": get_cipher(request) is not None}

    return probe


@pytest.fixture
def probed(workspace: Workspace, secret: Secret) -> Iterator[WebEnv]:
    """The app with one probe route per permission, guarded by `require` alone."""
    env_iter = make_web(workspace, secret)
    env = next(env_iter)
    for name in PERMISSIONS:
        env.app.add_api_route(f"/api/v1/probe/{name}", make_probe(name), methods=["GET"])
    yield env
    next(env_iter, None)


def test_every_permission_rule_holds_against_every_role_over_http(probed: WebEnv) -> None:
    """Each permission, asked for by each role: allowed roles get in, the rest get 401
    (anonymous), 404 (hidden objects) or 403."""
    browsers: dict[str, TestClient] = {"anonymous": probed.client()}
    browsers.update({role: probed.sign_in(role) for role in ROLES})
    probed.app.state.permission_log = []
    wrong = []
    for name, permission in PERMISSIONS.items():
        for role, browser in browsers.items():
            got = browser.get(f"/api/v1/probe/{name}").status_code
            if role == "anonymous":
                want = 401
            elif allowed(Role(role), name):
                want = 200
            else:
                want = 404 if permission.hidden else 403
            if got != want:
                wrong.append(f"{role} {name}: {got} (want {want})")
    assert wrong == []
    checks = {
        (path.rsplit("/", 1)[1], perm) for _m, path, perm, _ok in probed.app.state.permission_log
    }
    assert all(route == perm for route, perm in checks), "each probe checks its own permission"


def test_only_roles_that_may_see_names_get_the_cipher(probed: WebEnv) -> None:
    for role in ROLES:
        answer = probed.sign_in(role).get("/api/v1/probe/account.self").json()
        assert answer["cipher"] is (role in ("researcher", "admin")), role


def test_hidden_objects_answer_404_exactly_like_a_missing_route(probed: WebEnv) -> None:
    viewer = probed.sign_in("viewer")
    hidden = viewer.get("/api/v1/probe/persons.view")
    missing = viewer.get("/api/v1/no-such-thing")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_reading_names_is_an_audit_entry(probed: WebEnv) -> None:
    guard = Depends(require("names.view"))

    def names(request: Request, user: User = guard) -> dict[str, int]:
        audit_name_read(request, "probe list", 3, record_id="P-000001")
        return {"shown": 3}

    probed.app.add_api_route("/api/v1/probe-names", names, methods=["GET"])
    assert probed.sign_in("researcher").get("/api/v1/probe-names").status_code == 200
    with probed.workspace.read() as conn:
        from sqlalchemy import select

        from refwatch.store.schema import AuditEntry, table_of

        entries = table_of(AuditEntry)
        row = conn.execute(select(entries).where(entries.c.action == "names.read")).one()
    assert row.actor == "web:researcher" and row.record_id == "P-000001"
    assert '"count":3' in row.details
    assert probed.workspace.verify_audit().ok


def test_the_debug_page_explains_each_decision_to_admins_only(web: WebEnv) -> None:
    page = web.sign_in("admin").get("/permissions")
    assert page.status_code == 200
    for rule in RULES:
        assert rule.name in page.text
    assert DEFAULT_DENY in page.text
    assert web.sign_in("researcher").get("/permissions").status_code == 403
