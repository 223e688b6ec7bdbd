"""Route × role rows for the alerts page (issue 14).

Analysts and above see alerts (pseudonymous ids, as the person list); researchers and
admins acknowledge them; only admins configure channels and rules. Permitted requests
are sent something that changes nothing: an alert or channel id that does not exist
(404), a webhook URL with a refused scheme or a setting out of range (400).
"""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = (
    Row("GET", "/alerts", 303, 403, 200, 200, 200),
    Row(
        "POST",
        "/alerts/{alert_id}/ack",
        401,
        403,
        403,
        404,
        404,
        url="/alerts/no-such-alert/ack",
        form={"action": "seen"},
    ),
    Row(
        "POST",
        "/alerts/channels",
        401,
        403,
        403,
        403,
        400,
        form={"name": "matrix", "kind": "webhook", "target": "file:///etc/passwd"},
    ),
    Row(
        "POST",
        "/alerts/channels/{channel_id}/remove",
        401,
        403,
        403,
        403,
        404,
        url="/alerts/channels/no-such-channel/remove",
    ),
    Row(
        "POST",
        "/alerts/settings",
        401,
        403,
        403,
        403,
        400,
        form={"stale_days": "0", "recent_days": "90", "base_url": "https://x.example"},
    ),
)
