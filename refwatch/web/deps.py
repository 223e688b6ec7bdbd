"""FastAPI dependencies every page stands on: who is asking, what they may do, CSRF.

A request is authenticated one of two ways, never both: an `Authorization: Bearer rwt_…`
header (scripts; cookies are then ignored, and no CSRF token is needed because a browser
never adds that header on its own), or the `__Host-refwatch_session` cookie (browsers).
The account is read afresh on every request, so a role change, a new password or a
disabled account takes effect on the very next request.

Pages declare what they need with a type from `refwatch.web.roles` (`user: PersonsView`,
which is `Annotated[User, Depends(require("persons.view"))]`); see
`refwatch.accounts.permissions` for the rule table. Refusals: 401 when nobody is signed in
(pages redirect to the sign-in form), 404 for objects whose existence is confidential,
403 otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from refwatch.accounts import tokens, websessions
from refwatch.accounts.permissions import allowed, check_known, explain
from refwatch.accounts.websessions import OpenSession, SessionPolicy
from refwatch.domain.roles import Role
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from refwatch.web import i18n

SESSION_COOKIE = "__Host-refwatch_session"
PRE_COOKIE = "__Host-refwatch_pre"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A page number beyond this is no page of any list (and `(page - 1) * size` past 2**63
# overflowed the database's OFFSET into a 500): the answer is a 422 that says so.
MAX_PAGE = 1_000_000
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number (from 1)")]
# Requests whose body is a file read only after authentication: their CSRF token must be
# in the header, so the check never reads (or parses) an anonymous sender's body.
HEADER_TOKEN_ONLY = frozenset({"/intake/upload"})
MAX_FORM_FIELDS = 1000
MAX_FORM_PART = 1024 * 1024
CSRF_REFUSED = "the form has expired or did not come from RefWatch; reload it"
SIGN_IN_FIRST = "sign in first"

# The API's token scheme as the OpenAPI schema declares it. Only documentation: it never
# refuses a request itself (auto_error=False); `_resolve` below reads the header.
API_TOKEN = HTTPBearer(
    scheme_name="ApiToken",
    bearerFormat="rwt_…",
    description=(
        "An API token issued by an admin on the users page, sent as "
        "`Authorization: Bearer rwt_…`. It acts with the role it was issued for (never "
        "above its user's) and stops working when revoked or when its user is disabled. "
        "A browser's session cookie works too, with the CSRF token in `X-CSRF-Token` "
        "on POST, PUT, PATCH and DELETE."
    ),
    auto_error=False,
)


class ApiError(BaseModel):
    """The body of every refusal under /api/."""

    detail: str


API_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ApiError, "description": "No valid token or session: sign in first"},
    403: {
        "model": ApiError,
        "description": "The role may not do this, or the CSRF token is missing",
    },
    404: {
        "model": ApiError,
        "description": "Not found, or not readable by this role (existence is not revealed)",
    },
}
"""Refusals to document on the API's operations (`APIRouter(responses=API_ERRORS)`)."""


@dataclass(frozen=True, slots=True)
class User:
    """The signed-in account for this request, with the role it acts with."""

    id: str
    username: str
    role: Role
    via: Literal["session", "token"]
    session_hash: str | None = None
    token_id: str | None = None

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)

    @property
    def actor(self) -> str:
        """How this user appears in the audit trail."""
        return f"web:{self.username}"


def get_workspace(request: Request) -> Workspace:
    workspace = request.app.state.workspace
    assert isinstance(workspace, Workspace)
    return workspace


def now(request: Request) -> datetime:
    """The app's clock (tests move it to check expiry)."""
    value = request.app.state.clock()
    assert isinstance(value, datetime)
    return value


def session_policy(request: Request) -> SessionPolicy:
    policy = request.app.state.session_policy
    assert isinstance(policy, SessionPolicy)
    return policy


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def cookie_header(name: str, value: str, *, max_age: int | None = None) -> str:
    """A Set-Cookie value with the attributes every RefWatch cookie carries."""
    parts = [f"{name}={value}", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)


def queue_cookie(request: Request, header_value: str) -> None:
    """Ask the security middleware to add a Set-Cookie header to whatever answer follows."""
    queued: list[str] = getattr(request.state, "set_cookies", [])
    queued.append(header_value)
    request.state.set_cookies = queued


