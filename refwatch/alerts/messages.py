"""What a message says, by channel: a signed JSON body for webhooks, a plain-text email.

Why built from the stored payload only: the payload was written with ids, codes, dates and
a link (never a name), and the message is made from nothing else, so no path exists by
which a name could reach a mailbox or a receiving server. The email's Message-ID is
derived from the idempotency key, so a mail system that sees a redelivery can tell it is
the same message; the key is also in a header of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

SIGNATURE_HEADER = "X-RefWatch-Signature"
TIMESTAMP_HEADER = "X-RefWatch-Timestamp"
KEY_HEADER = "Idempotency-Key"


def webhook_body(payload: str) -> bytes:
    """The stored payload as sent (canonical JSON, UTF-8)."""
    return json.dumps(json.loads(payload), ensure_ascii=False, sort_keys=True).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>` (receivers check both,
    and refuse a timestamp older than a few minutes, so a captured request cannot be
    replayed later)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """A receiver's check of `sign` (also used by the tests' receiver)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, header)


def _lines(data: dict[str, Any]) -> list[str]:
    if data.get("type") == "digest":
        lines = [
            f"RefWatch daily digest for {data['day']}: {data['open']} open alert(s).",
            "",
        ]
        for row in data.get("alerts", []):
            lines.append(
                f"- {row['person_id']} [{row['severity']}] {row['kind']} "
                f"(alert {row['id']}; last confirmed {row['last_confirmed'] or 'never'})"
            )
        lines += ["", f"Open the list: {data['link']}"]
        return lines
    alert = data["alert"]
    lines = [
        f"RefWatch {data['type']}: person {alert['person_id']}",
        f"severity: {alert['severity']} ({alert['kind']})",
        f"alert id: {alert['id']}",
        f"reason: {alert['reason']}",
    ]
    if data.get("status"):
        lines.append(f"status now: {data['status']}")
    lines += ["", f"Open it: {data['link']}"]
    return lines


def subject(data: dict[str, Any]) -> str:
    if data.get("type") == "digest":
        return f"[RefWatch] daily digest {data['day']}: {data['open']} open alert(s)"
    alert = data["alert"]
    return f"[RefWatch] {data['type']} {alert['severity']}: {alert['person_id']}"


def email_message(payload: str, sender: str, recipients: list[str]) -> EmailMessage:
    data = json.loads(payload)
    key = str(data["idempotency_key"])
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject(data)
    message["Date"] = formatdate(usegmt=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@refwatch.invalid>"
    message["X-RefWatch-Idempotency-Key"] = key
    message.set_content("\n".join(_lines(data)) + "\n")
    return message
