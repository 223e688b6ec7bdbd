"""Server-side sessions of the web app.

A session id is 256 random bits handed to the browser once; the database keeps only its
SHA-256, so a copy of the database lets nobody take over a session. A session ends when it
has been idle too long, when it reaches its absolute age, at sign-out, and whenever its
account's password or role changes or the account is disabled (see `accounts`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from refwatch.domain.roles import Role
from refwatch.store.schema import table_of
from refwatch.store.schema_web import User, WebSession

STAGE_FULL = "full"
STAGE_TOTP = "totp"
TOUCH_EVERY = timedelta(seconds=60)

sessions_table = table_of(WebSession)
users_table = table_of(User)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lives: `idle` without a request, `absolute` in all."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    totp_stage: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class OpenSession:
    id_hash: str
    user_id: str
    username: str
    role: Role
    stage: str
    csrf_token: str
    last_seen_at: datetime


def digest(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode("utf-8")).hexdigest()


def create_session(
    conn: Connection, user_id: str, stage: str, now: datetime, policy: SessionPolicy
) -> str:
    """Start a session; return the raw id (for the cookie; never stored)."""
    raw = secrets.token_urlsafe(32)
    life = policy.totp_stage if stage == STAGE_TOTP else policy.absolute
    conn.execute(
        insert(sessions_table).values(
            id_hash=digest(raw),
            user_id=user_id,
            stage=stage,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + life,
        )
    )
    return raw


def find_session(
    conn: Connection, raw_id: str, now: datetime, policy: SessionPolicy
) -> OpenSession | None:
    """The live session with this id whose account is enabled, or None."""
    row = conn.execute(
        select(
            sessions_table.c.id_hash,
            sessions_table.c.user_id,
            sessions_table.c.stage,
            sessions_table.c.csrf_token,
            sessions_table.c.last_seen_at,
            sessions_table.c.expires_at,
            users_table.c.username,
            users_table.c.role,
            users_table.c.disabled,
        )
        .join(users_table, users_table.c.id == sessions_table.c.user_id)
        .where(sessions_table.c.id_hash == digest(raw_id))
    ).first()
    if row is None or row.disabled:
        return None
    last_seen: datetime = row.last_seen_at
    if row.expires_at <= now or last_seen + policy.idle <= now:
        return None
    return OpenSession(
        id_hash=row.id_hash,
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role),
        stage=row.stage,
        csrf_token=row.csrf_token,
        last_seen_at=last_seen,
    )


def touch(conn: Connection, id_hash: str, now: datetime) -> None:
    conn.execute(
        update(sessions_table).where(sessions_table.c.id_hash == id_hash).values(last_seen_at=now)
    )


def end_session(conn: Connection, raw_id: str) -> int:
    return conn.execute(
        delete(sessions_table).where(sessions_table.c.id_hash == digest(raw_id))
    ).rowcount


def purge_expired(conn: Connection, now: datetime, policy: SessionPolicy) -> int:
    """Delete sessions past their absolute age or idle limit."""
    return conn.execute(
        delete(sessions_table).where(
            (sessions_table.c.expires_at <= now)
            | (sessions_table.c.last_seen_at <= now - policy.idle)
        )
    ).rowcount
