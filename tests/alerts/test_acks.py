"""Acknowledgements: who handled an alert, when, what was done; audited, note sealed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from refwatch.alerts.acks import AckError, acknowledge
from refwatch.alerts.state import evaluate, stored_alerts
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.schema_alerts import AlertAck
from refwatch.store.workspace import Workspace


def test_an_acknowledgement_is_recorded_audited_and_its_note_sealed(
    workspace: Workspace, cipher: FieldCipher, scenario: dict[str, str], no_hook: None
) -> None:
    evaluate(workspace)
    alert = stored_alerts(workspace)[0]
    note = "spoke to Canaryone Tumenheld's brother"
    ack_id = acknowledge(
        workspace, alert.id, "un_appeal_sent", "researcher", note=note, cipher=cipher
    )
    handled = {a.id: a for a in stored_alerts(workspace)}[alert.id]
    assert [(h["actor"], h["action"]) for h in handled.acks] == [("researcher", "un_appeal_sent")]
    shown = handled.as_dict()  # moments with their offset on both engines (SQLite drops it)
    for moment in (shown["opened_at"], shown["acknowledgements"][0]["at"]):
        assert datetime.fromisoformat(moment).utcoffset() == timedelta(0)
    acks = table_of(AlertAck)
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        sealed = conn.execute(select(acks.c.note_enc)).scalar_one()
        audit_rows = list(conn.execute(select(entries).where(entries.c.action == "alert.ack")))
    assert b"Canaryone" not in sealed
    assert cipher.open("alert_acks", "note", ack_id, sealed) == note
    assert len(audit_rows) == 1
    assert audit_rows[0].record_id == alert.id and audit_rows[0].actor == "researcher"
    assert "Canaryone" not in audit_rows[0].details
    # An acknowledgement is not evidence: the rules find the same alerts afterwards.
    assert evaluate(workspace).opened == 0


def test_unknown_alerts_and_actions_and_unsealable_notes_are_refused(
    workspace: Workspace, cipher: FieldCipher, scenario: dict[str, str], no_hook: None
) -> None:
    evaluate(workspace)
    alert = stored_alerts(workspace)[0]
    with pytest.raises(AckError, match="no alert"):
        acknowledge(workspace, "no-such-alert", "seen", "r")
    with pytest.raises(AckError, match="action"):
        acknowledge(workspace, alert.id, "deleted_everything", "r")
    with pytest.raises(AckError, match="unlock"):
        acknowledge(workspace, alert.id, "seen", "r", note="text")
    with pytest.raises(AckError, match="longer"):
        acknowledge(workspace, alert.id, "seen", "r", note="x" * 2001, cipher=cipher)
