"""The outbox: messages written with the change that causes them, delivered at least once.

Why an outbox table and not "send, then commit": a message is inserted in the same
transaction as the alert change that calls for it, so a change is never committed without
its message nor a message sent for a change that was rolled back. Delivery is a separate
step (`deliver.deliver_once`) that claims messages with a lease, sends them and then marks
them sent. A process that dies between sending and marking leaves the lease to run out;
the message is then sent again with the same idempotency key, which the receiver uses to
drop the duplicate. A channel that is down only pushes `next_attempt_at` back (doubling,
up to an hour): nothing is ever dropped, and `pending_count` shows what waits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from refwatch.store.base import table_of
from refwatch.store.schema_alerts import AlertChannel, OutboxMessage
from refwatch.store.workspace import Workspace

outbox = table_of(OutboxMessage)
channels = table_of(AlertChannel)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
LEASE = timedelta(minutes=2)
ERROR_CHARS = 300


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … up to an hour."""
    wait: timedelta = BACKOFF_BASE * (2 ** min(max(0, attempts - 1), 16))
    return min(BACKOFF_CAP, wait)


def utcnow() -> datetime:
    return datetime.now(UTC)


def active_channels(conn: Connection, modes: Sequence[str]) -> list[Any]:
    return list(
        conn.execute(
            select(channels)
            .where(channels.c.enabled.is_(True))
            .where(channels.c.removed_at.is_(None))
            .where(channels.c.mode.in_(modes))
            .order_by(channels.c.name)
        )
    )


def enqueue(
    conn: Connection,
    channel_id: str,
    key: str,
    kind: str,
    payload: Mapping[str, Any],
    alert_id: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue one message unless one with this idempotency key exists (then False)."""
    full_key = f"{channel_id}:{key}"
    exists = conn.execute(select(outbox.c.id).where(outbox.c.idempotency_key == full_key)).first()
    if exists is not None:
        return False
    moment = now or utcnow()
    body = dict(payload)
    body["idempotency_key"] = full_key
    conn.execute(
        outbox.insert().values(
            id=str(uuid.uuid4()),
            idempotency_key=full_key,
            channel_id=channel_id,
            kind=kind,
            alert_id=alert_id,
            payload=json.dumps(body, ensure_ascii=False, sort_keys=True, default=str),
            state="pending",
            attempts=0,
            next_attempt_at=moment,
            created_at=moment,
        )
    )
    return True


def enqueue_all(
    conn: Connection,
    messages: Sequence[tuple[str, str, Mapping[str, Any], str | None]],
    now: datetime | None = None,
) -> int:
    """Queue (key, kind, payload, alert id) messages for every channel taking messages as
    they happen, in bulk; keys already queued are skipped (idempotent)."""
    moment = now or utcnow()
    rows: list[dict[str, Any]] = []
    for channel in active_channels(conn, ("immediate", "both")):
        keys = [f"{channel.id}:{key}" for key, _, _, _ in messages]
        taken: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            taken.update(
                conn.execute(
                    select(outbox.c.idempotency_key).where(outbox.c.idempotency_key.in_(chunk))
                ).scalars()
            )
        for full_key, (_, kind, payload, alert_id) in zip(keys, messages, strict=True):
            if full_key in taken:
                continue
            taken.add(full_key)
            body = {**payload, "idempotency_key": full_key}
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "idempotency_key": full_key,
                    "channel_id": channel.id,
                    "kind": kind,
                    "alert_id": alert_id,
                    "payload": json.dumps(body, ensure_ascii=False, sort_keys=True, default=str),
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": moment,
                    "created_at": moment,
                }
            )
    if rows:
        conn.execute(outbox.insert(), rows)
    return len(rows)


def enqueue_everywhere(
    conn: Connection,
    key: str,
    kind: str,
    payload: Mapping[str, Any],
    alert_id: str | None = None,
) -> int:
    """Queue a message for every enabled channel that takes messages as they happen."""
    queued = 0
    for channel in active_channels(conn, ("immediate", "both")):
        queued += enqueue(conn, channel.id, key, kind, payload, alert_id)
    return queued


@dataclass(frozen=True)
class Claimed:
    id: str
    idempotency_key: str
    channel_id: str
    kind: str
    payload: str
    attempts: int


def claim(workspace: Workspace, worker: str, now: datetime, limit: int = 50) -> list[Claimed]:
    """Lease up to `limit` due messages to `worker` (a message whose lease ran out is due
    again: its sender may have died after sending)."""
    o = outbox.c
    due = and_(
        o.state == "pending",
        o.next_attempt_at <= now,
        or_(o.claimed_until.is_(None), o.claimed_until < now),
    )
    query = select(outbox).where(due).order_by(o.created_at, o.id).limit(limit)
    if workspace.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with workspace.write() as conn:
        rows = list(conn.execute(query))
        if not rows:
            return []
        conn.execute(
            update(outbox)
            .where(o.id.in_([r.id for r in rows]))
            .values(claimed_until=now + LEASE, claimed_by=worker, attempts=o.attempts + 1)
        )
    return [
        Claimed(r.id, r.idempotency_key, r.channel_id, r.kind, r.payload, r.attempts + 1)
        for r in rows
    ]


def mark_sent(workspace: Workspace, message_id: str, now: datetime) -> None:
    with workspace.write() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(state="sent", sent_at=now, claimed_until=None, last_error=None)
        )


def mark_failed(
    workspace: Workspace, message_id: str, attempts: int, error: str, now: datetime
) -> None:
    with workspace.write() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .where(outbox.c.state == "pending")
            .values(
                claimed_until=None,
                next_attempt_at=now + backoff(attempts),
                last_error=error[:ERROR_CHARS],
            )
        )


def pending_count(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.state == "pending")
        ).scalar_one()
    )


def list_outbox(workspace: Workspace, limit: int = 100) -> list[dict[str, Any]]:
    """The latest messages with their delivery state (payloads hold ids, never names)."""
    o = outbox.c
    with workspace.read() as conn:
        rows = conn.execute(
            select(
                o.id,
                o.idempotency_key,
                o.kind,
                o.alert_id,
                o.state,
                o.attempts,
                o.next_attempt_at,
                o.last_error,
                o.created_at,
                o.sent_at,
                channels.c.name.label("channel"),
            )
            .join(channels, channels.c.id == o.channel_id)
            .order_by(o.created_at.desc(), o.id)
            .limit(limit)
        )
        return [dict(r._mapping) for r in rows]


def digest_key(day: date) -> str:
    return f"digest:{day.isoformat()}"
