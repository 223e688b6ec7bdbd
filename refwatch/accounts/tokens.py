"""API tokens for scripts: `Authorization: Bearer rwt_…`.

A token is shown once when issued; the database keeps its SHA-256. It acts with the role
it was issued for, and never above its user's current role (a demoted user's tokens are
demoted with them). Disabling the user revokes every token; an admin or the owner can
revoke one at any time.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from refwatch.domain.errors import InputError, define
from refwatch.domain.roles import Role, lower_of
from refwatch.store import audit
from refwatch.store.ids import new_id
from refwatch.store.schema import table_of
from refwatch.store.schema_web import ApiToken, User
from refwatch.store.timeutil import now_utc
from refwatch.store.workspace import Workspace

PREFIX = "rwt_"
TOUCH_EVERY_SECONDS = 60
ABOVE_ROLE = define("token.above_role", "a token cannot act above its user's role (%(role)s)")

tokens_table = table_of(ApiToken)
users_table = table_of(User)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: str
    user_id: str
    username: str
    role: Role
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True, slots=True)
class TokenUse:
    """A live token presented with a request: whose, and the role it acts with."""

    token_id: str
    user_id: str
    username: str
    role: Role
    last_used_at: datetime | None


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(
    workspace: Workspace, user_id: str, role: Role, label: str, *, actor: str
) -> tuple[str, str]:
    """Issue a token; return (token id, the token itself, shown once)."""
    label = label.strip()[:100] or "token"
    raw = PREFIX + secrets.token_urlsafe(32)
    token_id = new_id()
    with workspace.write() as conn:
        user = conn.execute(
            select(users_table.c.role, users_table.c.disabled).where(users_table.c.id == user_id)
        ).first()
        if user is None:
            raise InputError(f"no user with id {user_id!r}")
        if user.disabled:
            raise InputError("a disabled user cannot be given a token")
        if role.rank > Role(user.role).rank:
            raise InputError(code=ABOVE_ROLE, params={"role": user.role})
        conn.execute(
            insert(tokens_table).values(
                id=token_id,
                user_id=user_id,
                token_hash=digest(raw),
                role=role.value,
                label=label,
                created_at=now_utc(),
                last_used_at=None,
                revoked_at=None,
            )
        )
        audit.log(
            conn,
            actor,
            "token.issue",
            table_name="api_tokens",
            record_id=token_id,
            details={"user_id": user_id, "role": role.value},
        )
    return token_id, raw


def find_token(conn: Connection, raw: str) -> TokenUse | None:
    """The live token `raw`, with the role it acts with now; None if unknown or revoked."""
    if not raw.startswith(PREFIX):
        return None
    row = conn.execute(
        select(
            tokens_table.c.id,
            tokens_table.c.user_id,
            tokens_table.c.role,
            tokens_table.c.revoked_at,
            tokens_table.c.last_used_at,
            users_table.c.username,
            users_table.c.role.label("user_role"),
            users_table.c.disabled,
        )
        .join(users_table, users_table.c.id == tokens_table.c.user_id)
        .where(tokens_table.c.token_hash == digest(raw))
    ).first()
    if row is None or row.revoked_at is not None or row.disabled:
        return None
    return TokenUse(
        token_id=row.id,
        user_id=row.user_id,
        username=row.username,
        role=lower_of(Role(row.role), Role(row.user_role)),
        last_used_at=row.last_used_at,
    )


def mark_used(conn: Connection, token_id: str, now: datetime) -> None:
    conn.execute(update(tokens_table).where(tokens_table.c.id == token_id).values(last_used_at=now))


def revoke_token(workspace: Workspace, token_id: str, *, actor: str) -> None:
    with workspace.write() as conn:
        done = conn.execute(
            update(tokens_table)
            .where(tokens_table.c.id == token_id, tokens_table.c.revoked_at.is_(None))
            .values(revoked_at=now_utc())
        )
        if done.rowcount != 1:
            raise InputError(f"no live token with id {token_id!r}")
        audit.log(conn, actor, "token.revoke", table_name="api_tokens", record_id=token_id)


def list_tokens(workspace: Workspace, user_id: str | None = None) -> list[TokenInfo]:
    query = (
        select(tokens_table, users_table.c.username)
        .join(users_table, users_table.c.id == tokens_table.c.user_id)
        .order_by(tokens_table.c.created_at)
    )
    if user_id is not None:
        query = query.where(tokens_table.c.user_id == user_id)
    with workspace.read() as conn:
        rows = conn.execute(query).all()
    return [
        TokenInfo(
            id=r.id,
            user_id=r.user_id,
            username=r.username,
            role=Role(r.role),
            label=r.label,
            created_at=r.created_at,
            last_used_at=r.last_used_at,
            revoked=r.revoked_at is not None,
        )
        for r in rows
    ]


def token_owner(workspace: Workspace, token_id: str) -> str | None:
    with workspace.read() as conn:
        row = conn.execute(
            select(tokens_table.c.user_id).where(tokens_table.c.id == token_id)
        ).first()
    return None if row is None else str(row.user_id)
