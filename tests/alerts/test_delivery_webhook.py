"""Webhook delivery against a real local HTTP receiver: signed, at least once, nothing
lost when the receiver is down or the sender dies between sending and marking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.alerts.channels import add_channel
from refwatch.alerts.deliver import deliver_once
from refwatch.alerts.messages import KEY_HEADER, SIGNATURE_HEADER, verify
from refwatch.alerts.outbox import LEASE, list_outbox, outbox
from refwatch.alerts.state import evaluate
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.alerts.conftest import NAMES
from tests.alerts.receivers import WebhookReceiver
from tests.conftest import PASSPHRASE

SECRET = "a-webhook-signing-key-for-tests-0123456789"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver().start()
    yield hook
    hook.stop()


@pytest.fixture
def queued(
    workspace: Workspace,
    cipher: FieldCipher,
    scenario: dict[str, str],
    receiver: WebhookReceiver,
    no_hook: None,
) -> int:
    """A webhook channel, then the rules: one message per opened alert."""
    add_channel(
        workspace,
        cipher,
        name="hook",
        kind="webhook",
        target=receiver.url,
        secret=SECRET,
        actor="admin",
    )
    result = evaluate(workspace)
    assert result.opened == result.queued >= 3
    return result.queued


def test_each_alert_reaches_the_receiver_once_signed_with_its_idempotency_key(
    workspace: Workspace, cipher: FieldCipher, receiver: WebhookReceiver, queued: int
) -> None:
    report = deliver_once(workspace, cipher, digest=False)
    assert (report.sent, report.failed) == (queued, 0)
    assert len(receiver.received) == queued
    keys = [r.header(KEY_HEADER) for r in receiver.received]
    assert len(set(keys)) == queued
    for got in receiver.received:
        assert verify(SECRET, got.header(SIGNATURE_HEADER), got.body, int(time.time()))
        assert not verify("another key", got.header(SIGNATURE_HEADER), got.body, int(time.time()))
        assert not verify(SECRET, got.header(SIGNATURE_HEADER), got.body + b" ", int(time.time()))
        body = json.loads(got.body)
        assert body["idempotency_key"] == got.header(KEY_HEADER)
        assert body["type"] == "alert.opened"
        assert body["link"].startswith("http://127.0.0.1:8000/alerts#alert-")
        assert set(body["alert"]) >= {"id", "person_id", "kind", "severity", "since", "reason"}
    assert deliver_once(workspace, cipher, digest=False).sent == 0  # nothing twice


def test_a_replayed_signature_is_refused_after_five_minutes() -> None:
    from refwatch.alerts.messages import sign

    header = sign(SECRET, 1_000_000, b"{}")
    assert verify(SECRET, header, b"{}", 1_000_100)
    assert not verify(SECRET, header, b"{}", 1_000_000 + 301)
    assert not verify(SECRET, "t=x,v1=y", b"{}", 1_000_000)


def test_a_receiver_that_is_down_gets_everything_once_it_is_back(
    workspace: Workspace, cipher: FieldCipher, receiver: WebhookReceiver, queued: int
) -> None:
    receiver.stop()
    now = datetime.now(UTC)
    down = deliver_once(workspace, cipher, now=now, digest=False)
    assert (down.sent, down.failed) == (0, queued)
    assert all("unreachable" in e["error"] for e in down.errors)
    # Back-off: nothing is due again for 30 seconds, then 1 minute after the second try.
    assert (
        deliver_once(workspace, cipher, now=now + timedelta(seconds=29), digest=False).claimed == 0
    )
    again = deliver_once(workspace, cipher, now=now + timedelta(seconds=31), digest=False)
    assert again.failed == queued
    assert (
        deliver_once(workspace, cipher, now=now + timedelta(seconds=80), digest=False).claimed == 0
    )
    receiver.start()  # same port
    back = deliver_once(workspace, cipher, now=now + timedelta(seconds=92), digest=False)
    assert (back.sent, back.failed) == (queued, 0)
    assert len(receiver.received) == queued
    rows = list_outbox(workspace)
    assert {r["state"] for r in rows} == {"sent"}
    assert {r["attempts"] for r in rows} == {3}


def test_the_outbox_survives_a_restart(
    workspace: Workspace, cipher: FieldCipher, receiver: WebhookReceiver, queued: int
) -> None:
    from refwatch.store.workspace import open_workspace

    path = workspace.path
    workspace.close()
    with open_workspace(path) as reopened:
        report = deliver_once(reopened, cipher, digest=False)
    assert report.sent == queued == len(receiver.received)


KILLED_SENDER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from refwatch.alerts import deliver
    from refwatch.store.crypto import FieldCipher
    from refwatch.store.keys import Secret
    from refwatch.store.workspace import open_workspace

    def send_then_die(channel, message, secret):
        deliver.send(channel, message, secret)
        os._exit(9)  # killed after the receiver accepted, before the outbox says so

    with open_workspace(Path(sys.argv[1])) as ws:
        cipher = FieldCipher(ws.unlock(Secret(passphrase=sys.argv[2])))
        deliver.deliver_once(ws, cipher, digest=False, sender=send_then_die, limit=1)
    """
)


