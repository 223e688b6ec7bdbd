"""The demo's alert channel (a signed webhook to 127.0.0.1) and the receiver RefWatch ships
for it: signatures checked, redeliveries recognised, nothing sent off this machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.alerts.channels import add_channel
from refwatch.alerts.deliver import deliver_once
from refwatch.alerts.demo import DEMO_URL
from refwatch.alerts.receiver import Receiver
from refwatch.alerts.state import evaluate
from refwatch.alerts.transports import DeliveryError, send_webhook
from refwatch.cli import app
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace

runner = CliRunner()
KEY = "receiver-test-signing-key-0123456789"


@pytest.mark.slow
def test_refwatch_demo_adds_a_loopback_channel_that_is_harmless_when_nothing_listens(
    tmp_path: Path,
) -> None:
    env = {"REFWATCH_PASSPHRASE": "demo passphrase", "COLUMNS": "200"}
    path = str(tmp_path / "demo")
    built = runner.invoke(app, ["--workspace", path, "demo", "--no-link", "--json"], env=env)
    assert built.exit_code == 0, built.output
    channel = json.loads(built.stdout)["alert_channel"]
    assert channel["url"] == DEMO_URL and channel["url"].startswith("http://127.0.0.1:")
    assert len(channel["signing_key"]) >= 32
    listed = runner.invoke(app, ["--workspace", path, "alerts", "channel", "list", "--json"])
    [row] = json.loads(listed.stdout)["channels"]
    assert row["mode"] == "both" and channel["signing_key"] not in listed.stdout
    box = runner.invoke(app, ["--workspace", path, "alerts", "outbox", "--limit", "500", "--json"])
    queued = json.loads(box.stdout)["messages"]
    assert len(queued) >= 55  # the open alerts, sent to the channel added after the import
    delivered = runner.invoke(app, ["--workspace", path, "alerts", "deliver", "--json"], env=env)
    assert delivered.exit_code == 0, delivered.output
    report = json.loads(delivered.stdout)
    assert report["sent"] + report["failed"] == report["claimed"]


def test_the_receiver_checks_signatures_and_recognises_redeliveries() -> None:
    receiver = Receiver(port=0, secret=KEY).start()
    url = f"http://127.0.0.1:{receiver.port}/hook"
    body = json.dumps({"type": "alert.opened", "alert": {"person_id": "P-1", "severity": "high"}})
    try:
        assert send_webhook(url, KEY, body, "k-1") == 200
        assert send_webhook(url, KEY, body, "k-1") == 200
        with pytest.raises(DeliveryError, match="HTTP 401"):
            send_webhook(url, "a-forged-key-00000000000000", body, "k-2")
    finally:
        receiver.stop()
    first, again, forged = receiver.deliveries
    assert (first.signature_ok, first.duplicate, first.person_id) == (True, False, "P-1")
    assert (again.signature_ok, again.duplicate) == (True, True)
    assert forged.signature_ok is False and "BAD SIGNATURE" in forged.line()


def test_delivery_to_the_shipped_receiver_end_to_end(
    workspace: Workspace, cipher: FieldCipher, scenario: dict[str, str]
) -> None:
    receiver = Receiver(port=0, secret=KEY).start()
    try:
        add_channel(
            workspace,
            cipher,
            name="local",
            kind="webhook",
            target=f"http://127.0.0.1:{receiver.port}/refwatch-alerts",
            secret=KEY,
            mode="both",
            actor="admin",
        )
        queued = evaluate(workspace).queued
        report = deliver_once(workspace, cipher)
    finally:
        receiver.stop()
    assert report.sent == queued + 1  # and today's digest
    assert all(d.signature_ok and not d.duplicate for d in receiver.deliveries)
    assert {d.kind for d in receiver.deliveries} == {"alert.opened", "digest"}
