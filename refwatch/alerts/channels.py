"""Delivery channels, configured by an admin: email over SMTP (STARTTLS) or a signed webhook.

Why the checks here and not in each interface: a channel's settings end up in SMTP
headers and in outgoing HTTP requests, so one library function refuses, for the web form
and the CLI alike, what could inject a header (a line break in an address or a host),
send alerts somewhere unintended (a `file:`, `ftp:` or `gopher:` URL, credentials in a
URL, the cloud metadata address) or send them in clear text over the network (plain
`http:` except to this machine). The SMTP password or webhook signing key is sealed with
the workspace's data key (`FieldCipher`, bound to the channel's row), like every secret;
listing channels never shows it. A channel added while alerts are open is sent those
alerts (a desk that subscribes learns of the persons already held).
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, select, update

from refwatch.alerts.state import queue_open_alerts
from refwatch.domain.errors import RefWatchError
from refwatch.store import audit
from refwatch.store.base import table_of
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import from_row
from refwatch.store.schema_alerts import AlertChannel
from refwatch.store.workspace import Workspace

channels = table_of(AlertChannel)
KINDS = ("email", "webhook")
MODES = ("immediate", "digest", "both")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]+\]$")
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}$")
SECRET_COLUMN = "secret"  # noqa: S105 - the sealed column, named as `seal` takes it


class ChannelError(RefWatchError):
    """A channel setting refused (the message names the field, never a secret)."""


@dataclass(frozen=True)
class Channel:
    """A channel as listed: no secret, only whether one is set."""

    id: str
    name: str
    kind: str
    target: str
    mode: str
    enabled: bool
    settings: dict[str, Any]
    has_secret: bool
    created_by: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "target": self.target,
            "mode": self.mode,
            "enabled": self.enabled,
            "settings": self.settings,
            "has_secret": self.has_secret,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


def _no_controls(field: str, value: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ChannelError(f"{field} must not contain line breaks or control characters")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str) -> str:
    """An http(s) URL without credentials; plain http only to this machine; never the
    link-local (cloud metadata) or unspecified address."""
    _no_controls("url", url)
    if len(url) > 500:
        raise ChannelError("url is longer than 500 characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ChannelError("url must start with https:// (or http:// to this machine)")
    host = parts.hostname
    if not host:
        raise ChannelError("url has no host")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ChannelError("url must not carry credentials; the signing key is the secret")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and (address.is_link_local or address.is_unspecified):
        raise ChannelError("url points at a link-local or unspecified address")
    if parts.scheme == "http" and not is_loopback(host):
        raise ChannelError("plain http:// is only allowed to this machine; use https://")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ChannelError("url has an invalid port") from None
    return url


def check_addresses(value: str) -> list[str]:
    """Comma-separated plain addresses (no display names, no line breaks)."""
    _no_controls("to", value)
    out = []
    for part in value.split(","):
        address = part.strip()
        if not address:
            continue
        _, parsed = parseaddr(address)
        if parsed != address or not EMAIL.match(address):
            raise ChannelError(f"not a plain email address: {address!r}")
        out.append(address)
    if not out:
        raise ChannelError("give at least one recipient address")
    if len(out) > 20:
        raise ChannelError("at most 20 recipients per channel")
    return out


def _email_settings(settings: dict[str, Any]) -> dict[str, Any]:
    host = str(settings.get("smtp_host") or "")
    _no_controls("smtp_host", host)
    if not HOST.match(host):
        raise ChannelError("smtp_host must be a host name or address")
    try:
        given = settings.get("smtp_port")
        port = 587 if given is None or given == "" else int(given)
    except (TypeError, ValueError):
        raise ChannelError("smtp_port must be a number") from None
    if not 1 <= port <= 65535:
        raise ChannelError("smtp_port must be between 1 and 65535")
    sender = str(settings.get("sender") or "")
    check_addresses(sender)
    if "," in sender:
        raise ChannelError("sender must be one address")
    username = str(settings.get("username") or "")
    _no_controls("username", username)
    ca_file = str(settings.get("ca_file") or "")
    _no_controls("ca_file", ca_file)
    return {
        "smtp_host": host,
        "smtp_port": port,
        "sender": sender,
        "username": username or None,
        "ca_file": ca_file or None,
    }


def _row(r: Any) -> Channel:
    settings = json.loads(r.settings)
    return from_row(
        Channel, r, enabled=bool(r.enabled), settings=settings, has_secret=r.secret_enc is not None
    )


def add_channel(
    workspace: Workspace,
    cipher: FieldCipher,
    *,
    name: str,
    kind: str,
    target: str,
    actor: str,
    mode: str = "immediate",
    secret: str | None = None,
    settings: dict[str, Any] | None = None,
    enabled: bool = True,
) -> tuple[Channel, str | None]:
    """Add a channel; a webhook without a given signing key gets a new random one, which
    is returned once (the receiver needs it) and never shown again."""
    if not NAME.match(name):
        raise ChannelError("name: 1-100 letters, digits, spaces, '.', '_' or '-'")
    if kind not in KINDS:
        raise ChannelError(f"kind must be one of {', '.join(KINDS)}")
    if mode not in MODES:
        raise ChannelError(f"mode must be one of {', '.join(MODES)}")
    shown: str | None = None
    if kind == "webhook":
        target = check_webhook_url(target)
        clean: dict[str, Any] = {}
        if not secret:
            secret = shown = secrets.token_urlsafe(32)
        if len(secret) < 16:
            raise ChannelError("a webhook signing key needs at least 16 characters")
    else:
        target = ", ".join(check_addresses(target))
        clean = _email_settings(settings or {})
        if clean["username"] and not secret:
            raise ChannelError("an SMTP username needs a password (--secret)")
    if secret is not None:
        _no_controls("secret", secret)
    channel_id = str(uuid.uuid4())
    with workspace.write() as conn:
        taken = conn.execute(select(channels.c.id).where(channels.c.name == name)).first()
        if taken is not None:
            raise ChannelError(f"a channel named {name!r} exists already")
        conn.execute(
            channels.insert().values(
                id=channel_id,
                name=name,
                kind=kind,
                target=target,
                settings=json.dumps(clean, sort_keys=True),
                secret_enc=cipher.seal(channels.name, SECRET_COLUMN, channel_id, secret),
                mode=mode,
                enabled=enabled,
                created_by=actor,
                created_at=datetime.now(UTC),
            )
        )
        if enabled and mode in ("immediate", "both"):
            queue_open_alerts(conn, channel_id)
        audit.log(
            conn,
            actor,
            "alert.channel.add",
            table_name=channels.name,
            record_id=channel_id,
            details={"channel": name, "kind": kind, "mode": mode},
        )
        row = conn.execute(select(channels).where(channels.c.id == channel_id)).one()
    return _row(row), shown


def list_channels(workspace: Workspace, *, include_removed: bool = False) -> list[Channel]:
    with workspace.read() as conn:
        return channel_rows(conn, include_removed=include_removed)


def channel_rows(conn: Connection, *, include_removed: bool = False) -> list[Channel]:
    query = select(channels).order_by(channels.c.name)
    if not include_removed:
        query = query.where(channels.c.removed_at.is_(None))
    return [_row(r) for r in conn.execute(query)]


def find_channel(conn: Connection, name_or_id: str) -> Any:
    row = conn.execute(
        select(channels)
        .where(channels.c.removed_at.is_(None))
        .where((channels.c.name == name_or_id) | (channels.c.id == name_or_id))
    ).first()
    if row is None:
        raise ChannelError(f"no channel {name_or_id!r}")
    return row


def remove_channel(workspace: Workspace, name_or_id: str, actor: str) -> Channel:
    """Retire a channel: it gets no new message; its outbox history stays."""
    with workspace.write() as conn:
        row = find_channel(conn, name_or_id)
        conn.execute(
            update(channels)
            .where(channels.c.id == row.id)
            .values(removed_at=datetime.now(UTC), enabled=False)
        )
        audit.log(
            conn,
            actor,
            "alert.channel.remove",
            table_name=channels.name,
            record_id=row.id,
            details={"channel": row.name},
        )
    return _row(row)


def channel_secret(cipher: FieldCipher, row: Any) -> str | None:
    return cipher.open(channels.name, SECRET_COLUMN, row.id, row.secret_enc)
