"""The alerts page: an alert for every person still held, who handled it, and (admins)
where alerts are delivered.

Adapters only: the rules, acknowledgements, channels and outbox are the alerts room's
(`refwatch.alerts`). Analysts and above see alerts by pseudonymous id, as they see
persons; researchers and admins acknowledge them; only admins see and change channels,
whose secrets are sealed and never shown again. Opening the page brings the stored alerts
up to today (`evaluate` writes only what changed, and nothing when nothing did), so the
"days without news" are never yesterday's. `?as_of=YYYY-MM-DD` shows what the rules say
for another day, computed and not stored.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refwatch.alerts import hooks
from refwatch.alerts.acks import ACTIONS, AckError, UnknownAlertError, acknowledge
from refwatch.alerts.channels import KINDS, MODES, add_channel, list_channels, remove_channel
from refwatch.alerts.outbox import list_outbox
from refwatch.alerts.rules import compute_alerts
from refwatch.alerts.settings import load_settings, save_settings
from refwatch.alerts.state import evaluate, stored_alerts, view_dict
from refwatch.domain.errors import RefWatchError
from refwatch.web.caches import today
from refwatch.web.deps import User, get_workspace
from refwatch.web.i18n import error_text
from refwatch.web.roles import AlertsAck, AlertsConfigure, AlertsView
from refwatch.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=500)]
OptionalText = Annotated[str, Form(max_length=500)]

hooks.install()  # imports, edits and linkage runs made in the web app re-run the rules


def _as_of(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def alerts_page(
    request: Request, user: User, *, error: str | None = None, status_code: int = 200
) -> Response:
    workspace = get_workspace(request)
    as_of = _as_of(request.query_params.get("as_of"))
    context: dict[str, Any] = {
        "error": error,
        "as_of": as_of,
        "actions": ACTIONS,
        "may_ack": user.can("alerts.ack"),
        "may_configure": user.can("alerts.configure"),
        "may_open_persons": user.can("persons.view"),
        "has_key": request.app.state.cipher is not None,
        "kinds": KINDS,
        "modes": MODES,
    }
    if as_of is not None:
        day, views = compute_alerts(workspace, as_of)
        context["alerts"] = [view_dict(v) for v in views]
        context["day"] = day
    else:
        context["day"] = evaluate(workspace, today(request)).as_of
        context["alerts"] = [a.as_dict() for a in stored_alerts(workspace)]
    if user.can("alerts.configure"):
        context["channels"] = [c.as_dict() for c in list_channels(workspace)]
        context["outbox"] = list_outbox(workspace, 20)
        context["settings"] = load_settings(workspace).as_dict()
    return render(request, "alerts.html", context, status_code=status_code)


def back() -> Response:
    return RedirectResponse("/alerts", status_code=303)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_list(request: Request, user: AlertsView) -> Response:
    return alerts_page(request, user)


@router.post("/alerts/{alert_id}/ack", response_class=HTMLResponse)
def alert_ack(
    request: Request,
    user: AlertsAck,
    alert_id: str,
    action: Annotated[str, Form(max_length=32)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    cipher = request.app.state.cipher
    try:
        acknowledge(
            get_workspace(request),
            alert_id,
            action,
            user.actor,
            note=note.strip() or None,
            cipher=cipher,
        )
    except UnknownAlertError:
        raise HTTPException(404) from None
    except AckError as exc:
        return alerts_page(request, user, error=error_text(request, exc), status_code=400)
    return back()


@router.post("/alerts/channels", response_class=HTMLResponse)
def channel_add(
    request: Request,
    admin: AlertsConfigure,
    name: Annotated[str, Form(max_length=100)],
    kind: Annotated[str, Form(max_length=16)],
    target: Text,
    mode: Annotated[str, Form(max_length=16)] = "immediate",
    secret: OptionalText = "",
    smtp_host: OptionalText = "",
    smtp_port: Annotated[str, Form(max_length=5)] = "",
    sender: OptionalText = "",
    username: OptionalText = "",
) -> Response:
    cipher = request.app.state.cipher
    if cipher is None:
        message = "the web app was started without the workspace key; add channels with the CLI"
        return alerts_page(request, admin, error=message, status_code=400)
    try:
        add_channel(
            get_workspace(request),
            cipher,
            name=name,
            kind=kind,
            target=target,
            actor=admin.actor,
            mode=mode,
            secret=secret or None,
            settings={
                "smtp_host": smtp_host,
                "smtp_port": smtp_port or None,
                "sender": sender,
                "username": username,
            },
        )
    except (RefWatchError, ValueError) as exc:
        return alerts_page(request, admin, error=error_text(request, exc), status_code=400)
    return back()


@router.post("/alerts/channels/{channel_id}/remove", response_class=HTMLResponse)
def channel_remove(request: Request, admin: AlertsConfigure, channel_id: str) -> Response:
    workspace = get_workspace(request)
    if channel_id not in {c.id for c in list_channels(workspace)}:
        raise HTTPException(404)
    remove_channel(workspace, channel_id, admin.actor)
    return back()


@router.post("/alerts/settings", response_class=HTMLResponse)
def settings_save(
    request: Request,
    admin: AlertsConfigure,
    stale_days: Annotated[str, Form(max_length=5)],
    recent_days: Annotated[str, Form(max_length=5)],
    base_url: Text,
) -> Response:
    try:
        save_settings(
            get_workspace(request),
            admin.actor,
            stale_days=stale_days,
            recent_days=recent_days,
            base_url=base_url,
        )
    except RefWatchError as exc:
        return alerts_page(request, admin, error=error_text(request, exc), status_code=400)
    return back()
