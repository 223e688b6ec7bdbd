"""The demo's alert channel: a signed webhook to a receiver on this machine.

Why loopback and a port nobody else uses: the demo must show delivery end to end without
sending synthetic alerts anywhere. When nothing listens on 127.0.0.1:8765, delivery
fails, the outbox keeps the messages and retries them with back-off (which is the point
of the demo too); `refwatch alerts receive` starts a receiver there that checks each
signature. The signing key is new for each demo and shown once, as for any channel.
"""

from __future__ import annotations

from typing import Any

from refwatch.alerts.channels import add_channel
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace

DEMO_PORT = 8765
DEMO_URL = f"http://127.0.0.1:{DEMO_PORT}/refwatch-alerts"
DEMO_CHANNEL = "demo receiver"


def add_demo_channel(workspace: Workspace, cipher: FieldCipher, actor: str) -> dict[str, Any]:
    """Add the demo's webhook channel (immediate messages and the daily digest)."""
    channel, key = add_channel(
        workspace,
        cipher,
        name=DEMO_CHANNEL,
        kind="webhook",
        target=DEMO_URL,
        actor=actor,
        mode="both",
    )
    return {"name": channel.name, "url": channel.target, "signing_key": key}
