"""One delivery run: queue today's digest, then send what is due, marking each result.

Why a run and not a daemon inside the web app: delivery needs the channel secrets, so it
needs the workspace key, which an operator gives to one process (`refwatch alerts deliver
--watch` under a service manager, or a timer running it every minute). Runs may overlap
or die at any point: claims are leases, a digest is queued once per channel and day (its
idempotency key says which day), and a message is marked sent only after the channel
accepted it.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from refwatch.alerts import transports
from refwatch.alerts.channels import channel_secret, channels
from refwatch.alerts.outbox import (
    Claimed,
    active_channels,
    claim,
    digest_key,
    enqueue,
    mark_failed,
    mark_sent,
    outbox,
    utcnow,
)
from refwatch.alerts.settings import read_settings
from refwatch.alerts.state import alert_summary, stored_alerts
from refwatch.domain.errors import DecryptionError
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace

Sender = Callable[[Any, Claimed, str | None], None]


@dataclass
class DeliveryReport:
    digests_queued: int = 0
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "digests_queued": self.digests_queued,
            "claimed": self.claimed,
            "sent": self.sent,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "errors": self.errors,
        }


def queue_digests(workspace: Workspace, day: date, now: datetime | None = None) -> int:
    """Queue the day's digest of open alerts for every digest channel (once per day)."""
    open_alerts = stored_alerts(workspace)
    rows = [{**alert_summary(a), "acknowledged": bool(a.acks)} for a in open_alerts]
    queued = 0
    with workspace.write() as conn:
        base = read_settings(conn).base_url
        payload = {
            "type": "digest",
            "day": day.isoformat(),
            "open": len(rows),
            "alerts": rows,
            "link": f"{base}/alerts",
        }
        for channel in active_channels(conn, ("digest", "both")):
            queued += enqueue(conn, channel.id, digest_key(day), "digest", payload, now=now)
    return queued


def send(channel: Any, message: Claimed, secret: str | None) -> None:
    """Send one message over its channel (raises transports.DeliveryError)."""
    if channel.kind == "webhook":
        if not secret:
            raise transports.DeliveryError("the webhook channel has no signing key")
        transports.send_webhook(channel.target, secret, message.payload, message.idempotency_key)
        return
    settings = json.loads(channel.settings)
    transports.send_email(
        transports.EmailTarget(
            host=settings["smtp_host"],
            port=int(settings["smtp_port"]),
            sender=settings["sender"],
            recipients=[a.strip() for a in channel.target.split(",") if a.strip()],
            username=settings.get("username"),
            password=secret,
            ca_file=settings.get("ca_file"),
        ),
        message.payload,
    )


def deliver_once(
    workspace: Workspace,
    cipher: FieldCipher,
    *,
    now: datetime | None = None,
    digest: bool = True,
    sender: Sender = send,
    limit: int = 50,
) -> DeliveryReport:
    """Queue the digest if due, then try every due message once."""
    moment = now or utcnow()
    report = DeliveryReport()
    if digest:
        report.digests_queued = queue_digests(workspace, moment.date(), moment)
    worker = f"{socket.gethostname()[:40]}:{uuid.uuid4().hex[:8]}"
    claimed = claim(workspace, worker, moment, limit)
    report.claimed = len(claimed)
    with workspace.read() as conn:
        by_id = {r.id: r for r in conn.execute(select(channels))}
    for message in claimed:
        channel = by_id.get(message.channel_id)
        if channel is None or channel.removed_at is not None:
            _cancel(workspace, message.id, "the channel was removed")
            report.cancelled += 1
            continue
        try:
            if not channel.enabled:
                raise transports.DeliveryError("the channel is disabled")
            try:
                secret = channel_secret(cipher, channel)
            except DecryptionError:
                raise transports.DeliveryError("the channel secret does not open") from None
            sender(channel, message, secret)
        except transports.DeliveryError as exc:
            mark_failed(workspace, message.id, message.attempts, str(exc), moment)
            report.failed += 1
            report.errors.append({"channel": channel.name, "error": str(exc)})
            continue
        mark_sent(workspace, message.id, utcnow())
        report.sent += 1
    return report


def _cancel(workspace: Workspace, message_id: str, why: str) -> None:
    with workspace.write() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(state="cancelled", claimed_until=None, last_error=why)
        )
