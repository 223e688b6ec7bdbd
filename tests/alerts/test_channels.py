"""Channel settings an attacker (or a slip) could use: other schemes, credentials in URLs,
the metadata address, clear text over the network, header injection through addresses
or hosts. Secrets are sealed and never listed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from refwatch.alerts.channels import ChannelError, add_channel, list_channels, remove_channel
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.schema_alerts import AlertChannel
from refwatch.store.workspace import Workspace

EMAIL = {"smtp_host": "smtp.example.org", "smtp_port": 587, "sender": "alerts@example.org"}


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "https://"),
        ("ftp://example.org/x", "https://"),
        ("gopher://127.0.0.1:25/_HELO", "https://"),
        ("javascript:alert(1)", "https://"),
        ("http://example.org/hook", "only allowed to this machine"),
        ("https://user:pw@example.org/hook", "credentials"),
        ("https://example.org@127.0.0.1/hook", "credentials"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://example.org/hook\r\nX-Injected: 1", "line breaks"),
        ("https:///nohost", "no host"),
        ("https://example.org:99999/", "invalid port"),
    ],
)
def test_webhook_urls_that_are_refused(
    workspace: Workspace, cipher: FieldCipher, url: str, why: str
) -> None:
    with pytest.raises(ChannelError, match=why):
        add_channel(workspace, cipher, name="x", kind="webhook", target=url, actor="admin")


def test_https_anywhere_and_http_to_this_machine_are_accepted(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    for i, url in enumerate(
        ["https://hooks.example.org/refwatch", "http://127.0.0.1:8765/hook", "http://localhost/h"]
    ):
        channel, key = add_channel(
            workspace, cipher, name=f"h{i}", kind="webhook", target=url, actor="admin"
        )
        assert key is not None and len(key) >= 32  # a new signing key, shown once
        assert channel.has_secret


@pytest.mark.parametrize(
    ("target", "settings", "why"),
    [
        ("duty@example.org\r\nBcc: spy@example.net", EMAIL, "line breaks"),
        ("Duty <duty@example.org>", EMAIL, "plain email address"),
        ("not-an-address", EMAIL, "plain email address"),
        ("", EMAIL, "at least one"),
        ("duty@example.org", {**EMAIL, "sender": "a@example.org\nBcc: x@y.z"}, "line breaks"),
        ("duty@example.org", {**EMAIL, "smtp_host": "smtp.example.org\r\n"}, "line breaks"),
        ("duty@example.org", {**EMAIL, "smtp_host": "smtp example"}, "host name"),
        ("duty@example.org", {**EMAIL, "smtp_port": 0}, "between 1 and 65535"),
        ("duty@example.org", {**EMAIL, "username": "alerts"}, "needs a password"),
    ],
)
def test_email_settings_that_could_inject_headers_are_refused(
    workspace: Workspace, cipher: FieldCipher, target: str, settings: dict[str, object], why: str
) -> None:
    with pytest.raises(ChannelError, match=why):
        add_channel(
            workspace,
            cipher,
            name="mail",
            kind="email",
            target=target,
            settings=dict(settings),
            actor="admin",
        )


def test_a_secret_is_sealed_never_listed_and_changes_are_audited(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    secret = "Webhook-signing-key-7781-abcdef"
    channel, shown = add_channel(
        workspace,
        cipher,
        name="desk",
        kind="webhook",
        target="https://hooks.example.org/x",
        secret=secret,
        actor="admin",
    )
    assert shown is None  # the admin gave it
    listed = [c.as_dict() for c in list_channels(workspace)]
    assert secret not in repr(listed)
    assert listed[0]["has_secret"] is True
    assert datetime.fromisoformat(listed[0]["created_at"]).utcoffset() == timedelta(0)
    channels = table_of(AlertChannel)
    with workspace.read() as conn:
        sealed = conn.execute(select(channels.c.secret_enc)).scalar_one()
    assert secret.encode() not in sealed
    assert cipher.open("alert_channels", "secret", channel.id, sealed) == secret
    with pytest.raises(ChannelError, match="exists already"):
        add_channel(
            workspace, cipher, name="desk", kind="webhook", target="https://a.example/", actor="a"
        )
    remove_channel(workspace, "desk", "admin")
    assert list_channels(workspace) == []
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        actions = list(conn.execute(select(entries.c.action, entries.c.details)))
    assert [a for a, _ in actions if a.startswith("alert.channel")] == [
        "alert.channel.add",
        "alert.channel.remove",
    ]
    assert all(secret not in d for _, d in actions)


def test_channel_names_and_kinds_are_checked(workspace: Workspace, cipher: FieldCipher) -> None:
    with pytest.raises(ChannelError, match="name"):
        add_channel(
            workspace, cipher, name="<b>x</b>", kind="webhook", target="https://a/", actor="a"
        )
    with pytest.raises(ChannelError, match="kind"):
        add_channel(workspace, cipher, name="sms", kind="sms", target="+1", actor="a")
    with pytest.raises(ChannelError, match="mode"):
        add_channel(
            workspace, cipher, name="m", kind="webhook", target="https://a/", mode="x", actor="a"
        )
