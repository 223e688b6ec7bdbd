"""Stored alerts: the rules' answer for today, kept as episodes, with their messages.

Why store what the rules compute: an acknowledgement must point at something that stays
(who handled which alert, when), and delivery must know what is new. `evaluate` compares
today's answer with the open alerts: a person newly held opens an alert, a rise in
severity escalates it, a person no longer held closes it; each of these queues a message
in the same transaction (see `outbox`). An unchanged alert writes nothing, so running the
rules after every import costs one read when nothing changed. Evaluation writes no audit
entry of its own: it is a derived conclusion, recomputed from audited changes, like a
count (acknowledgements and channel changes are audited).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.exc import IntegrityError

from refwatch.alerts.outbox import active_channels, enqueue_all
from refwatch.alerts.rules import AlertFacts, AlertView, as_of_day, compute_alerts
from refwatch.alerts.settings import read_settings
from refwatch.alerts.wording import reason_text
from refwatch.counting import load_snapshot
from refwatch.counting.status import resolve_status
from refwatch.store.base import table_of
from refwatch.store.bulk import bulk_insert, bulk_update, fetch_tuples
from refwatch.store.person_pins import current_pins
from refwatch.store.queries import from_row
from refwatch.store.schema import WorkspaceMeta
from refwatch.store.schema_alerts import Alert, AlertAck
from refwatch.store.workspace import Workspace

alerts = table_of(Alert)
acks = table_of(AlertAck)


@dataclass(frozen=True)
class EvaluationResult:
    as_of: date
    held: int
    opened: int
    escalated: int
    updated: int
    closed: int
    queued: int

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "as_of": self.as_of.isoformat()}


FACTORS_JSON = json.JSONEncoder(sort_keys=True, default=str)
"""The stored factors' encoding: `json.dumps(..., sort_keys=True, default=str)`, made once
(`json.dumps` with options builds an encoder per call, a second per alert at a million)."""


def fingerprint(view: AlertView, factors_text: str | None = None) -> str:
    """What makes an alert different: kind, severity, dates and factors.

    The text hashed is the JSON list of the four and the factors; `factors_text`, the
    factors' JSON as stored (`_values`), is spliced in rather than encoded a second time
    (a sixth of a first evaluation's store at a million persons held). The hash stays the
    one earlier versions stored, so an upgrade reopens no alert."""
    if factors_text is None:
        factors_text = FACTORS_JSON.encode(view.factors_json())
    text = f"{_fingerprint_head(view)}, {factors_text}]"
    return hashlib.sha256(text.encode()).hexdigest()


def _fingerprint_head(view: AlertFacts) -> str:
    """`json.dumps([kind, severity, since, last_confirmed], default=str)` without its closing
    bracket, written out: kind and severity are codes (letters and underscores, which JSON
    writes as they are) and the days ISO dates or null. An encoder call per alert was a
    tenth of storing an evaluation at a million persons held; `tests/alerts/test_episodes.py`
    compares the two for every kind and severity."""
    since, confirmed = _json_day(view.since), _json_day(view.last_confirmed)
    return f'["{view.kind}", "{view.severity}", {since}, {confirmed}'


def _json_day(day: date | None) -> str:
    return "null" if day is None else f'"{day.isoformat()}"'


def alert_summary(alert: Any) -> dict[str, Any]:
    """What every message and listing says of an alert (a stored row or a `StoredAlert`),
    written once so that none says more: ids, codes and dates, never a name."""
    return {
        "id": alert.id,
        "person_id": alert.person_id,
        "kind": alert.kind,
        "severity": alert.severity,
        "since": alert.since.isoformat() if alert.since else None,
        "last_confirmed": alert.last_confirmed.isoformat() if alert.last_confirmed else None,
    }


def alert_payload(row: Any, link_base: str, event: str) -> dict[str, Any]:
    """A message's content: ids, codes, dates and a link; never a name."""
    factors = json.loads(row.factors)
    return {
        "type": f"alert.{event}",
        "alert": {
            **alert_summary(row),
            "factors": factors,
            "reason": (
                f"no longer held as of {row.as_of.isoformat()}"
                if event == "closed"
                else reason_text(factors, row.since, row.last_confirmed)
            ),
        },
        "link": f"{link_base}/alerts#alert-{row.id}",
    }


def _values(view: AlertView, day: date) -> dict[str, Any]:
    factors = FACTORS_JSON.encode(view.factors_json())
    return {
        "kind": view.kind,
        "severity": view.severity,
        "severity_rank": view.severity_rank,
        "since": view.since,
        "last_confirmed": view.last_confirmed,
        "factors": factors,
        "fingerprint": fingerprint(view, factors),
        "as_of": day,
    }


def evaluate(workspace: Workspace, today: date | None = None) -> EvaluationResult:
    """Bring the stored alerts to what the rules say for `today`; queue the messages.

    Two evaluations may race (the web app after an edit, the CLI after an import): they
    take turns (SQLite's write lock; a PostgreSQL advisory lock per workspace), and the
    unique `open_key` stays as a last guard: a loser, rolled back whole, runs once more
    and finds the winner's alert in place."""
    day = as_of_day(today)
    key = inputs_key(workspace, day)
    with workspace.read() as conn:
        done = conn.execute(select(meta.c.value).where(meta.c.key == INPUTS_KEY)).scalar()
        if done == key:  # same evidence, links, pins, settings and day: same alerts
            held = conn.execute(select(func.count()).select_from(alerts).where(_open()))
            return EvaluationResult(day, int(held.scalar_one()), 0, 0, 0, 0, 0)
    _, views = compute_alerts(workspace, day)
    try:
        return _store(workspace, day, views, key)
    except IntegrityError:
        return _store(workspace, day, views, key)


RULES_VERSION = "1"
"""Bumped when a rule changes, so stored alerts are recomputed even if the data did not."""
INPUTS_KEY = "alerts_state.inputs"
meta = table_of(WorkspaceMeta)


def inputs_key(workspace: Workspace, day: date) -> str:
    """A hash of everything the rules read: the counting snapshot (evidence and person
    links), the pins, the settings, the day and the rules' version. Opening the alerts
    page after nothing changed then costs a few reads, not a run of the rules."""
    snapshot_hash = load_snapshot(workspace).snapshot_hash
    with workspace.read() as conn:
        settings = read_settings(conn).as_dict()
        pins = sorted(
            (p, e.version, e.status, str(e.as_of_earliest)) for p, e in current_pins(conn).items()
        )
    text = json.dumps([RULES_VERSION, day.isoformat(), snapshot_hash, settings, pins])
    return hashlib.sha256(text.encode()).hexdigest()


def _store(workspace: Workspace, day: date, views: list[AlertView], key: str) -> EvaluationResult:
    """Compare with the open alerts and write the differences in bulk (one statement per
    kind of change, not per person: a first run on 100,000 persons held stays seconds)."""
    now = datetime.now(UTC)
    inserts: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    messages: list[tuple[str, str, dict[str, Any], str]] = []
    escalated = updated = 0
    with workspace.write() as conn:
        if conn.dialect.name == "postgresql":
            # One evaluation at a time per workspace (SQLite's write lock does this there).
            conn.execute(select(func.pg_advisory_xact_lock(_lock_id(workspace))))
        base = read_settings(conn).base_url
        listening = bool(active_channels(conn, ("immediate", "both")))
        # What the comparison needs, not whole rows: reading every open alert's dates
        # and factors cost as much as the rest of an evaluation that changes nothing.
        compared = select(
            alerts.c.id, alerts.c.person_id, alerts.c.fingerprint, alerts.c.severity_rank
        )
        # Person id -> (alert id, fingerprint, severity rank): plain tuples, since a named
        # tuple made per open alert cost a tenth of the comparison.
        current = {
            person: (open_id, print_, rank)
            for open_id, person, print_, rank in fetch_tuples(conn, compared.where(_open()))
        }
        wanted = {v.person_id: v for v in views}
        for person_id, view in wanted.items():
            row = current.get(person_id)
            values = _values(view, day)
            if row is None:
                alert_id = str(uuid.uuid4())
                inserts.append(
                    {
                        "id": alert_id,
                        "person_id": person_id,
                        "open_key": person_id,
                        "opened_at": now,
                        "updated_at": now,
                        "closed_at": None,
                        **values,
                    }
                )
                if listening:
                    shown = SimpleNamespace(id=alert_id, person_id=person_id, **values)
                    messages.append(_message(shown, "opened", base))
                continue
            open_id, stored_print, stored_rank = row
            if stored_print == values["fingerprint"]:
                continue
            changes.append({"id": open_id, "updated_at": now, **values})
            if view.severity_rank > stored_rank:
                escalated += 1
                if listening:
                    shown = SimpleNamespace(id=open_id, person_id=person_id, **values)
                    messages.append(_message(shown, f"escalated:{view.severity_rank}", base))
            else:
                updated += 1
        gone = [r[0] for pid, r in current.items() if pid not in wanted]
        bulk_insert(conn, alerts, inserts)
        bulk_update(conn, alerts, "id", changes)
        if gone:
            closing_rows = _rows(conn, gone) if listening else []
            # What became of each person is said only in a message: with no channel
            # listening, resolving every person's status (seconds at a million) is waste.
            statuses = _statuses(workspace, day) if closing_rows else {}
            closed = {"open_key": None, "closed_at": now, "updated_at": now, "as_of": day}
            bulk_update(conn, alerts, "id", [{"id": gone_id, **closed} for gone_id in gone])
            for r in closing_rows:
                closing = SimpleNamespace(**{**r._mapping, "as_of": day})
                key, kind, payload, alert_id = _message(closing, "closed", base)
                payload["status"] = statuses.get(r.person_id, "unknown")
                messages.append((key, kind, payload, alert_id))
        queued = enqueue_all(conn, messages, now) if messages else 0
        conn.execute(delete(meta).where(meta.c.key == INPUTS_KEY))
        conn.execute(meta.insert().values(key=INPUTS_KEY, value=key))
    return EvaluationResult(day, len(views), len(inserts), escalated, updated, len(gone), queued)


ROWS_AT_ONCE = 500
"""Alert ids per `IN (...)` when whole rows are read back (bound-parameter limits)."""


def _rows(conn: Connection, ids: list[str]) -> list[Any]:
    """Whole alert rows by id, in the order given (a chunk at a time: bound-parameter
    limits)."""
    found: dict[str, Any] = {}
    for start in range(0, len(ids), ROWS_AT_ONCE):
        chunk = ids[start : start + ROWS_AT_ONCE]
        found.update((r.id, r) for r in conn.execute(select(alerts).where(alerts.c.id.in_(chunk))))
    return [found[i] for i in ids]


def _lock_id(workspace: Workspace) -> int:
    """A 63-bit advisory-lock key of this workspace's alerts (schemas share a database)."""
    digest = hashlib.sha256(f"refwatch-alerts:{workspace.schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _message(row: Any, event: str, base: str) -> tuple[str, str, dict[str, Any], str]:
    """(idempotency key, kind, payload, alert id) of one alert message."""
    payload = alert_payload(row, base, event.split(":")[0])
    return f"alert:{row.id}:{event}", "alert", payload, str(row.id)


def _open() -> Any:
    return alerts.c.open_key.is_not(None)


def _statuses(workspace: Workspace, day: date) -> dict[str, str]:
    """What became of persons whose alert closes (returned, released, …): by the rule,
    or by a human pin in force on the day."""
    from refwatch.counting.days import to_day

    ev = load_snapshot(workspace).evidence
    resolved = resolve_status(ev, to_day(day))
    out = {pid: (resolved.status[i] or "unknown") for i, pid in enumerate(ev.person_ids)}
    with workspace.read() as conn:
        pins = current_pins(conn)
    for person_id, pin in pins.items():
        if pin.as_of_earliest is not None and pin.as_of_earliest <= day:
            out[person_id] = str(pin.status)
    return out


def queue_open_alerts(conn: Connection, channel_id: str) -> int:
    """Queue every open alert for a channel just added, so that a desk which subscribes
    learns of the persons already held, not only of the next one."""
    from refwatch.alerts.outbox import enqueue

    base = read_settings(conn).base_url
    queued = 0
    for row in conn.execute(select(alerts).where(_open()).order_by(alerts.c.opened_at)):
        payload = alert_payload(row, base, "opened")
        queued += enqueue(conn, channel_id, f"alert:{row.id}:opened", "alert", payload, row.id)
    return queued


@dataclass(frozen=True)
class StoredAlert(AlertFacts):
    id: str
    factors: list[dict[str, Any]]
    as_of: date
    opened_at: datetime
    closed_at: datetime | None
    acks: list[dict[str, Any]]

    @property
    def reason(self) -> str:
        return reason_text(self.factors, self.since, self.last_confirmed)

    def as_dict(self) -> dict[str, Any]:
        return {
            **alert_summary(self),
            "stale": any(f["code"] == "stale" for f in self.factors),
            "reason": self.reason,
            "factors": self.factors,
            "as_of": self.as_of.isoformat(),
            "opened_at": self.opened_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "acknowledgements": self.acks,
        }


def stored_alerts(workspace: Workspace, *, include_closed: bool = False) -> list[StoredAlert]:
    """Open alerts (and closed ones if asked), most severe first, with who handled them."""
    with workspace.read() as conn:
        query = select(alerts)
        if not include_closed:
            query = query.where(_open())
        rows = list(conn.execute(query))
        handled: dict[str, list[dict[str, Any]]] = {}
        for a in conn.execute(select(acks).order_by(acks.c.acked_at)):
            handled.setdefault(a.alert_id, []).append(
                {"actor": a.actor, "action": a.action, "at": a.acked_at.isoformat()}
            )
    out = [
        from_row(StoredAlert, r, factors=json.loads(r.factors), acks=handled.get(r.id, []))
        for r in rows
    ]
    out.sort(key=lambda a: (a.closed_at is not None, -a.severity_rank, a.since or date.max, a.id))
    return out


def view_dict(view: AlertView) -> dict[str, Any]:
    """An alert computed for a day (not stored: no id, no acknowledgements)."""
    factors = view.factors_json()
    return {
        "person_id": view.person_id,
        "kind": view.kind,
        "severity": view.severity,
        "since": view.since.isoformat() if view.since else None,
        "last_confirmed": view.last_confirmed.isoformat() if view.last_confirmed else None,
        "stale": any(f["code"] == "stale" for f in factors),
        "reason": reason_text(factors, view.since, view.last_confirmed),
        "factors": factors,
    }
