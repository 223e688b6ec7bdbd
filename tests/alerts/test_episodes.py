"""An alert is an episode: opened once, escalated when severity rises, closed when the
person is no longer held; each step queues one message, an unchanged run queues none."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import select

from refwatch.alerts import state
from refwatch.alerts.channels import add_channel
from refwatch.alerts.outbox import outbox
from refwatch.alerts.rules import KIND_ORDER, SEVERITIES, AlertView, Factor, compute_alerts
from refwatch.alerts.settings import save_settings
from refwatch.alerts.state import evaluate, fingerprint, stored_alerts
from refwatch.domain.enums import Status
from refwatch.store.crypto import FieldCipher
from refwatch.store.person_pins import person_version, pin_status
from refwatch.store.workspace import Workspace

DAY = date(2017, 9, 30)


def _payloads(workspace: Workspace) -> list[dict[str, object]]:
    with workspace.read() as conn:
        rows = conn.execute(select(outbox.c.payload).order_by(outbox.c.created_at)).scalars()
        return [json.loads(r) for r in rows]


def _listen(workspace: Workspace, cipher: FieldCipher) -> None:
    """A webhook channel, so that each step queues its message."""
    add_channel(
        workspace,
        cipher,
        name="hook",
        kind="webhook",
        target="https://hooks.example.org/x",
        actor="admin",
    )


def _release(workspace: Workspace, cipher: FieldCipher, person_id: str, reason: str) -> None:
    """A researcher pins the person as released two days before the day evaluated."""
    with workspace.read() as conn:
        version = person_version(conn, person_id)
    assert version is not None
    pin_status(
        workspace,
        cipher,
        person_id,
        expected_version=version,
        status=Status.RELEASED,
        as_of="2017-09-28",
        reason=reason,
        actor="researcher",
    )


def test_open_escalate_close_each_queue_one_message(
    workspace: Workspace, cipher: FieldCipher, scenario: dict[str, str]
) -> None:
    _listen(workspace, cipher)
    first = evaluate(workspace, DAY)
    assert first.opened == first.queued == 3
    assert evaluate(workspace, DAY).queued == 0  # nothing changed, nothing sent

    disputed = scenario["A-4"]  # conflict (elevated), last confirmed 29 days before
    before = {a.person_id: a for a in stored_alerts(workspace)}[disputed]
    assert before.severity == "elevated"
    save_settings(workspace, "admin", stale_days=10)  # now stale as well: high
    rise = evaluate(workspace, DAY)
    assert (rise.escalated, rise.queued) == (1, 1)
    escalated = _payloads(workspace)[-1]
    assert escalated["type"] == "alert.escalated"
    after = {a.person_id: a for a in stored_alerts(workspace)}[disputed]
    assert (after.id, after.severity) == (before.id, "high")  # one episode throughout
    save_settings(workspace, "admin", stale_days=30)
    fall = evaluate(workspace, DAY)
    assert (fall.escalated, fall.queued) == (0, 0)  # a lower severity sends nothing

    child = scenario["A-3"]
    held = {a.person_id: a for a in stored_alerts(workspace)}[child]
    _release(workspace, cipher, child, "released, a relative confirmed")
    closed = evaluate(workspace, DAY)
    assert (closed.closed, closed.queued) == (1, 1)
    last = _payloads(workspace)[-1]
    assert last["type"] == "alert.closed" and last["status"] == "released"
    alert = last["alert"]
    assert isinstance(alert, dict)
    assert alert["person_id"] == child and alert["reason"] == "no longer held as of 2017-09-30"
    # The message describes the alert as it stood before it closed (read before the close).
    assert (alert["id"], alert["kind"], alert["severity"]) == (held.id, held.kind, held.severity)
    assert alert["since"] == held.since.isoformat() and alert["factors"] == held.factors
    assert "relative" not in json.dumps(_payloads(workspace))


def test_an_alert_closes_without_resolving_statuses_when_no_channel_listens(
    workspace: Workspace,
    cipher: FieldCipher,
    scenario: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The closing status is for a message only: with no channel, nothing resolves it."""
    evaluate(workspace, DAY)
    child = scenario["A-3"]
    _release(workspace, cipher, child, "released")

    def resolved(*_: object) -> dict[str, str]:
        raise AssertionError("statuses resolved with no channel listening")

    monkeypatch.setattr(state, "_statuses", resolved)
    closed = evaluate(workspace, DAY)
    assert (closed.closed, closed.queued) == (1, 0)
    assert child not in {a.person_id for a in stored_alerts(workspace)}
    assert _payloads(workspace) == []


