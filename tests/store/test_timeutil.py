"""Moments are written and read as aware UTC on both engines (`UtcDateTime`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import DateTime, String, cast, select

from refwatch.store.base import table_of
from refwatch.store.schema import Base
from refwatch.store.schema_alerts import Alert
from refwatch.store.timeutil import UtcDateTime, is_moment
from refwatch.store.workspace import Workspace
from tests.store.alert_rows import alert_row

alerts = table_of(Alert)
SEOUL = timezone(timedelta(hours=9))
# 17:38 in Seoul is 08:38 UTC on the same day.
MOMENT = datetime(2026, 12, 7, 17, 38, 4, 123456, tzinfo=SEOUL)


def _at(alert_id: str, moment: datetime) -> dict[str, object]:
    return alert_row(alert_id, opened_at=moment, updated_at=moment)


def _opened(workspace: Workspace, alert_id: str, zone: str | None = None) -> datetime:
    with workspace.read() as conn:
        if zone is not None and conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET TIME ZONE '{zone}'")
        value: datetime = conn.execute(
            select(alerts.c.opened_at).where(alerts.c.id == alert_id)
        ).scalar_one()
    return value


def test_a_moment_from_another_zone_reads_back_as_the_same_instant_in_utc(
    workspace: Workspace,
) -> None:
    with workspace.write() as conn:
        conn.execute(alerts.insert(), [_at("seoul", MOMENT)])
    got = _opened(workspace, "seoul")
    assert got == MOMENT
    assert got.tzinfo is UTC and got.hour == 8


def test_a_session_in_another_zone_still_reads_utc(workspace: Workspace) -> None:
    """PostgreSQL hands moments back in the session's zone; the reader gets UTC."""
    with workspace.write() as conn:
        conn.execute(alerts.insert(), [_at("zoned", MOMENT)])
    got = _opened(workspace, "zoned", zone="Asia/Seoul")
    assert got.tzinfo is UTC and got == MOMENT


def test_a_naive_moment_is_taken_as_utc(workspace: Workspace) -> None:
    with workspace.write() as conn:
        conn.execute(alerts.insert(), [_at("naive", datetime(2026, 12, 7, 8, 38, 4))])
    assert _opened(workspace, "naive") == datetime(2026, 12, 7, 8, 38, 4, tzinfo=UTC)


def test_sql_compares_moments_as_instants_whatever_zone_they_were_given_in(
    workspace: Workspace,
) -> None:
    """SQLite compares the stored digits: a moment kept in its own zone's digits would
    sort nine hours late against a UTC bound."""
    with workspace.write() as conn:
        conn.execute(alerts.insert(), [_at("seoul", MOMENT)])
    before = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 18:00 in Seoul: after the moment
    after = datetime(2026, 12, 7, 17, 0, tzinfo=SEOUL)  # 08:00 UTC: before it
    with workspace.read() as conn:
        found = conn.execute(
            select(alerts.c.id).where(alerts.c.opened_at < before, alerts.c.opened_at > after)
        ).all()
        if conn.dialect.name == "sqlite":
            text = conn.execute(select(cast(alerts.c.opened_at, String))).scalar_one()
            assert text == "2026-12-07 08:38:04.123456"
    assert [r.id for r in found] == ["seoul"]


def test_every_moment_column_of_the_store_is_written_and_read_as_utc() -> None:
    """A new table that spells a moment as a plain `DateTime` would read back naive on
    SQLite and in the session's zone on PostgreSQL."""
    moments = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if is_moment(column)
    ]
    plain = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, DateTime)
    ]
    assert len(moments) >= 38
    assert plain == []
    assert all(
        isinstance(column.type, UtcDateTime)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if is_moment(column)
    )