def _resolve(request: Request) -> None:
    if getattr(request.state, "auth_resolved", False):
        return
    request.state.auth_resolved = True
    request.state.user = None
    request.state.web_session = None
    workspace = get_workspace(request)
    moment = now(request)
    raw_token = bearer_token(request)
    if raw_token is not None:
        with workspace.read() as conn:
            use = tokens.find_token(conn, raw_token)
        if use is None:
            return
        if use.last_used_at is None or (moment - use.last_used_at).total_seconds() >= 60:
            with workspace.write() as conn:
                tokens.mark_used(conn, use.token_id, moment)
        request.state.user = User(use.user_id, use.username, use.role, "token", None, use.token_id)
        return
    raw_session = request.cookies.get(SESSION_COOKIE)
    if not raw_session:
        return
    policy = session_policy(request)
    with workspace.read() as conn:
        found = websessions.find_session(conn, raw_session, moment, policy)
    if found is None:
        return
    if moment - found.last_seen_at >= websessions.TOUCH_EVERY:
        with workspace.write() as conn:
            websessions.touch(conn, found.id_hash, moment)
    request.state.web_session = found
    if found.stage == websessions.STAGE_FULL:
        request.state.user = User(
            found.user_id, found.username, found.role, "session", found.id_hash, None
        )


def current_user(request: Request) -> User | None:
    """The signed-in user, or None (anonymous, expired, disabled, revoked)."""
    _resolve(request)
    user = request.state.user
    return user if isinstance(user, User) else None


def current_session(request: Request) -> OpenSession | None:
    """The browser session of this request, at any stage (signed in, or awaiting TOTP)."""
    _resolve(request)
    found = request.state.web_session
    return found if isinstance(found, OpenSession) else None


def get_cipher(request: Request) -> FieldCipher | None:
    """The workspace's field cipher, only for a user whose role may see names.

    None when the app was started without the workspace secret or the user may not see
    protected values: a page that forgets to check `names.view` still cannot decrypt.
    """
    user = current_user(request)
    cipher = request.app.state.cipher
    if user is None or not user.can("names.view") or cipher is None:
        return None
    assert isinstance(cipher, FieldCipher)
    return cipher


def _log_check(request: Request, permission: str, granted: bool) -> None:
    log = getattr(request.app.state, "permission_log", None)
    if isinstance(log, list):
        log.append((request.method, request.url.path, permission, granted))


def require(permission: str, *, hide: bool | None = None) -> Callable[..., User]:
    """A dependency that returns the signed-in user if their role has `permission`.

    Anonymous: 401. Refused: 404 when the permission guards confidential objects (or
    `hide=True`), else 403. An unknown permission name fails at import time. The
    `API_TOKEN` parameter only declares the token scheme in the OpenAPI schema, so every
    operation guarded by a permission says that it takes a token.
    """
    hidden = check_known(permission).hidden if hide is None else hide

    def dependency(
        request: Request,
        _token: Annotated[HTTPAuthorizationCredentials | None, Security(API_TOKEN)] = None,
    ) -> User:
        user = current_user(request)
        decision = explain(None if user is None else user.role, permission)
        _log_check(request, permission, decision.allowed)
        if user is None:
            raise HTTPException(
                401,
                i18n.page_message(request, SIGN_IN_FIRST),
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not decision.allowed:
            raise HTTPException(404 if hidden else 403)
        return user

    dependency.__name__ = "require_" + permission.replace(".", "_")
    return dependency


def csrf_token(request: Request) -> str:
    """The CSRF token forms and htmx requests of this browser must send back.

    Signed in (or awaiting the TOTP code): the random token of the server-side session.
    Anonymous (the sign-in form): an HMAC of a random pre-session cookie under a key the
    app holds in memory.
    """
    found = current_session(request)
    if found is not None:
        return found.csrf_token
    pre = request.cookies.get(PRE_COOKIE) or getattr(request.state, "new_pre", None)
    if not pre:
        pre = secrets.token_urlsafe(32)
        request.state.new_pre = pre
        queue_cookie(request, cookie_header(PRE_COOKIE, pre))
    key = request.app.state.csrf_key
    return hmac.new(key, pre.encode("utf-8"), hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing browser request without the right CSRF token (403).

    Runs before every route (an app-wide dependency). Token-authenticated requests are
    exempt: their credential is a header no other site can make a browser send.
    """
    if request.method not in UNSAFE_METHODS or bearer_token(request) is not None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.url.path not in HEADER_TOKEN_ONLY:
        kind = request.headers.get("content-type", "")
        if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            # Forms carry text fields only: no file part, a bounded number of fields and
            # of bytes per field, on a body BodyLimit has already capped.
            value = (
                await request.form(
                    max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART
                )
            ).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = await run_in_threadpool(csrf_token, request)
    if not sent or not hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(403, i18n.page_message(request, CSRF_REFUSED))


def audit_name_read(request: Request, what: str, count: int, record_id: str | None = None) -> None:
    """Log that the signed-in user was shown `count` decrypted names or texts.

    `what` says which page or answer ("person page", "persons search"); it must never hold
    a name or a search term. `record_id` is e.g. the person's pseudonymous id.
    """
    user = current_user(request)
    actor = "web:anonymous" if user is None else user.actor
    with get_workspace(request).write() as conn:
        audit.log(
            conn,
            actor,
            "names.read",
            record_id=record_id,
            details={"what": what, "count": count, "path": request.url.path},
        )
