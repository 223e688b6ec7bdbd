"""Sign-in, sign-out, and a user's own account: password and TOTP second factor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refwatch.accounts import accounts, second_factor, tokens
from refwatch.accounts.passwords import verify_password
from refwatch.domain.errors import InputError
from refwatch.store.workspace import Workspace
from refwatch.web import signin
from refwatch.web.deps import (
    SESSION_COOKIE,
    User,
    current_session,
    current_user,
    get_workspace,
    now,
    session_policy,
)
from refwatch.web.i18n import error_text
from refwatch.web.roles import AccountSelf
from refwatch.web.signin import Outcome
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)

REFUSED = "Wrong username or password."
THROTTLED = "Too many attempts for this account. Wait a few minutes and try again."


def safe_next(request: Request, target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    unsafe = ("\\", "\r", "\n", "\t")
    target = target or ""
    local = target.startswith("/") and not target.startswith("//")
    if local and not any(c in target for c in unsafe):
        return target
    pages: frozenset[str] = request.app.state.page_paths
    return "/" if "/" in pages else "/account"


def with_session_cookie(response: Response, raw: str) -> Response:
    response.set_cookie(
        SESSION_COOKIE, raw, path="/", secure=True, httponly=True, samesite="strict"
    )
    return response


def without_session_cookie(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if current_user(request) is not None:
        return RedirectResponse(safe_next(request, next), status_code=303)
    return render(request, "sign_in.html", {"next": next or "", "error": None})


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=2000)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    attempt = signin.sign_in_with_password(
        get_workspace(request),
        username,
        password,
        now=now(request),
        policy=session_policy(request),
        hasher=request.app.state.password_hasher,
        previous_session=request.cookies.get(SESSION_COOKIE),
    )
    if attempt.outcome in (Outcome.REFUSED, Outcome.THROTTLED):
        status = 401 if attempt.outcome is Outcome.REFUSED else 429
        message = REFUSED if attempt.outcome is Outcome.REFUSED else THROTTLED
        page = render(
            request,
            "sign_in.html",
            {"next": next, "error": gettext(request, message), "username": username},
            status_code=status,
        )
        return without_session_cookie(page)
    assert attempt.session_id is not None
    if attempt.outcome is Outcome.NEEDS_CODE:
        target = "/sign-in/code" + (f"?next={quote(next, safe='')}" if next else "")
        return with_session_cookie(RedirectResponse(target, status_code=303), attempt.session_id)
    return with_session_cookie(
        RedirectResponse(safe_next(request, next), status_code=303), attempt.session_id
    )


@router.get("/sign-in/code", response_class=HTMLResponse)
def code_page(request: Request, next: str | None = None) -> Response:
    pending = current_session(request)
    if pending is None or pending.stage != "totp":
        return RedirectResponse("/sign-in", status_code=303)
    return render(request, "sign_in_code.html", {"next": next or "", "error": None})


@router.post("/sign-in/code", response_class=HTMLResponse)
def sign_in_code(
    request: Request,
    code: Annotated[str, Form(max_length=20)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    pending = current_session(request)
    raw = request.cookies.get(SESSION_COOKIE)
    if pending is None or pending.stage != "totp" or raw is None:
        return RedirectResponse("/sign-in", status_code=303)
    attempt = signin.sign_in_with_code(
        get_workspace(request),
        pending,
        raw,
        code,
        now=now(request),
        policy=session_policy(request),
    )
    if attempt.outcome is not Outcome.SIGNED_IN:
        throttled = attempt.outcome is Outcome.THROTTLED
        message = THROTTLED if throttled else "That code is wrong or was already used."
        return render(
            request,
            "sign_in_code.html",
            {"next": next, "error": gettext(request, message)},
            status_code=429 if throttled else 401,
        )
    assert attempt.session_id is not None
    return with_session_cookie(
        RedirectResponse(safe_next(request, next), status_code=303), attempt.session_id
    )


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        user = current_user(request)
        signin.sign_out(
            get_workspace(request), raw, "web:anonymous" if user is None else user.actor
        )
    return without_session_cookie(RedirectResponse("/sign-in", status_code=303))


def _account_page(
    request: Request,
    user: User,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    workspace = get_workspace(request)
    with workspace.read() as conn:
        account = accounts.get_account(conn, user.id)
    assert account is not None
    secret = None if account.totp_enabled else second_factor.new_secret()
    return render(
        request,
        "account.html",
        {
            "account": account,
            "totp_secret": secret,
            "totp_uri": None
            if secret is None
            else second_factor.provisioning_uri(secret, account.username),
            "message": message,
            "error": error,
            "via": user.via,
        },
        status_code=status_code,
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, user: AccountSelf) -> Response:
    return _account_page(request, user)


def _password_ok(request: Request, user: User, password: str) -> bool:
    with get_workspace(request).read() as conn:
        found = accounts.password_hash_of(conn, user.username)
    return found is not None and verify_password(
        found[1], password, request.app.state.password_hasher
    )


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    user: AccountSelf,
    current_password: Annotated[str, Form(max_length=2000)],
    new_password: Annotated[str, Form(max_length=2000)],
    new_password_again: Annotated[str, Form(max_length=2000)],
) -> Response:
    hasher = request.app.state.password_hasher
    return _signin_changed(
        request,
        user,
        current_password,
        lambda ws: accounts.set_password(
            ws, user.id, new_password, actor=user.actor, hasher=hasher
        ),
        "password",
        mismatch="The two new passwords differ." if new_password != new_password_again else None,
    )


def _signin_changed(
    request: Request,
    user: User,
    current_password: str,
    change: Callable[[Workspace], object],
    changed: str,
    *,
    mismatch: str | None = None,
) -> Response:
    """Change how the user signs in, then restart their session and go back to the page
    saying what `changed`. A refusal shows the page with its reason: first the rule of
    `_refuse_account_change`, then the form's own `mismatch` if any, then the change's."""
    refused = _refuse_account_change(request, user, current_password)
    if refused is not None:
        return refused
    if mismatch is not None:
        return _account_page(request, user, error=gettext(request, mismatch), status_code=400)
    workspace = get_workspace(request)
    try:
        change(workspace)
    except InputError as exc:
        return _account_page(request, user, error=error_text(request, exc), status_code=400)
    raw = signin.restart_session(
        workspace, user.id, now=now(request), policy=session_policy(request)
    )
    return with_session_cookie(
        RedirectResponse(f"/account?changed={changed}", status_code=303), raw
    )


def _refuse_account_change(request: Request, user: User, current_password: str) -> Response | None:
    """The password and the second factor change only in a signed-in browser session
    (never with an API token, whose holder must not be able to lock the owner out or plant
    a key of their own) and with the current password."""
    if user.via != "session":
        return _account_page(
            request,
            user,
            error=gettext(request, "Sign in with a password to change it."),
            status_code=403,
        )
    if not _password_ok(request, user, current_password):
        return _account_page(
            request,
            user,
            error=gettext(request, "The current password is wrong."),
            status_code=400,
        )
    return None


@router.post("/account/totp", response_class=HTMLResponse)
def enable_totp(
    request: Request,
    user: AccountSelf,
    secret: Annotated[str, Form(min_length=16, max_length=64, pattern="^[A-Z2-7]+=*$")],
    code: Annotated[str, Form(max_length=20)],
    current_password: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _signin_changed(
        request,
        user,
        current_password,
        lambda ws: second_factor.enable(ws, user.id, secret, code, now(request), actor=user.actor),
        "totp",
    )


@router.post("/account/totp/disable", response_class=HTMLResponse)
def disable_totp(
    request: Request,
    user: AccountSelf,
    current_password: Annotated[str, Form(max_length=2000)],
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    return _signin_changed(
        request,
        user,
        current_password,
        lambda ws: second_factor.disable(ws, user.id, code, now(request), actor=user.actor),
        "totp-off",
    )


@router.post("/account/tokens/{token_id}/revoke")
def revoke_own_token(request: Request, user: AccountSelf, token_id: str) -> Response:
    """The owner of a token revokes it (an admin may revoke any, on /users). Another
    user's token answers 404, as an unknown one does."""
    workspace = get_workspace(request)
    if tokens.token_owner(workspace, token_id) != user.id:
        raise HTTPException(404)
    try:
        tokens.revoke_token(workspace, token_id, actor=user.actor)
    except InputError:  # revoked already
        raise HTTPException(404) from None
    return RedirectResponse("/account?changed=token", status_code=303)
