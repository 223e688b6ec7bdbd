"""Email delivery against a real SMTP server on loopback (aiosmtpd) that requires STARTTLS,
with a self-signed certificate the channel trusts through its CA file."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

from refwatch.alerts.channels import add_channel
from refwatch.alerts.deliver import deliver_once
from refwatch.alerts.state import evaluate
from refwatch.alerts.transports import DeliveryError, EmailTarget, send_email
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.alerts.conftest import NAMES
from tests.alerts.receivers import SmtpReceiver


def _channel(
    workspace: Workspace,
    cipher: FieldCipher,
    server: SmtpReceiver,
    *,
    username: str | None = None,
    secret: str | None = None,
) -> None:
    add_channel(
        workspace,
        cipher,
        name="duty desk",
        kind="email",
        target="duty@example.org, second@example.org",
        secret=secret,
        settings={
            "smtp_host": "127.0.0.1",
            "smtp_port": server.port,
            "sender": "alerts@example.org",
            "username": username,
            "ca_file": str(server.cert),
        },
        actor="admin",
    )


def _parsed(data: bytes) -> Message:
    return message_from_bytes(data)


def test_alerts_arrive_by_email_over_starttls_with_ids_and_a_link_and_no_name(
    workspace: Workspace,
    cipher: FieldCipher,
    scenario: dict[str, str],
    tmp_path: Path,
    no_hook: None,
) -> None:
    with SmtpReceiver(tmp_path) as server:
        _channel(workspace, cipher, server)
        queued = evaluate(workspace).queued
        report = deliver_once(workspace, cipher, digest=False)
        assert (report.sent, report.failed) == (queued, 0)
        assert len(server.box) == queued >= 3
        for mail in server.box:
            assert mail.tls
            assert mail.sender == "alerts@example.org"
            assert mail.recipients == ["duty@example.org", "second@example.org"]
            message = _parsed(mail.data)
            assert message["Subject"].startswith("[RefWatch] alert.opened")
            assert message["X-RefWatch-Idempotency-Key"]
            body = message.get_payload(decode=True)
            assert isinstance(body, bytes)
            text = body.decode()
            assert "alert id: " in text and "/alerts#alert-" in text
            raw = mail.data.decode("utf-8", errors="replace")
            for name in NAMES:
                assert name not in raw
        person_ids = {scenario["A-2"], scenario["A-3"]}
        subjects = " ".join(_parsed(m.data)["Subject"] for m in server.box)
        assert all(p in subjects for p in person_ids)


def test_the_smtp_password_is_sealed_and_used_for_the_login(
    workspace: Workspace,
    cipher: FieldCipher,
    scenario: dict[str, str],
    tmp_path: Path,
    no_hook: None,
) -> None:
    password = "smtp-Password-9431"
    with SmtpReceiver(tmp_path, credentials=("alerts", password)) as server:
        _channel(workspace, cipher, server, username="alerts", secret=password)
        queued = evaluate(workspace).queued
        assert deliver_once(workspace, cipher, digest=False).sent == queued
        assert {m.login for m in server.box} == {"alerts"}
    raw = (workspace.path / "refwatch.db").read_bytes() if workspace.dialect == "sqlite" else b""
    assert password.encode() not in raw


def test_a_server_without_starttls_gets_nothing(tmp_path: Path) -> None:
    with SmtpReceiver(tmp_path, starttls=False) as server:
        target = EmailTarget(
            "127.0.0.1", server.port, "alerts@example.org", ["duty@example.org"], None, None, None
        )
        with pytest.raises(DeliveryError, match="STARTTLS"):
            send_email(
                target,
                '{"idempotency_key": "k", "type": "digest", "day": "2030-01-01", '
                '"open": 0, "alerts": [], "link": "http://127.0.0.1:8000/alerts"}',
            )
        assert server.box == []


def test_a_certificate_the_channel_does_not_trust_is_refused(tmp_path: Path) -> None:
    with SmtpReceiver(tmp_path) as server:
        target = EmailTarget(
            "127.0.0.1", server.port, "alerts@example.org", ["duty@example.org"], None, None, None
        )
        with pytest.raises(DeliveryError, match=r"SSL|SMTP"):
            send_email(
                target,
                '{"idempotency_key": "k", "type": "digest", "day": "2030-01-01", '
                '"open": 0, "alerts": [], "link": "http://127.0.0.1:8000/alerts"}',
            )
        assert server.box == []