def test_racing_evaluations_open_each_alert_once(
    workspace: Workspace, scenario: dict[str, str]
) -> None:
    import threading

    from refwatch.store.workspace import open_workspace

    errors: list[BaseException] = []

    def run() -> None:
        try:
            with open_workspace(workspace.path, workspace.url if workspace.schema else None) as ws:
                evaluate(ws, DAY)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    persons = [a.person_id for a in stored_alerts(workspace)]
    assert len(persons) == len(set(persons)) == 3


def test_fingerprints_are_the_ones_stored_before(
    workspace: Workspace, scenario: dict[str, str]
) -> None:
    """An alert's fingerprint is spliced from its factors' stored JSON; it must equal the
    hash earlier versions stored (one JSON list, hashed), or an upgrade would rewrite
    every open alert as changed."""
    _, views = compute_alerts(workspace, DAY)
    crafted = AlertView(
        person_id="P-000009",
        kind="held",
        severity="standard",
        severity_rank=1,
        since=None,
        last_confirmed=date(2017, 1, 2),
        factors=(
            Factor("stale", {"days": None, "threshold": 30}),
            Factor("pre_return_facility", {"facilities": ["F-2", "F-1"], "returned": 2}),
            Factor("possibly_held"),
        ),
    )
    assert len(views) == 3
    for view in [*views, crafted]:
        before = json.dumps(
            [view.kind, view.severity, view.since, view.last_confirmed, view.factors_json()],
            sort_keys=True,
            default=str,
        )
        assert fingerprint(view) == hashlib.sha256(before.encode()).hexdigest()
        stored = json.dumps(view.factors_json(), sort_keys=True)
        assert fingerprint(view, stored) == fingerprint(view)
    assert fingerprint(crafted) != fingerprint(views[0])


def test_the_written_out_head_is_the_json_one_for_every_kind_severity_and_day() -> None:
    """The fingerprint's head is JSON written by hand; every code the rules can give, with and
    without days, must hash as `json.dumps` of the whole list did."""
    days = (None, date(2017, 6, 1), date(1999, 12, 31))
    for kind in (*KIND_ORDER, "held"):
        for rank, severity in enumerate(SEVERITIES, start=1):
            for since in days:
                for confirmed in days:
                    view = AlertView("P-1", kind, severity, rank, since, confirmed, ())
                    before = json.dumps(
                        [kind, severity, since, confirmed, []], sort_keys=True, default=str
                    )
                    assert fingerprint(view) == hashlib.sha256(before.encode()).hexdigest()


def test_every_closing_alert_is_described_as_it_stood(
    workspace: Workspace,
    cipher: FieldCipher,
    scenario: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When many alerts close at once their rows are read back in chunks; each message
    still carries its own alert's kind, severity, dates and factors."""
    monkeypatch.setattr(state, "ROWS_AT_ONCE", 2)  # three alerts: two chunks
    _listen(workspace, cipher)
    assert evaluate(workspace, DAY).opened == 3
    held = {a.id: a for a in stored_alerts(workspace)}
    before = date(2016, 1, 1)  # before anyone was caught: no one held, every alert closes
    closed = evaluate(workspace, before)
    assert (closed.held, closed.closed, closed.queued) == (0, 3, 3)
    messages = [m for m in _payloads(workspace) if m["type"] == "alert.closed"]
    assert len(messages) == 3
    for message in messages:
        alert = message["alert"]
        assert isinstance(alert, dict)
        stood = held[str(alert["id"])]
        assert (alert["person_id"], alert["kind"], alert["severity"]) == (
            stood.person_id,
            stood.kind,
            stood.severity,
        )
        assert alert["factors"] == stood.factors
        assert alert["since"] == (stood.since.isoformat() if stood.since else None)
        assert alert["reason"] == "no longer held as of 2016-01-01"
    assert stored_alerts(workspace) == []
