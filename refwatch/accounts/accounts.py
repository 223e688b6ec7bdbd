"""User accounts: create, list, change role, disable, reset password.

Every change that alters what an account may do ends all of its sessions in the same
transaction (a role change, a new password, disabling), so the next request of an open
browser is anonymous again; disabling also revokes the account's API tokens. Each change
is an audit entry naming the account by id and username, never by password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import Connection, Row, delete, func, insert, select, update

from refwatch.accounts.passwords import check_strength, hash_password
from refwatch.domain.errors import ConflictError, InputError, define
from refwatch.domain.roles import Role
from refwatch.store import audit
from refwatch.store.ids import new_id
from refwatch.store.schema import table_of
from refwatch.store.schema_web import ApiToken, User, WebSession
from refwatch.store.timeutil import now_utc
from refwatch.store.workspace import Workspace

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
NAME_TAKEN = define("user.name_taken", "there is already a user called %(name)s")

users_table = table_of(User)
sessions_table = table_of(WebSession)
tokens_table = table_of(ApiToken)


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the rest of RefWatch sees it (no hash, no TOTP seed)."""

    id: str
    username: str
    role: Role
    disabled: bool
    totp_enabled: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[tuple[object, ...]]) -> Account:
        m = row._mapping
        return cls(
            id=str(m["id"]),
            username=str(m["username"]),
            role=Role(str(m["role"])),
            disabled=bool(m["disabled"]),
            totp_enabled=m["totp_secret"] is not None,
            created_at=m["created_at"],
        )


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InputError(
            "a username has 2 to 64 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def create_user(
    workspace: Workspace,
    username: str,
    password: str,
    role: Role,
    *,
    actor: str,
    hasher: PasswordHasher | None = None,
) -> Account:
    name = check_username(username)
    check_strength(password)
    now = now_utc()
    user_id = new_id()
    digest = hash_password(password, hasher)
    with workspace.write() as conn:
        taken = conn.execute(
            select(func.count()).select_from(users_table).where(users_table.c.username == name)
        ).scalar_one()
        if taken:
            raise ConflictError(code=NAME_TAKEN, params={"name": repr(name)})
        conn.execute(
            insert(users_table).values(
                id=user_id,
                username=name,
                password_hash=digest,
                role=role.value,
                disabled=False,
                totp_secret=None,
                totp_last_step=None,
                created_at=now,
                password_changed_at=now,
            )
        )
        audit.log(
            conn,
            actor,
            "user.create",
            table_name="users",
            record_id=user_id,
            details={"username": name, "role": role.value},
        )
    return Account(user_id, name, role, False, False, now)


def get_account(conn: Connection, user_id: str) -> Account | None:
    row = conn.execute(select(users_table).where(users_table.c.id == user_id)).first()
    return None if row is None else Account.from_row(row)


def find_account(conn: Connection, username: str) -> Account | None:
    row = conn.execute(
        select(users_table).where(users_table.c.username == username.strip().lower())
    ).first()
    return None if row is None else Account.from_row(row)


def account_by_name(workspace: Workspace, username: str) -> Account:
    """The account called `username`; InputError when there is none."""
    with workspace.read() as conn:
        account = find_account(conn, username)
    if account is None:
        raise InputError(f"no user called {username.strip().lower()!r}")
    return account


def list_accounts(workspace: Workspace) -> list[Account]:
    with workspace.read() as conn:
        rows = conn.execute(select(users_table).order_by(users_table.c.username)).all()
    return [Account.from_row(r) for r in rows]


def end_sessions(conn: Connection, user_id: str) -> int:
    """Sign the account out everywhere; return how many sessions ended."""
    return conn.execute(delete(sessions_table).where(sessions_table.c.user_id == user_id)).rowcount


def revoke_tokens(conn: Connection, user_id: str, now: datetime) -> int:
    return conn.execute(
        update(tokens_table)
        .where(tokens_table.c.user_id == user_id, tokens_table.c.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount


def _must_update(conn: Connection, user_id: str, **values: object) -> None:
    done = conn.execute(update(users_table).where(users_table.c.id == user_id).values(**values))
    if done.rowcount != 1:
        raise InputError(f"no user with id {user_id!r}")


def _last_admin(conn: Connection, user_id: str) -> bool:
    """True when `user_id` is the only enabled admin (who must not lock everyone out)."""
    admins = conn.execute(
        select(users_table.c.id).where(
            users_table.c.role == Role.ADMIN.value, users_table.c.disabled.is_(False)
        )
    ).all()
    return [r.id for r in admins] == [user_id]


def set_role(workspace: Workspace, user_id: str, role: Role, *, actor: str) -> None:
    with workspace.write() as conn:
        if role is not Role.ADMIN and _last_admin(conn, user_id):
            raise InputError("this is the last admin; make another admin first")
        _must_update(conn, user_id, role=role.value)
        ended = end_sessions(conn, user_id)
        audit.log(
            conn,
            actor,
            "user.role",
            table_name="users",
            record_id=user_id,
            details={"role": role.value, "sessions_ended": ended},
        )


def set_disabled(workspace: Workspace, user_id: str, disabled: bool, *, actor: str) -> None:
    """Disable (or enable again) an account; disabling ends its sessions and tokens."""
    now = now_utc()
    with workspace.write() as conn:
        if disabled and _last_admin(conn, user_id):
            raise InputError("this is the last admin; make another admin first")
        _must_update(conn, user_id, disabled=disabled)
        details: dict[str, object] = {"disabled": disabled}
        if disabled:
            details["sessions_ended"] = end_sessions(conn, user_id)
            details["tokens_revoked"] = revoke_tokens(conn, user_id, now)
        audit.log(
            conn,
            actor,
            "user.disable" if disabled else "user.enable",
            table_name="users",
            record_id=user_id,
            details=details,
        )


def set_password(
    workspace: Workspace,
    user_id: str,
    password: str,
    *,
    actor: str,
    hasher: PasswordHasher | None = None,
    revoke_api_tokens: bool = False,
) -> None:
    """Store a new password and end every session of the account (its own included).

    With `revoke_api_tokens` (an admin's reset, on the web or the command line: the
    account may be in someone else's hands) the account's API tokens are revoked too."""
    check_strength(password)
    digest = hash_password(password, hasher)
    with workspace.write() as conn:
        _must_update(conn, user_id, password_hash=digest, password_changed_at=now_utc())
        ended = end_sessions(conn, user_id)
        revoked = revoke_tokens(conn, user_id, now_utc()) if revoke_api_tokens else 0
        audit.log(
            conn,
            actor,
            "user.password",
            table_name="users",
            record_id=user_id,
            details={"sessions_ended": ended, "tokens_revoked": revoked},
        )


def password_hash_of(conn: Connection, username: str) -> tuple[Account, str] | None:
    row = conn.execute(
        select(users_table).where(users_table.c.username == username.strip().lower())
    ).first()
    return None if row is None else (Account.from_row(row), str(row.password_hash))


def store_rehash(conn: Connection, user_id: str, digest: str) -> None:
    """Replace a hash with one of today's parameters (same password: sessions stay)."""
    conn.execute(
        update(users_table).where(users_table.c.id == user_id).values(password_hash=digest)
    )
