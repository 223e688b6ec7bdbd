"""The /alerts page and its forms, tried by every role: who sees alerts, who may
acknowledge, who may configure channels; CSRF; no name anywhere on the page."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from refwatch.alerts.channels import list_channels
from refwatch.alerts.state import stored_alerts
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests.alerts.conftest import NAMES, import_scenario
from tests.web.conftest import WebEnv, csrf_of


@pytest.fixture
def alerts_web(web: WebEnv, cipher: FieldCipher, tmp_path: Path) -> WebEnv:
    import_scenario(web.workspace, cipher, tmp_path / "lists")
    return web


def _first_alert(client: TestClient, workspace: Workspace) -> str:
    assert client.get("/alerts").status_code == 200  # brings the stored alerts up to today
    return stored_alerts(workspace)[0].id


def test_who_sees_the_alerts(alerts_web: WebEnv) -> None:
    assert alerts_web.client().get("/alerts").status_code == 303  # to the sign-in form
    assert alerts_web.sign_in("viewer").get("/alerts").status_code == 403
    analyst = alerts_web.sign_in("analyst").get("/alerts")
    assert analyst.status_code == 200
    assert 'id="alerts-list"' in analyst.text and "data-severity=" in analyst.text
    assert "ack-form" not in analyst.text and "channel-add" not in analyst.text
    researcher = alerts_web.sign_in("researcher").get("/alerts")
    assert "ack-form" in researcher.text and "channel-add" not in researcher.text
    admin = alerts_web.sign_in("admin").get("/alerts")
    assert "channel-add" in admin.text and "outbox-list" in admin.text


def test_no_name_on_the_page_in_either_language(alerts_web: WebEnv) -> None:
    admin = alerts_web.sign_in("admin")
    for lang in ("en", "ko"):
        page = html.unescape(admin.get(f"/alerts?lang={lang}").text)
        assert not [n for n in NAMES if n in page]
    korean = admin.get("/alerts?lang=ko").text
    assert "경보" in korean


def test_a_day_in_the_past_is_computed_not_stored(alerts_web: WebEnv) -> None:
    page = alerts_web.sign_in("analyst").get("/alerts?as_of=2017-09-30")
    assert page.status_code == 200
    assert "2017-09-30" in page.text and 'data-factor="pre_return_facility"' in page.text


def test_a_researcher_acknowledges_and_it_is_audited(alerts_web: WebEnv) -> None:
    researcher = alerts_web.sign_in("researcher")
    alert_id = _first_alert(researcher, alerts_web.workspace)
    answer = researcher.post(
        f"/alerts/{alert_id}/ack",
        data={"action": "un_appeal_sent", "note": "", "csrf_token": csrf_of(researcher)},
    )
    assert answer.status_code == 303
    handled = {a.id: a for a in stored_alerts(alerts_web.workspace)}[alert_id].acks
    assert [(h["actor"], h["action"]) for h in handled] == [("web:researcher", "un_appeal_sent")]
    entries = table_of(AuditEntry)
    with alerts_web.workspace.read() as conn:
        actors = conn.execute(
            select(entries.c.actor).where(entries.c.action == "alert.ack")
        ).scalars()
        assert list(actors) == ["web:researcher"]


def test_viewers_and_analysts_cannot_acknowledge_and_csrf_is_required(alerts_web: WebEnv) -> None:
    admin = alerts_web.sign_in("admin")
    alert_id = _first_alert(admin, alerts_web.workspace)
    for role in ("viewer", "analyst"):
        client = alerts_web.sign_in(role)
        answer = client.post(
            f"/alerts/{alert_id}/ack", data={"action": "seen", "csrf_token": csrf_of(client)}
        )
        assert answer.status_code == 403, role
    assert admin.post(f"/alerts/{alert_id}/ack", data={"action": "seen"}).status_code == 403
    forged = admin.post(
        f"/alerts/{alert_id}/ack", data={"action": "seen", "csrf_token": "forged-token"}
    )
    assert forged.status_code == 403
    assert stored_alerts(alerts_web.workspace)[0].acks == []
    token = csrf_of(admin)
    assert (
        admin.post("/alerts/no-such/ack", data={"action": "seen", "csrf_token": token}).status_code
        == 404
    )
    bad = admin.post(f"/alerts/{alert_id}/ack", data={"action": "rm -rf", "csrf_token": token})
    assert bad.status_code == 400


def test_only_admins_configure_channels(alerts_web: WebEnv) -> None:
    form = {"name": "desk", "kind": "webhook", "target": "https://hooks.example.org/r"}
    for role in ("viewer", "analyst", "researcher"):
        client = alerts_web.sign_in(role)
        answer = client.post("/alerts/channels", data={**form, "csrf_token": csrf_of(client)})
        assert answer.status_code == 403, role
        settings = {"stale_days": "1", "recent_days": "1", "base_url": "https://x.example"}
        answer = client.post("/alerts/settings", data={**settings, "csrf_token": csrf_of(client)})
        assert answer.status_code == 403, role
    assert list_channels(alerts_web.workspace) == []
    admin = alerts_web.sign_in("admin")
    assert admin.post("/alerts/channels", data=form).status_code == 403  # no CSRF token
    secret = "web-signing-key-0123456789abcdef"
    added = admin.post(
        "/alerts/channels", data={**form, "secret": secret, "csrf_token": csrf_of(admin)}
    )
    assert added.status_code == 303
    [channel] = list_channels(alerts_web.workspace)
    page = admin.get("/alerts").text
    assert 'data-channel="desk"' in page and secret not in page
    # Opened alerts were queued for the new channel; the outbox shows them.
    assert "alert" in page[page.index('id="outbox-list"') :]
    removed = admin.post(
        f"/alerts/channels/{channel.id}/remove", data={"csrf_token": csrf_of(admin)}
    )
    assert removed.status_code == 303 and list_channels(alerts_web.workspace) == []


@pytest.mark.parametrize(
    "target",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:11211/_stats",
        "http://169.254.169.254/latest/meta-data/",
        "https://user:pw@example.org/x",
    ],
)
def test_unsafe_webhook_urls_are_refused_on_the_page(alerts_web: WebEnv, target: str) -> None:
    admin = alerts_web.sign_in("admin")
    answer = admin.post(
        "/alerts/channels",
        data={"name": "x", "kind": "webhook", "target": target, "csrf_token": csrf_of(admin)},
    )
    assert answer.status_code == 400 and 'id="alerts-error"' in answer.text
    assert list_channels(alerts_web.workspace) == []


def test_header_injection_through_an_email_channel_is_refused(alerts_web: WebEnv) -> None:
    admin = alerts_web.sign_in("admin")
    answer = admin.post(
        "/alerts/channels",
        data={
            "name": "mail",
            "kind": "email",
            "target": "duty@example.org\r\nBcc: spy@example.net",
            "smtp_host": "smtp.example.org",
            "sender": "alerts@example.org",
            "csrf_token": csrf_of(admin),
        },
    )
    assert answer.status_code == 400
    assert list_channels(alerts_web.workspace) == []


def test_settings_are_changed_by_an_admin_and_checked(alerts_web: WebEnv) -> None:
    admin = alerts_web.sign_in("admin")
    token = csrf_of(admin)
    good = {"stale_days": "14", "recent_days": "60", "base_url": "https://refwatch.example.org"}
    assert admin.post("/alerts/settings", data={**good, "csrf_token": token}).status_code == 303
    bad = {**good, "base_url": "javascript:alert(1)"}
    answer = admin.post("/alerts/settings", data={**bad, "csrf_token": token})
    assert answer.status_code == 400
    assert 'value="14"' in admin.get("/alerts").text


@pytest.mark.parametrize("role", ["anonymous", "viewer", "analyst", "researcher", "admin"])
def test_the_alert_rows_of_the_route_matrix(role: str, alerts_web: WebEnv) -> None:
    """The rows `test_route_matrix` checks with every other route, alone (fast)."""
    from tests.web.route_matrix_alerts import ROWS
    from tests.web.test_route_matrix import call, fresh_client, ids_of

    ids = ids_of(alerts_web)
    wrong = []
    for row in ROWS:
        client, csrf = fresh_client(alerts_web, role)
        got = call(client, row, csrf, ids)
        if got != row.expected(role):
            wrong.append(f"{row.method} {row.path}: expected {row.expected(role)}, got {got}")
    assert wrong == []
