"""Signing in: password (throttled per account), then the TOTP code if the account has one.

The answer to a wrong password, an unknown username and a disabled account is the same,
and takes about as long (an unknown name is checked against a throwaway hash). Throttling
counts failures per username, so an attacker guessing one account's password slows down
that account only. Each attempt is an audit entry; the password never is.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher

from refwatch.accounts import accounts, second_factor, throttle, websessions
from refwatch.accounts.accounts import Account
from refwatch.accounts.passwords import burn_time, needs_rehash, verify_password
from refwatch.accounts.websessions import OpenSession, SessionPolicy
from refwatch.store import audit
from refwatch.store.workspace import Workspace

ANONYMOUS = "web:anonymous"


class Outcome(enum.Enum):
    SIGNED_IN = "signed_in"
    NEEDS_CODE = "needs_code"
    REFUSED = "refused"
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True)
class Attempt:
    outcome: Outcome
    account: Account | None = None
    session_id: str | None = None  # raw id for the cookie (SIGNED_IN, NEEDS_CODE)


def _reserve(workspace: Workspace, username: str, now: datetime) -> throttle.Reservation | None:
    """Count the attempt before checking it (its own committed transaction)."""
    with workspace.write() as conn:
        return throttle.begin_attempt(conn, username, now)


def _refuse(
    workspace: Workspace,
    username: str,
    account: Account | None,
    stage: str,
    reservation: throttle.Reservation,
) -> Attempt:
    """A wrong answer: already counted by `_reserve`; write the audit entry."""
    failures = reservation.failures
    with workspace.write() as conn:
        audit.log(
            conn,
            ANONYMOUS,
            "auth.fail",
            table_name="users" if account else None,
            record_id=account.id if account else None,
            details={"stage": stage, "known": account is not None, "failures": failures},
        )
    return Attempt(Outcome.REFUSED)


def sign_in_with_password(
    workspace: Workspace,
    username: str,
    password: str,
    *,
    now: datetime,
    policy: SessionPolicy,
    hasher: PasswordHasher,
    previous_session: str | None = None,
) -> Attempt:
    """Check a username and password; on success start a session (a new id, always)."""
    reservation = _reserve(workspace, username, now)
    if reservation is None:
        return Attempt(Outcome.THROTTLED)
    with workspace.read() as conn:
        found = accounts.password_hash_of(conn, username)
    if found is None:
        burn_time(password, hasher)
        return _refuse(workspace, username, None, "password", reservation)
    account, stored = found
    if not verify_password(stored, password, hasher) or account.disabled:
        return _refuse(workspace, username, account, "password", reservation)
    stage = websessions.STAGE_TOTP if account.totp_enabled else websessions.STAGE_FULL
    with workspace.write() as conn:
        if stage == websessions.STAGE_FULL:
            throttle.clear(conn, username)
        else:
            # With a second factor, earlier failures count on until the code is right
            # too; this right password itself is no failure.
            throttle.refund(conn, username, reservation)
        if needs_rehash(stored, hasher):
            accounts.store_rehash(conn, account.id, hasher.hash(password))
        if previous_session:
            websessions.end_session(conn, previous_session)
        websessions.purge_expired(conn, now, policy)
        raw = websessions.create_session(conn, account.id, stage, now, policy)
        if stage == websessions.STAGE_FULL:
            audit.log(conn, f"web:{account.username}", "auth.sign_in", record_id=account.id)
    outcome = Outcome.SIGNED_IN if stage == websessions.STAGE_FULL else Outcome.NEEDS_CODE
    return Attempt(outcome, account, raw)


def sign_in_with_code(
    workspace: Workspace,
    pending: OpenSession,
    raw_pending: str,
    code: str,
    *,
    now: datetime,
    policy: SessionPolicy,
) -> Attempt:
    """Check the TOTP code of a session that passed the password; a right code is used up."""
    reservation = _reserve(workspace, pending.username, now)
    if reservation is None:
        return Attempt(Outcome.THROTTLED)
    with workspace.read() as conn:
        account = accounts.get_account(conn, pending.user_id)
    if account is None or account.disabled:
        return Attempt(Outcome.REFUSED)
    with workspace.write() as conn:
        accepted = second_factor.use_code(conn, account.id, code, now)
        if accepted:
            throttle.clear(conn, account.username)
            websessions.end_session(conn, raw_pending)
            raw = websessions.create_session(conn, account.id, websessions.STAGE_FULL, now, policy)
            audit.log(
                conn,
                f"web:{account.username}",
                "auth.sign_in",
                record_id=account.id,
                details={"second_factor": "totp"},
            )
    if not accepted:
        return _refuse(workspace, account.username, account, "totp", reservation)
    return Attempt(Outcome.SIGNED_IN, account, raw)


def sign_out(workspace: Workspace, raw_session: str, actor: str) -> None:
    with workspace.write() as conn:
        if websessions.end_session(conn, raw_session):
            audit.log(conn, actor, "auth.sign_out")


def restart_session(
    workspace: Workspace, user_id: str, *, now: datetime, policy: SessionPolicy
) -> str:
    """A fresh session for a user who just changed their own password (all others ended)."""
    with workspace.write() as conn:
        return websessions.create_session(conn, user_id, websessions.STAGE_FULL, now, policy)
