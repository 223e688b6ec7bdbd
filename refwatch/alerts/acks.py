"""Acknowledgements: who handled an alert, when, and what was done; audited.

Why a code for "what was done" plus an optional sealed note: the code is what a team
reports on ("appeal sent" for 12 alerts this week) and it is safe to show to anyone who
may see alerts; the note is free text that may name a relative or a contact, so it is
sealed with the workspace key like a report note and never enters the audit entry.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from refwatch.domain.errors import RefWatchError
from refwatch.store import audit
from refwatch.store.base import table_of
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema_alerts import Alert, AlertAck
from refwatch.store.workspace import Workspace

alerts = table_of(Alert)
acks = table_of(AlertAck)

ACTIONS = (
    "seen",
    "family_contacted",
    "network_contacted",
    "unhcr_contacted",
    "un_appeal_sent",
    "government_contacted",
    "media_contacted",
    "no_action_possible",
    "other",
)
NOTE_CHARS = 2000


class AckError(RefWatchError):
    """An acknowledgement refused: unknown action, note too long or not sealable."""


class UnknownAlertError(AckError):
    """No alert has this id."""


def acknowledge(
    workspace: Workspace,
    alert_id: str,
    action: str,
    actor: str,
    *,
    note: str | None = None,
    cipher: FieldCipher | None = None,
) -> str:
    """Record that `actor` handled the alert by `action`; return the acknowledgement id."""
    if action not in ACTIONS:
        raise AckError(f"action must be one of: {', '.join(ACTIONS)}")
    if note:
        if len(note) > NOTE_CHARS:
            raise AckError(f"the note is longer than {NOTE_CHARS} characters")
        if cipher is None:
            raise AckError("a note is sealed with the workspace key: unlock the workspace")
    ack_id = str(uuid.uuid4())
    with workspace.write() as conn:
        found = conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first()
        if found is None:
            raise UnknownAlertError(f"no alert {alert_id!r}")
        sealed = cipher.seal(acks.name, "note", ack_id, note) if note and cipher else None
        conn.execute(
            acks.insert().values(
                id=ack_id,
                alert_id=alert_id,
                actor=actor,
                action=action,
                note_enc=sealed,
                acked_at=datetime.now(UTC),
            )
        )
        audit.log(
            conn,
            actor,
            "alert.ack",
            table_name=alerts.name,
            record_id=alert_id,
            details={"action": action, "ack": ack_id, "note": bool(note)},
        )
    return ack_id
