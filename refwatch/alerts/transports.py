"""Sending one message: SMTP with STARTTLS required, or an HTTP POST signed with HMAC.

Why these rules: an alert names a person id and what threatens them, so it never crosses
the network in clear text: the SMTP session must upgrade with STARTTLS (a server that
does not offer it is a failure, not a fallback), with the certificate checked against
the system's authorities or the channel's own CA file. A webhook follows no redirect (a
receiver cannot bounce alerts to an address the admin did not choose), and any answer
but 2xx is a failure the outbox retries. Errors are reported by kind only (a server's
reply could quote anything).
"""

from __future__ import annotations

import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from refwatch.alerts.messages import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    email_message,
    sign,
    webhook_body,
)

TIMEOUT = 15.0
USER_AGENT = "RefWatch-alerts/1"


class DeliveryError(Exception):
    """A send failed; the message is one line, fit for the outbox's `last_error`."""


@dataclass(frozen=True)
class EmailTarget:
    host: str
    port: int
    sender: str
    recipients: list[str]
    username: str | None
    password: str | None
    ca_file: str | None


def send_email(target: EmailTarget, payload: str, timeout: float = TIMEOUT) -> None:
    message = email_message(payload, target.sender, target.recipients)
    context = ssl.create_default_context(cafile=target.ca_file)
    try:
        with smtplib.SMTP(target.host, target.port, timeout=timeout) as smtp:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise DeliveryError("the SMTP server does not offer STARTTLS; refused to send")
            smtp.starttls(context=context)
            smtp.ehlo()
            if target.username:
                smtp.login(target.username, target.password or "")
            refused = smtp.send_message(message)
            if refused:
                raise DeliveryError(f"the SMTP server refused {len(refused)} recipient(s)")
    except DeliveryError:
        raise
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP error {exc.smtp_code}") from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise DeliveryError(f"SMTP failed: {type(exc).__name__}") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect())


def send_webhook(url: str, secret: str, payload: str, key: str, timeout: float = TIMEOUT) -> int:
    """POST the payload; return the HTTP status (2xx) or raise DeliveryError."""
    body = webhook_body(payload)
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked at channel add
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            KEY_HEADER: key,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        },
    )
    if not url.startswith(("http://", "https://")):
        raise DeliveryError("webhook url is not http(s)")
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"webhook unreachable: {type(reason).__name__}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook answered HTTP {status}")
    return status
