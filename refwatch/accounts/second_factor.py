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

from refwatch.accounts import accounts
from refwatch.domain.errors import InputError
from refwatch.store import audit
from refwatch.store.schema import table_of
from refwatch.store.schema_web import User
from refwatch.store.workspace import Workspace

ISSUER = "RefWatch"
MIN_SECRET_BYTES = 16  # 128 bits (RFC 4226 asks for at least this; pyotp makes 160)
TOTP_ALREADY_ON = "two-step sign-in is already on; turn it off first to use a new key"
WRONG_CODE = "that code is wrong or was already used"
STEP_SECONDS = 30
DRIFT_STEPS = 1

users_table = table_of(User)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads (typed in or from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def check_secret(secret: str) -> str:
    """`secret` if an authenticator can use it (base32, at least 128 bits), else InputError.

    pyotp raises ValueError (or binascii.Error) on a short or badly padded key: that is
    bad input, never a server error."""
    try:
        decoded = pyotp.TOTP(secret).byte_secret()
    except ValueError:
        decoded = b""
    if len(decoded) < MIN_SECRET_BYTES:
        raise InputError("that authenticator key is not valid; reload the page for a new one")
    return secret


def _ascii_digits(code: str) -> str | None:
    """The code's six ASCII digits, or None. `str.isdigit` also accepts Arabic-Indic and
    full-width digits, which pyotp's comparison cannot take: such a code is simply wrong."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not all("0" <= c <= "9" for c in code):
        return None
    return code


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step `code` belongs to (within the drift window), or None."""
    digits = _ascii_digits(code)
    if digits is None:
        return None
    code = digits
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
) -> int:
    """Turn TOTP on, once the user has shown a code from the new secret; return how many
    sessions were ended (all of the account's: the caller starts a fresh one).

    Only an account without a second factor can enable one: an existing secret is never
    overwritten here (replacing it means turning it off first, which needs the password
    and a code from the current secret). The callers check the password."""
    step = matching_step(check_secret(secret), code, now)
    if step is None:
        raise InputError("that code does not match; check the authenticator's clock and retry")
    with workspace.write() as conn:
        done = conn.execute(
            update(users_table)
            .where(users_table.c.id == user_id, users_table.c.totp_secret.is_(None))
            .values(totp_secret=secret, totp_last_step=step)
        )
        if done.rowcount != 1:
            raise InputError(TOTP_ALREADY_ON)
        return _sessions_ended(conn, user_id, "user.totp.enable", actor)


def disable(workspace: Workspace, user_id: str, code: str, now: datetime, *, actor: str) -> int:
    """Turn TOTP off with a code from the current secret (used up like a sign-in code);
    every session of the account ends. Return how many. The callers check the password."""
    with workspace.write() as conn:
        if not use_code(conn, user_id, code, now):
            raise InputError(WRONG_CODE)
        conn.execute(
            update(users_table)
            .where(users_table.c.id == user_id)
            .values(totp_secret=None, totp_last_step=None)
        )
        return _sessions_ended(conn, user_id, "user.totp.disable", actor)


def _sessions_ended(conn: Connection, user_id: str, action: str, actor: str) -> int:
    """A second factor turned on or off ends every session of the account, audited with
    how many ended; return that number."""
    ended = accounts.end_sessions(conn, user_id)
    audit.log(
        conn,
        actor,
        action,
        table_name="users",
        record_id=user_id,
        details={"sessions_ended": ended},
    )
    return ended
