"""Bulk inserts store exactly what SQLAlchemy's own insert stores, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import String, cast, select

from refwatch.store.base import table_of
from refwatch.store.bulk import bulk_insert
from refwatch.store.schema_alerts import Alert
from refwatch.store.workspace import Workspace
from tests.store.alert_rows import alert_row

alerts = table_of(Alert)


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
        conn.execute(alerts.insert(), [alert_row("by-sqlalchemy")])
        bulk_insert(conn, alerts, [alert_row("by-bulk")])
    read_a, text_a = _stored(workspace, "by-sqlalchemy")
    read_b, text_b = _stored(workspace, "by-bulk")
    for column in ("id", "open_key"):
        read_a.pop(column), read_b.pop(column), text_a.pop(column), text_b.pop(column)
    assert text_b == text_a  # the same stored form, so SQL compares and sorts them alike
    assert read_b == read_a  # and the same Python values


def test_bulk_insert_converts_each_row_not_only_the_first(workspace: Workspace) -> None:
    """Values are converted once per distinct value: every row still gets its own."""
    days = [date(2017, 7, d) for d in range(1, 6)]
    rows = [alert_row(f"a{d.day}", open_key=f"k{d.day}", since=d) for d in days]
    rows.append(alert_row("a-none", open_key="k-none", since=None))
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
        bulk_insert(conn, alerts, [alert_row("seoul", opened_at=moment, updated_at=moment)])
    read, _ = _stored(workspace, "seoul")
    assert read["opened_at"] == moment
    assert read["opened_at"].tzinfo is UTC and read["opened_at"].hour == 8
