"""Sign-in throttling per username: failures slow down that one account, nobody else.

The first `FREE_FAILURES` wrong attempts cost nothing; after that each further failure
blocks the username for twice as long as the one before (30 s, 1 min, 2 min … at most
15 min). Usernames that do not exist are throttled the same way, so the answer never tells
whether an account exists. A right answer clears the count.

An attempt is counted *before* its password or code is checked (`begin_attempt`, one
conditional write with the row locked: SQLite's BEGIN IMMEDIATE, PostgreSQL's
SELECT … FOR UPDATE), and a right answer then clears or refunds it. Counting after the
~0.1 s Argon2 check let a burst of concurrent guesses all read "not blocked" first and
all be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from refwatch.store.schema import table_of
from refwatch.store.schema_web import LoginThrottle

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
    until: datetime = row.blocked_until
    return until if until > now else None


def block_for(failures: int) -> timedelta | None:
    if failures < FREE_FAILURES:
        return None
    pause: timedelta = FIRST_BLOCK * (2 ** min(failures - FREE_FAILURES, 16))
    return min(pause, LONGEST_BLOCK)


def clear(conn: Connection, username: str) -> None:
    conn.execute(delete(throttle_table).where(throttle_table.c.username == key_of(username)))


@dataclass(frozen=True, slots=True)
class Reservation:
    """One attempt counted in advance: its number, and the block it replaced and set."""

    failures: int
    blocked_before: datetime | None
    blocked_set: datetime | None


def begin_attempt(conn: Connection, username: str, now: datetime) -> Reservation | None:
    """Count one attempt for `username` before checking it, or None if it is blocked.

    Run it in a write transaction of its own, committed before the slow check: the row is
    locked while it is read and written, so concurrent attempts are counted one by one
    and the one that reaches `FREE_FAILURES` blocks all that come after it."""
    key = key_of(username)
    conn.execute(
        delete(throttle_table).where(throttle_table.c.last_failure_at < now - FORGET_AFTER)
    )
    maker = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        maker(throttle_table)
        .values(username=key, failures=0, last_failure_at=now, blocked_until=None)
        .on_conflict_do_nothing(index_elements=["username"])
    )
    query = select(throttle_table.c.failures, throttle_table.c.blocked_until).where(
        throttle_table.c.username == key
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one()
    before = row.blocked_until
    if before is not None and before > now:
        return None
    failures = int(row.failures) + 1
    pause = block_for(failures)
    blocked = None if pause is None else now + pause
    conn.execute(
        update(throttle_table)
        .where(throttle_table.c.username == key)
        .values(failures=failures, last_failure_at=now, blocked_until=blocked)
    )
    return Reservation(failures, before, blocked)


def refund(conn: Connection, username: str, reservation: Reservation) -> None:
    """Take back an attempt counted in advance that turned out right but is not finished
    (a right password before the second factor's code): the count goes down by one and
    the block it set, if still in place, is lifted again."""
    key = key_of(username)
    row = conn.execute(
        select(throttle_table.c.failures, throttle_table.c.blocked_until).where(
            throttle_table.c.username == key
        )
    ).first()
    if row is None:
        return
    values: dict[str, object] = {"failures": max(int(row.failures) - 1, 0)}
    current = row.blocked_until
    if reservation.blocked_set is not None and current == reservation.blocked_set:
        values["blocked_until"] = reservation.blocked_before
    conn.execute(update(throttle_table).where(throttle_table.c.username == key).values(**values))
