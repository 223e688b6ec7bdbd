"""The admins' users page: create users, set roles, disable, reset passwords, API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refwatch.accounts import accounts, tokens
from refwatch.domain.errors import RefWatchError
from refwatch.domain.roles import Role
from refwatch.store.workspace import Workspace
from refwatch.web.deps import get_workspace
from refwatch.web.i18n import error_text
from refwatch.web.responses import or_404
from refwatch.web.roles import UsersManage
from refwatch.web.templating import render

router = APIRouter(include_in_schema=False)

RoleField = Annotated[Role, Form()]


def users_page(
    request: Request,
    *,
    error: str | None = None,
    issued: tuple[str, str, str] | None = None,
    status_code: int = 200,
) -> Response:
    workspace = get_workspace(request)
    return render(
        request,
        "users.html",
        {
            "accounts": accounts.list_accounts(workspace),
            "tokens": [t for t in tokens.list_tokens(workspace) if not t.revoked],
            "roles": list(Role),
            "error": error,
            "issued": issued,
        },
        status_code=status_code,
    )


def done() -> Response:
    return RedirectResponse("/users", status_code=303)


def _changed(request: Request, change: Callable[[Workspace], object]) -> Response:
    """Make one change and go back to the list; a refusal shows the page with its reason."""
    try:
        change(get_workspace(request))
    except RefWatchError as exc:
        return users_page(request, error=error_text(request, exc), status_code=400)
    return done()


@router.get("/users", response_class=HTMLResponse)
def list_users(request: Request, admin: UsersManage) -> Response:
    return users_page(request)


@router.post("/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    admin: UsersManage,
    username: Annotated[str, Form(max_length=100)],
    role: RoleField,
    password: Annotated[str, Form(max_length=2000)],
) -> Response:
    hasher = request.app.state.password_hasher
    return _changed(
        request,
        lambda ws: accounts.create_user(
            ws, username, password, role, actor=admin.actor, hasher=hasher
        ),
    )


def _known(request: Request, user_id: str) -> accounts.Account:
    with get_workspace(request).read() as conn:
        return or_404(accounts.get_account(conn, user_id))


@router.post("/users/{user_id}/role", response_class=HTMLResponse)
def set_role(request: Request, admin: UsersManage, user_id: str, role: RoleField) -> Response:
    _known(request, user_id)
    return _changed(request, lambda ws: accounts.set_role(ws, user_id, role, actor=admin.actor))


@router.post("/users/{user_id}/disable", response_class=HTMLResponse)
def disable(request: Request, admin: UsersManage, user_id: str) -> Response:
    _known(request, user_id)
    return _changed(request, lambda ws: accounts.set_disabled(ws, user_id, True, actor=admin.actor))


@router.post("/users/{user_id}/enable", response_class=HTMLResponse)
def enable(request: Request, admin: UsersManage, user_id: str) -> Response:
    _known(request, user_id)
    accounts.set_disabled(get_workspace(request), user_id, False, actor=admin.actor)
    return done()


@router.post("/users/{user_id}/password", response_class=HTMLResponse)
def reset_password(
    request: Request,
    admin: UsersManage,
    user_id: str,
    password: Annotated[str, Form(max_length=2000)],
) -> Response:
    _known(request, user_id)
    hasher = request.app.state.password_hasher
    return _changed(
        request,
        lambda ws: accounts.set_password(
            ws, user_id, password, actor=admin.actor, hasher=hasher, revoke_api_tokens=True
        ),
    )


@router.post("/users/{user_id}/tokens", response_class=HTMLResponse)
def issue_token(
    request: Request,
    admin: UsersManage,
    user_id: str,
    role: RoleField,
    label: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    account = _known(request, user_id)
    try:
        _token_id, raw = tokens.issue_token(
            get_workspace(request), user_id, role, label, actor=admin.actor
        )
    except RefWatchError as exc:
        return users_page(request, error=error_text(request, exc), status_code=400)
    return users_page(request, issued=(account.username, role.value, raw))


@router.post("/users/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, admin: UsersManage, token_id: str) -> Response:
    if tokens.token_owner(get_workspace(request), token_id) is None:
        raise HTTPException(404)
    return _changed(request, lambda ws: tokens.revoke_token(ws, token_id, actor=admin.actor))
