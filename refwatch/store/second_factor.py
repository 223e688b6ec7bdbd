"""TOTP second factor (RFC 6238 via pyotp), each code usable once.

A code is accepted for the 30-second step it belongs to and one step either side (clock
drift). The step of the last accepted code is stored, and a code is only accepted for a
later step, in one conditional UPDATE: a code seen once (by a shoulder-surfer, a phishing
proxy, a replayed request) opens nothing the second time, even under concurrent requests.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from sqlalchemy import Connection, or_, select, update

from refwatch.domain.errors import InputError
from refwatch.store import audit
from refwatch.store.schema import table_of
from refwatch.store.schema_web import User
from refwatch.store.workspace import Workspace

ISSUER = "RefWatch"
STEP_SECONDS = 30
DRIFT_STEPS = 1

users_table = table_of(User)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads (typed in or from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step `code` belongs to (within the drift window), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def code_for(secret: str, now: datetime) -> str:
    """The code an authenticator shows at `now` (used by tests and the enrolment check)."""
    return pyotp.TOTP(secret).generate_otp(int(now.timestamp()) // STEP_SECONDS)


def use_code(conn: Connection, user_id: str, code: str, now: datetime) -> bool:
    """Accept `code` once: True and the step is recorded, or False (wrong, or used)."""
    row = conn.execute(select(users_table.c.totp_secret).where(users_table.c.id == user_id)).first()
    if row is None or row.totp_secret is None:
        return False
    step = matching_step(str(row.totp_secret), code, now)
    if step is None:
        return False
    done = conn.execute(
        update(users_table)
        .where(
            users_table.c.id == user_id,
            or_(users_table.c.totp_last_step.is_(None), users_table.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return done.rowcount == 1


def enable(
    workspace: Workspace, user_id: str, secret: str, code: str, now: datetime, *, actor: str
) -> None:
    """Turn TOTP on, once the user has shown a code from the new secret."""
    step = matching_step(secret, code, now)
    if step is None:
        raise InputError("that code does not match; check the authenticator's clock and retry")
    with workspace.write() as conn:
        conn.execute(
            update(users_table)
            .where(users_table.c.id == user_id)
            .values(totp_secret=secret, totp_last_step=step)
        )
        audit.log(conn, actor, "user.totp.enable", table_name="users", record_id=user_id)


def disable(workspace: Workspace, user_id: str, *, actor: str) -> None:
    with workspace.write() as conn:
        conn.execute(
            update(users_table)
            .where(users_table.c.id == user_id)
            .values(totp_secret=None, totp_last_step=None)
        )
        audit.log(conn, actor, "user.totp.disable", table_name="users", record_id=user_id)
