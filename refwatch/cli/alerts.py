"""The `refwatch alerts` commands (see refwatch/alerts).

Loading this module installs the after-commit listener that re-runs the alert rules after
every import, edit and linkage run made through the CLI (`refwatch.alerts.hooks`; cheap:
the rules load on the first change). Channel secrets are read from an environment
variable, never from an argument (arguments show in `ps` and shell history).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Annotated, Any

import typer
from rich.markup import escape

from refwatch.alerts import hooks
from refwatch.cli._options import command_group
from refwatch.cli.app import (
    JsonOpt,
    app,
    cipher_from,
    emit,
    fail,
    guarded,
    open_from,
    out,
    settings_of,
)

hooks.install()

alerts_app = typer.Typer(
    help="Urgent action: an alert for every person still held, and their delivery.",
    invoke_without_command=True,
)
channel_app = command_group("channel", "Delivery channels (email, webhook).", parent=alerts_app)
app.add_typer(alerts_app, name="alerts")

SECRET_ENV = "REFWATCH_CHANNEL_SECRET"  # noqa: S105 - the variable's name


def _alert_line(row: dict[str, Any]) -> str:
    ident = f" alert {row['id']}" if row.get("id") else ""
    handled = " (acknowledged)" if row.get("acknowledgements") else ""
    return (
        f"{row['person_id']}  {row['severity']:<9} {row['kind']:<20}{ident}{handled}\n"
        f"    {row['reason']}"
    )


@alerts_app.callback()
@guarded
def alerts(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Compute the alerts for this date (EDTF) without storing them "
            "(default: today, stored, with ids and acknowledgements).",
        ),
    ] = None,
    include_closed: Annotated[
        bool, typer.Option("--closed", help="Also list closed alerts (today's view only).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List an alert for every person still held, most severe first; no names."""
    if ctx.invoked_subcommand is not None:
        return
    from refwatch.alerts.rules import compute_alerts
    from refwatch.alerts.state import evaluate, stored_alerts, view_dict

    with open_from(ctx) as ws:
        if as_of is not None:
            day, views = compute_alerts(ws, as_of)
            rows = [view_dict(v) for v in views]
            stored = False
        else:
            result = evaluate(ws)
            day = result.as_of
            rows = [a.as_dict() for a in stored_alerts(ws, include_closed=include_closed)]
            stored = True
    data = {"as_of": day.isoformat(), "stored": stored, "count": len(rows), "alerts": rows}
    lines = [f"{len(rows)} alert(s) as of {day.isoformat()} (persons still held; no names)."]
    lines += [_alert_line(r) for r in rows]
    emit(data, as_json, "\n".join(lines))


