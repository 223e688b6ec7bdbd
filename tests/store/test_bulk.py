"""Bulk inserts and updates store exactly what SQLAlchemy's own statements store, on both
engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import String, bindparam, cast, select, update

from refwatch.store.base import table_of
from refwatch.store.bulk import bulk_insert, bulk_update
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


def test_bulk_updates_store_what_sqlalchemys_update_stores_and_touch_only_their_rows(
    workspace: Workspace,
) -> None:
    seoul = timezone(timedelta(hours=9))
    closed = {
        "open_key": None,
        "closed_at": datetime(2026, 12, 8, 9, 0, 0, 250000, tzinfo=seoul),
        "as_of": date(2026, 12, 8),
        "severity_rank": 1,
    }
    ids = ["by-sqlalchemy", "by-bulk", "by-bulk-2", "untouched"]
    with workspace.write() as conn:
        bulk_insert(conn, alerts, [alert_row(i) for i in ids])
        conn.execute(
            update(alerts)
            .where(alerts.c.id == bindparam("alert"))
            .values({k: bindparam(k) for k in closed}),
            [{"alert": "by-sqlalchemy", **closed}],
        )
        bulk_update(conn, alerts, "id", [{"id": i, **closed} for i in ids[1:3]])
        bulk_update(conn, alerts, "id", [])  # nothing to write is no error
    read_a, text_a = _stored(workspace, "by-sqlalchemy")
    untouched, _ = _stored(workspace, "untouched")
    for alert_id in ids[1:3]:
        read_b, text_b = _stored(workspace, alert_id)
        for row in (read_b, text_b):
            assert row.pop("id") == alert_id
        # The same stored form as SQLAlchemy's update, so SQL compares them alike.
        assert text_b == {k: v for k, v in text_a.items() if k != "id"}
        assert read_b == {k: v for k, v in read_a.items() if k != "id"}
    assert read_a["closed_at"].hour == 0 and read_a["open_key"] is None  # 09:00 in Seoul
    assert untouched == alert_row("untouched")


def test_a_bulk_update_row_without_its_key_is_refused_and_nothing_is_written(
    workspace: Workspace,
) -> None:
    with workspace.write() as conn:
        bulk_insert(conn, alerts, [alert_row("a1")])
        bulk_update(conn, alerts, "id", [{"id": "a1", "severity_rank": 1}])
    read, _ = _stored(workspace, "a1")
    assert read["severity_rank"] == 1 and read["id"] == "a1"
    with pytest.raises(KeyError), workspace.write() as conn:
        bulk_update(conn, alerts, "id", [{"id": "a1", "severity_rank": 2}, {"severity_rank": 3}])
    read, _ = _stored(workspace, "a1")
    assert read["severity_rank"] == 1
