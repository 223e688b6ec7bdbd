"""`refwatch users …`: accounts of the web app, managed from the command line.

The first admin is made here (`refwatch users add NAME --role admin`); after that admins
can use the users page as well. Passwords come from REFWATCH_USER_PASSWORD or a hidden
prompt, never from an argument (which would land in the shell history and `ps`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from refwatch.accounts import accounts, tokens
from refwatch.cli._options import command_group
from refwatch.cli.app import JsonOpt, app, asked_secret, emit, fail, guarded, open_from, settings_of
from refwatch.domain.roles import Role

users_app = command_group("users", "Web app users, roles and API tokens.", parent=app)

PASSWORD_ENV = "REFWATCH_USER_PASSWORD"  # noqa: S105 (the name of a variable)
RoleOpt = Annotated[str, typer.Option("--role", "-r", help="viewer, analyst, researcher or admin.")]


def _role(text: str) -> Role:
    try:
        return Role.parse(text)
    except ValueError as exc:
        fail(str(exc))


def _password(confirm: bool = True) -> str:
    return asked_secret(PASSWORD_ENV, "password", "Password", confirm=confirm)


@users_app.command("add")
@guarded
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name (lowercase).")],
    role: RoleOpt = "viewer",
    as_json: JsonOpt = False,
) -> None:
    """Create a user (password from REFWATCH_USER_PASSWORD or a prompt)."""
    chosen = _role(role)
    password = _password()
    with open_from(ctx) as workspace:
        account = accounts.create_user(
            workspace, username, password, chosen, actor=settings_of(ctx).actor
        )
    emit(
        {"id": account.id, "username": account.username, "role": account.role.value},
        as_json,
        f"Created {account.username} ({account.role.value}).",
    )


@users_app.command("list")
@guarded
def list_users(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List users, their roles and state."""
    with open_from(ctx) as workspace:
        found = accounts.list_accounts(workspace)
    rows = [
        {
            "id": a.id,
            "username": a.username,
            "role": a.role.value,
            "disabled": a.disabled,
            "totp": a.totp_enabled,
        }
        for a in found
    ]
    human = "\n".join(
        f"{a.username:24} {a.role.value:11} {'disabled' if a.disabled else 'active':9}"
        f"{' totp' if a.totp_enabled else ''}"
        for a in found
    )
    emit({"users": rows}, as_json, human or "No users yet: add one with `refwatch users add`.")


@users_app.command("set-role")
@guarded
def set_role(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="viewer, analyst, researcher or admin.")],
    as_json: JsonOpt = False,
) -> None:
    """Change a user's role (their open sessions end)."""
    chosen = _role(role)
    with open_from(ctx) as workspace:
        account = accounts.account_by_name(workspace, username)
        accounts.set_role(workspace, account.id, chosen, actor=settings_of(ctx).actor)
    emit(
        {"username": account.username, "role": chosen.value},
        as_json,
        f"{account.username} is now {chosen.value}; their sessions have ended.",
    )


@users_app.command("disable")
@guarded
def disable(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the account again.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Disable a user: sessions end and API tokens are revoked at once."""
    with open_from(ctx) as workspace:
        account = accounts.account_by_name(workspace, username)
        accounts.set_disabled(workspace, account.id, not enable, actor=settings_of(ctx).actor)
    state = "enabled" if enable else "disabled (sessions ended, tokens revoked)"
    emit(
        {"username": account.username, "disabled": not enable},
        as_json,
        f"{account.username} {state}.",
    )


@users_app.command("password")
@guarded
def password(
    ctx: typer.Context, username: Annotated[str, typer.Argument()], as_json: JsonOpt = False
) -> None:
    """Set a new password for a user (their sessions end and their API tokens are revoked)."""
    new = _password()
    with open_from(ctx) as workspace:
        account = accounts.account_by_name(workspace, username)
        accounts.set_password(
            workspace, account.id, new, actor=settings_of(ctx).actor, revoke_api_tokens=True
        )
    emit({"username": account.username}, as_json, f"New password set for {account.username}.")


@users_app.command("token")
@guarded
def token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    role: Annotated[
        str | None, typer.Option("--role", "-r", help="Act as this role (default: the user's).")
    ] = None,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    revoke: Annotated[
        str | None, typer.Option("--revoke", help="Revoke the token with this id instead.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue an API token for a user (printed once), or revoke one with --revoke ID."""
    with open_from(ctx) as workspace:
        account = accounts.account_by_name(workspace, username)
        if revoke is not None:
            if tokens.token_owner(workspace, revoke) != account.id:
                fail(f"{account.username} has no token {revoke!r}")
            tokens.revoke_token(workspace, revoke, actor=settings_of(ctx).actor)
            emit({"revoked": revoke}, as_json, f"Revoked token {revoke}.")
            return
        chosen = account.role if role is None else _role(role)
        token_id, raw = tokens.issue_token(
            workspace, account.id, chosen, label, actor=settings_of(ctx).actor
        )
    emit(
        {"id": token_id, "username": account.username, "role": chosen.value, "token": raw},
        as_json,
        f"Token {token_id} for {account.username} acting as {chosen.value} "
        f"(shown once; send it as `Authorization: Bearer …`):\n{raw}",
    )