@alerts_app.command("ack")
@guarded
def ack(
    ctx: typer.Context,
    alert_id: Annotated[str, typer.Argument(help="The alert's id (see `refwatch alerts`).")],
    action: Annotated[
        str,
        typer.Option(
            "--action",
            help="What was done: seen, family_contacted, network_contacted, "
            "unhcr_contacted, un_appeal_sent, government_contacted, media_contacted, "
            "no_action_possible, other.",
        ),
    ],
    note: Annotated[
        bool,
        typer.Option(
            "--note/--no-note",
            help="Read a note (sealed; may name people) from REFWATCH_ACK_NOTE.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Record that you handled an alert (audited)."""
    from refwatch.alerts.acks import acknowledge

    with open_from(ctx) as ws:
        text = os.environ.get("REFWATCH_ACK_NOTE") if note else None
        if note and not text:
            fail("--note reads the note from REFWATCH_ACK_NOTE, which is empty")
        cipher = cipher_from(ctx, ws) if text else None
        ack_id = acknowledge(ws, alert_id, action, settings_of(ctx).actor, note=text, cipher=cipher)
    emit(
        {"ack": ack_id, "alert": alert_id, "action": action},
        as_json,
        f"Acknowledged alert {alert_id}: {action}.",
    )


@alerts_app.command("settings")
@guarded
def settings(
    ctx: typer.Context,
    stale_days: Annotated[
        int | None, typer.Option("--stale-days", help="No news for this long is stale.")
    ] = None,
    recent_days: Annotated[
        int | None,
        typer.Option("--recent-days", help="A return this recent marks a pre-return facility."),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="The web app's address, for links.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show or change the alert rules' settings (changes are audited)."""
    from refwatch.alerts.settings import load_settings, save_settings

    with open_from(ctx) as ws:
        if stale_days is None and recent_days is None and base_url is None:
            current = load_settings(ws)
        else:
            current = save_settings(
                ws,
                settings_of(ctx).actor,
                stale_days=stale_days,
                recent_days=recent_days,
                base_url=base_url,
            )
    data = current.as_dict()
    emit(data, as_json, "\n".join(f"{k}: {v}" for k, v in data.items()))


@alerts_app.command("deliver")
@guarded
def deliver(
    ctx: typer.Context,
    watch: Annotated[
        float | None,
        typer.Option("--watch", help="Keep delivering, every SECONDS, until interrupted."),
    ] = None,
    no_digest: Annotated[
        bool, typer.Option("--no-digest", help="Do not queue today's digest.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Send what the outbox holds (needs the workspace key, for the channel secrets)."""
    from refwatch.alerts.deliver import deliver_once

    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        while True:
            report = deliver_once(ws, cipher, digest=not no_digest)
            if watch is None:
                break
            time.sleep(max(1.0, watch))
    data = report.as_dict()
    lines = [
        f"{data['sent']} sent, {data['failed']} failed (retried later with back-off), "
        f"{data['cancelled']} cancelled, {data['digests_queued']} digest(s) queued."
    ]
    lines += [f"  {escape(e['channel'])}: {escape(e['error'])}" for e in data["errors"]]
    emit(data, as_json, "\n".join(lines))


@alerts_app.command("outbox")
@guarded
def outbox_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The latest messages and their delivery state."""
    from refwatch.alerts.outbox import list_outbox

    with open_from(ctx) as ws:
        rows = list_outbox(ws, limit)
    lines = [
        f"{r['created_at']}  {r['channel']:<16} {r['kind']:<7} {r['state']:<9} "
        f"attempts {r['attempts']}"
        + (f"  last error: {r['last_error']}" if r["last_error"] else "")
        for r in rows
    ]
    emit({"messages": rows}, as_json, "\n".join(lines) or "The outbox is empty.")


@channel_app.command("add")
@guarded
def channel_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A label for the channel.")],
    kind: Annotated[str, typer.Option("--kind", help="email or webhook.")],
    url: Annotated[str | None, typer.Option("--url", help="Webhook URL (https://).")] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Email recipients, comma-separated.")
    ] = None,
    smtp_host: Annotated[str | None, typer.Option("--smtp-host")] = None,
    smtp_port: Annotated[int, typer.Option("--smtp-port")] = 587,
    sender: Annotated[str | None, typer.Option("--sender", help="From address.")] = None,
    username: Annotated[str | None, typer.Option("--username", help="SMTP login.")] = None,
    ca_file: Annotated[
        str | None, typer.Option("--ca-file", help="CA certificate(s) for the SMTP server.")
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="immediate, digest (daily) or both.")
    ] = "immediate",
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it switched off.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a delivery channel. The SMTP password or webhook signing key is read from
    REFWATCH_CHANNEL_SECRET (a webhook without one gets a new key, shown once)."""
    from refwatch.alerts.channels import add_channel

    target = url if kind == "webhook" else to
    if not target:
        fail("a webhook needs --url; an email channel needs --to")
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        channel, shown = add_channel(
            ws,
            cipher,
            name=name,
            kind=kind,
            target=target,
            actor=settings_of(ctx).actor,
            mode=mode,
            secret=os.environ.get(SECRET_ENV) or None,
            settings={
                "smtp_host": smtp_host,
                "smtp_port": smtp_port,
                "sender": sender,
                "username": username,
                "ca_file": ca_file,
            },
            enabled=not disabled,
        )
    data = channel.as_dict()
    if shown:
        data["new_signing_key"] = shown
    human = f"Added {channel.kind} channel {channel.name!r} ({channel.mode})."
    if shown:
        human += f"\nSigning key for the receiver (shown once): {shown}"
    emit(data, as_json, human)


@channel_app.command("list")
@guarded
def channel_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The channels (secrets are never shown)."""
    from refwatch.alerts.channels import list_channels

    with open_from(ctx) as ws:
        rows = [c.as_dict() for c in list_channels(ws)]
    lines = [
        f"{r['name']:<20} {r['kind']:<8} {r['mode']:<10} "
        f"{'on ' if r['enabled'] else 'off'} {r['target']}"
        for r in rows
    ]
    emit({"channels": rows}, as_json, "\n".join(lines) or "No channels.")


@channel_app.command("remove")
@guarded
def channel_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The channel's name or id.")],
    as_json: JsonOpt = False,
) -> None:
    """Retire a channel (its messages stay in the outbox's history)."""
    from refwatch.alerts.channels import remove_channel

    with open_from(ctx) as ws:
        channel = remove_channel(ws, name, settings_of(ctx).actor)
    emit({"removed": channel.name}, as_json, f"Removed channel {channel.name!r}.")


@alerts_app.command("receive")
@guarded
def receive(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (the demo's channel: 8765).")] = 8765,
    count: Annotated[
        int | None, typer.Option("--count", help="Stop after this many messages.")
    ] = None,
) -> None:
    """A local webhook receiver: verifies signatures with the key in
    REFWATCH_CHANNEL_SECRET, ignores redeliveries, prints one line per message."""
    from refwatch.alerts.receiver import Receiver

    done = threading.Event()
    got = 0

    def show(delivery: Any) -> None:
        nonlocal got
        got += 1
        out.print(delivery.line(), highlight=False, markup=False, soft_wrap=True)
        if count is not None and got >= count:
            done.set()

    receiver = Receiver(host, port, os.environ.get(SECRET_ENV) or None, show).start()
    out.print(
        f"Listening on http://{host}:{receiver.port}/ (Ctrl-C to stop)",
        highlight=False,
        markup=False,
    )
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
