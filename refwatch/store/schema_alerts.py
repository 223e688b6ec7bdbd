"""Tables of the alerts room: alerts, their acknowledgements, delivery channels, the outbox.

Why these shapes:

- `alerts` is a conclusion, like a person link: the rules recompute it after every import,
  edit and linkage run. One row per episode (a person held, from the evaluation that first
  saw them held until the one that no longer does); `open_key` is the person id while the
  alert is open and NULL once closed, so a unique constraint (NULLs never collide, on
  SQLite as on PostgreSQL) keeps at most one open alert per person even when two
  evaluations race. `factors` is JSON of rule codes and parameters (never text a source
  wrote), so every interface can word it in its own language and no name can slip in.
  There is no foreign key to `persons`: linkage and lawful deletion may retire a person
  id, and the alert's history must survive that.
- `alert_acks` records who handled an alert, when, and what was done (a code); the
  optional note is free text and may name people, so it is sealed like a report note.
- `alert_channels` are configured by an admin; the SMTP password or webhook signing key
  is sealed (`secret_enc`) with the workspace's data key like every other secret.
  Channels are retired (`removed_at`), never deleted, so the outbox keeps its history.
- `alert_outbox` is the delivery queue: a message is written in the same transaction as
  the alert change that caused it, and a worker claims it (`claimed_until`, a lease),
  sends it, then marks it sent. A worker killed between sending and marking leaves the
  lease to run out and the message is sent again with the same `idempotency_key`, which
  receivers use to drop the duplicate: at-least-once, never at-most-once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from refwatch.store.base import ID, Base
from refwatch.store.timeutil import UtcDateTime


class Alert(Base):
    """One episode of urgency about one person still held; never a name."""

    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(16))
    open_key: Mapped[str | None] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    severity_rank: Mapped[int] = mapped_column(Integer)
    since: Mapped[date | None] = mapped_column(Date)
    last_confirmed: Mapped[date | None] = mapped_column(Date)
    factors: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_alerts_person", "person_id"),)


class AlertAck(Base):
    """Someone handled an alert: who, when, what was done (a code), and a sealed note."""

    __tablename__ = "alert_acks"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    acked_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_alert_acks_alert", "alert_id"),)


class AlertChannel(Base):
    """Where alerts go: an email address list over SMTP, or a signed webhook."""

    __tablename__ = "alert_channels"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    settings: Mapped[str] = mapped_column(Text)
    secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    mode: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class OutboxMessage(Base):
    """One message to one channel, kept until delivered (or given up on, and said so)."""

    __tablename__ = "alert_outbox"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("alert_channels.id"))
    kind: Mapped[str] = mapped_column(String(16))
    alert_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_alert_outbox_state_next", "state", "next_attempt_at"),
        Index("ix_alert_outbox_alert", "alert_id"),
    )


__all__ = ["Alert", "AlertAck", "AlertChannel", "Base", "OutboxMessage"]
