"""Bulk inserts store exactly what SQLAlchemy's own insert stores, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import String, cast, select

from refwatch.store.base import table_of
from refwatch.store.bulk import bulk_insert
from refwatch.store.schema_alerts import Alert
from refwatch.store.workspace import Workspace

alerts = table_of(Alert)


def _row(alert_id: str, **values: Any) -> dict[str, Any]:
    return {
        "id": alert_id,
        "person_id": "P-000001",
        "open_key": alert_id,
        "kind": "held",
        "severity": "high",
        "severity_rank": 3,
        "since": date(2017, 7, 1),
        "last_confirmed": None,
        "factors": '[{"code": "stale"}]',
        "fingerprint": "f" * 64,
        "as_of": date(2026, 12, 7),
        # Microseconds and none: the driver's own form drops ".000000", SQLAlchemy's not.
        "opened_at": datetime(2026, 12, 7, 7, 38, 4, 123456, tzinfo=UTC),
        "updated_at": datetime(2026, 12, 7, 7, 38, 4, tzinfo=UTC),
        "closed_at": None,
        **values,
    }


def _stored(workspace: Workspace, alert_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the row as read back, each column as the database holds it in text)."""
    with workspace.read() as conn:
        read = conn.execute(select(alerts).where(alerts.c.id == alert_id)).one()
        text = conn.execute(
            select(*(cast(c, String).label(c.name) for c in alerts.columns)).where(
                alerts.c.id == alert_id
            )
        ).one()
    return dict(read._mapping), dict(text._mapping)


def test_bulk_rows_are_stored_and_read_back_as_sqlalchemy_writes_them(
    workspace: Workspace,
) -> None:
    with workspace.write() as conn:
        conn.execute(alerts.insert(), [_row("by-sqlalchemy")])
        bulk_insert(conn, alerts, [_row("by-bulk")])
    read_a, text_a = _stored(workspace, "by-sqlalchemy")
    read_b, text_b = _stored(workspace, "by-bulk")
    for column in ("id", "open_key"):
        read_a.pop(column), read_b.pop(column), text_a.pop(column), text_b.pop(column)
    assert text_b == text_a  # the same stored form, so SQL compares and sorts them alike
    assert read_b == read_a  # and the same Python values


def test_bulk_insert_converts_each_row_not_only_the_first(workspace: Workspace) -> None:
    """Values are converted once per distinct value: every row still gets its own."""
    days = [date(2017, 7, d) for d in range(1, 6)]
    rows = [_row(f"a{d.day}", open_key=f"k{d.day}", since=d) for d in days]
    rows.append(_row("a-none", open_key="k-none", since=None))
    with workspace.write() as conn:
        bulk_insert(conn, alerts, rows)
        bulk_insert(conn, alerts, [])  # nothing to write is no error
    with workspace.read() as conn:
        got = {r.id: r.since for r in conn.execute(select(alerts.c.id, alerts.c.since))}
    assert got == {row["id"]: row["since"] for row in rows}


def test_a_moment_in_another_time_zone_is_stored_as_the_same_instant(
    workspace: Workspace,
) -> None:
    """A backup made from a PostgreSQL session in Seoul carries +09:00; restored into
    SQLite (which keeps digits, not offsets) it must still be the same moment."""
    seoul = timezone(timedelta(hours=9))
    moment = datetime(2026, 12, 7, 17, 38, 4, 123456, tzinfo=seoul)
    with workspace.write() as conn:
        bulk_insert(conn, alerts, [_row("seoul", opened_at=moment, updated_at=moment)])
    read, _ = _stored(workspace, "seoul")
    assert read["opened_at"] == moment
    assert read["opened_at"].tzinfo is UTC and read["opened_at"].hour == 8