@pytest.mark.slow
def test_a_sender_killed_between_send_and_mark_redelivers_with_the_same_key(
    workspace: Workspace, cipher: FieldCipher, receiver: WebhookReceiver, queued: int
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_SENDER, str(workspace.path), PASSPHRASE],
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 9, done.stderr.decode()[-2000:]
    assert len(receiver.received) == 1
    first_key = receiver.received[0].header(KEY_HEADER)
    with workspace.read() as conn:
        row = conn.execute(select(outbox).where(outbox.c.idempotency_key == first_key)).one()
    assert row.state == "pending" and row.claimed_until is not None
    # While the lease runs, nobody sends it again; once it has run out, it goes again.
    assert deliver_once(workspace, cipher, digest=False).sent == queued - 1
    later = datetime.now(UTC) + LEASE + timedelta(seconds=1)
    assert deliver_once(workspace, cipher, now=later, digest=False).sent == 1
    keys = [r.header(KEY_HEADER) for r in receiver.received]
    assert keys.count(first_key) == 2
    assert len(set(keys)) == queued


def test_a_redirect_is_not_followed(
    workspace: Workspace, cipher: FieldCipher, receiver: WebhookReceiver, queued: int
) -> None:
    elsewhere = WebhookReceiver().start()
    try:
        receiver.status, receiver.location = 307, elsewhere.url
        report = deliver_once(workspace, cipher, digest=False)
        assert report.failed == queued
        assert elsewhere.received == []
        assert all("HTTP 307" in e["error"] for e in report.errors)
    finally:
        elsewhere.stop()


def test_a_receiver_error_is_retried_not_dropped(
    workspace: Workspace, cipher: FieldCipher, receiver: WebhookReceiver, queued: int
) -> None:
    receiver.status = 500
    now = datetime.now(UTC)
    assert deliver_once(workspace, cipher, now=now, digest=False).failed == queued
    receiver.status = 200
    assert deliver_once(workspace, cipher, now=now + timedelta(minutes=1), digest=False).sent == (
        queued
    )


def test_the_daily_digest_goes_once_a_day(
    workspace: Workspace, cipher: FieldCipher, receiver: WebhookReceiver, queued: int
) -> None:
    add_channel(
        workspace,
        cipher,
        name="daily",
        kind="webhook",
        target=receiver.url + "?daily",
        secret=SECRET,
        mode="digest",
        actor="admin",
    )
    day = datetime(2030, 1, 2, 8, tzinfo=UTC)
    first = deliver_once(workspace, cipher, now=day)
    assert first.digests_queued == 1
    assert deliver_once(workspace, cipher, now=day + timedelta(hours=3)).digests_queued == 0
    assert deliver_once(workspace, cipher, now=day + timedelta(days=1)).digests_queued == 1
    digests = [json.loads(r.body) for r in receiver.received if r.path.endswith("?daily")]
    assert [d["day"] for d in digests] == ["2030-01-02", "2030-01-03"]
    assert digests[0]["open"] == len(digests[0]["alerts"]) == queued
    assert digests[0]["link"].endswith("/alerts")


def test_no_name_in_bodies_outbox_rows_or_errors(
    workspace: Workspace, cipher: FieldCipher, receiver: WebhookReceiver, queued: int
) -> None:
    deliver_once(workspace, cipher)
    sent = b"".join(r.body for r in receiver.received).decode("utf-8")
    with workspace.read() as conn:
        stored = json.dumps([dict(r._mapping) for r in conn.execute(select(outbox))], default=str)
    for name in NAMES:
        assert name not in sent
        assert name not in stored
