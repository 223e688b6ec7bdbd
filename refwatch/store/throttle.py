"""Sign-in throttling per username: failures slow down that one account, nobody else.

The first `FREE_FAILURES` wrong attempts cost nothing; after that each further failure
blocks the username for twice as long as the one before (30 s, 1 min, 2 min … at most
15 min). Usernames that do not exist are throttled the same way, so the answer never tells
whether an account exists. A right answer clears the count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from refwatch.store.schema import table_of
from refwatch.store.schema_web import LoginThrottle
from refwatch.store.timeutil import utc

FREE_FAILURES = 5
FIRST_BLOCK = timedelta(seconds=30)
LONGEST_BLOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)

throttle_table = table_of(LoginThrottle)


def key_of(username: str) -> str:
    return username.strip().lower()[:100]


def blocked_until(conn: Connection, username: str, now: datetime) -> datetime | None:
    """When the username may try again, or None if it may try now."""
    row = conn.execute(
        select(throttle_table.c.blocked_until).where(throttle_table.c.username == key_of(username))
    ).first()
    if row is None or row.blocked_until is None:
        return None
    until = utc(row.blocked_until)
    return until if until > now else None


def block_for(failures: int) -> timedelta | None:
    if failures < FREE_FAILURES:
        return None
    pause: timedelta = FIRST_BLOCK * (2 ** min(failures - FREE_FAILURES, 16))
    return min(pause, LONGEST_BLOCK)


def record_failure(conn: Connection, username: str, now: datetime) -> int:
    """Count one more failure; return the count."""
    key = key_of(username)
    conn.execute(
        delete(throttle_table).where(throttle_table.c.last_failure_at < now - FORGET_AFTER)
    )
    row = conn.execute(
        select(throttle_table.c.failures).where(throttle_table.c.username == key)
    ).first()
    failures = 1 if row is None else int(row.failures) + 1
    pause = block_for(failures)
    values = {
        "failures": failures,
        "last_failure_at": now,
        "blocked_until": None if pause is None else now + pause,
    }
    if row is None:
        conn.execute(insert(throttle_table).values(username=key, **values))
    else:
        conn.execute(
            update(throttle_table).where(throttle_table.c.username == key).values(**values)
        )
    return failures


def clear(conn: Connection, username: str) -> None:
    conn.execute(delete(throttle_table).where(throttle_table.c.username == key_of(username)))
