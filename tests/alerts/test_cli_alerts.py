"""`refwatch alerts` and its subcommands: the adapters over the alerts room."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.alerts.conftest import NAMES
from tests.alerts.receivers import WebhookReceiver
from tests.conftest import PASSPHRASE

runner = CliRunner()


def _run(workspace: Workspace, *args: str, **env: str) -> dict[str, Any]:
    result = runner.invoke(
        app,
        ["--workspace", str(workspace.path), "--actor", "admin-cli", *args, "--json"],
        env={"REFWATCH_PASSPHRASE": PASSPHRASE, **env},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_channel_add_list_deliver_ack_and_remove_from_the_command_line(
    workspace: Workspace, cipher: FieldCipher, scenario: dict[str, str], tmp_path: Path
) -> None:
    receiver = WebhookReceiver().start()
    try:
        secret = "cli-signing-key-0123456789abcdef"
        added = _run(
            workspace,
            "alerts",
            "channel",
            "add",
            "desk",
            "--kind",
            "webhook",
            "--url",
            receiver.url,
            REFWATCH_CHANNEL_SECRET=secret,
        )
        assert added["has_secret"] is True and "new_signing_key" not in added
        listed = _run(workspace, "alerts", "channel", "list")
        assert [c["name"] for c in listed["channels"]] == ["desk"]
        assert secret not in json.dumps(listed)
        # The alerts opened at the import go to the channel added after it.
        alerts = _run(workspace, "alerts")
        assert alerts["stored"] is True and alerts["count"] >= 3
        delivered = _run(workspace, "alerts", "deliver")
        assert delivered["sent"] == alerts["count"] == len(receiver.received)
        box = _run(workspace, "alerts", "outbox")
        assert {m["state"] for m in box["messages"]} == {"sent"}
        first = alerts["alerts"][0]["id"]
        acked = _run(workspace, "alerts", "ack", first, "--action", "unhcr_contacted")
        assert acked["alert"] == first
        again = _run(workspace, "alerts")
        handled = {a["id"]: a for a in again["alerts"]}[first]["acknowledgements"]
        assert handled[0]["actor"] == "admin-cli"
        _run(workspace, "alerts", "channel", "remove", "desk")
        assert _run(workspace, "alerts", "channel", "list")["channels"] == []
        text = (
            json.dumps([alerts, again, box]) + b"".join(r.body for r in receiver.received).decode()
        )
        assert not [n for n in NAMES if n in text]
    finally:
        receiver.stop()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_bad_channel_settings_fail_with_one_line_and_status_2(workspace: Workspace) -> None:
    result = runner.invoke(
        app,
        [
            "--workspace",
            str(workspace.path),
            "alerts",
            "channel",
            "add",
            "x",
            "--kind",
            "webhook",
            "--url",
            "file:///etc/passwd",
        ],
        env={"REFWATCH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 2
    assert "https://" in result.output


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_settings_are_shown_and_changed(workspace: Workspace) -> None:
    assert _run(workspace, "alerts", "settings")["stale_days"] == 30
    changed = _run(workspace, "alerts", "settings", "--stale-days", "14")
    assert changed["stale_days"] == 14
    result = runner.invoke(
        app, ["--workspace", str(workspace.path), "alerts", "settings", "--stale-days", "0"]
    )
    assert result.exit_code == 2 and "between 1 and 3650" in result.output
