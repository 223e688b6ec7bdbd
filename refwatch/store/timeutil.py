"""Aware UTC datetimes from either engine, and the column type that stores them.

Why a column type: SQLite keeps a moment's digits and no offset. Through a plain
`DateTime(timezone=True)` it hands every moment back naive, and stores an aware value
from another zone (+09:00, a session in Seoul) as its local digits, nine hours off;
PostgreSQL hands moments back in the session's zone. `UtcDateTime` makes every value UTC
on the way in and aware UTC on the way out, so the two engines agree and no reader has to
remember which one it is talking to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Dialect
from sqlalchemy.types import TypeDecorator


def utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now_utc() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A `TIMESTAMP WITH TIME ZONE` (PostgreSQL) or `DATETIME` (SQLite) that is written
    and read as aware UTC. A naive value written is taken to be UTC already."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return utc(value) if isinstance(value, datetime) else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else utc(value)


def is_moment(column: Column[Any]) -> bool:
    """Whether the column holds moments (date and time), whichever type spells it."""
    return isinstance(column.type, UtcDateTime | DateTime)
