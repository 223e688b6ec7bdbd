"""`refwatch users …` end to end through Typer's runner, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from refwatch.accounts import accounts, tokens
from refwatch.accounts.passwords import verify_password
from refwatch.cli import app
from refwatch.store.workspace import Workspace

runner = CliRunner()


@pytest.fixture
def cli_env(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace.path))
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    monkeypatch.setenv("REFWATCH_USER_PASSWORD", "cli-password-123")
    monkeypatch.delenv("REFWATCH_DB", raising=False)
    return workspace


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_users_are_added_listed_promoted_and_disabled_from_the_command_line(
    cli_env: Workspace,
) -> None:
    code, out, _ = run("users", "add", "Min-ji", "--role", "researcher", "--json")
    assert code == 0 and json.loads(out)["username"] == "min-ji"
    assert "cli-password-123" not in out
    code, out, _ = run("users", "list", "--json")
    (listed,) = json.loads(out)["users"]
    assert listed["role"] == "researcher" and listed["disabled"] is False
    assert run("users", "set-role", "min-ji", "analyst")[0] == 0
    assert accounts.account_by_name(cli_env, "min-ji").role.value == "analyst"
    assert run("users", "disable", "min-ji")[0] == 0
    assert accounts.account_by_name(cli_env, "min-ji").disabled
    assert run("users", "disable", "min-ji", "--enable")[0] == 0
    assert not accounts.account_by_name(cli_env, "min-ji").disabled


def test_the_password_comes_from_the_environment_and_is_stored_hashed(
    cli_env: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("users", "add", "sora", "--role", "viewer")
    monkeypatch.setenv("REFWATCH_USER_PASSWORD", "changed-password-9")
    assert run("users", "password", "sora")[0] == 0
    with cli_env.read() as conn:
        found = accounts.password_hash_of(conn, "sora")
    assert found is not None and found[1].startswith("$argon2id$")
    assert verify_password(found[1], "changed-password-9")


def test_a_token_is_printed_once_and_can_be_revoked(cli_env: Workspace) -> None:
    run("users", "add", "script-owner", "--role", "analyst")
    code, out, _ = run("users", "token", "script-owner", "--role", "viewer", "--json")
    issued = json.loads(out)
    assert code == 0 and issued["token"].startswith("rwt_") and issued["role"] == "viewer"
    (info,) = tokens.list_tokens(cli_env)
    assert info.id == issued["id"] and not info.revoked
    assert run("users", "token", "script-owner", "--revoke", issued["id"])[0] == 0
    (info,) = tokens.list_tokens(cli_env)
    assert info.revoked


def test_mistakes_get_one_clear_line_and_status_2(cli_env: Workspace) -> None:
    code, _, err = run("users", "add", "x", "--role", "overlord")
    assert code == 2 and "unknown role" in err
    code, _, err = run("users", "set-role", "nobody", "admin")
    assert code == 2 and "no user called 'nobody'" in err
    run("users", "add", "lowly", "--role", "viewer")
    code, _, err = run("users", "token", "lowly", "--role", "admin")
    assert code == 2 and "above its user's role" in err
    code, _, err = run("users", "add", "lowly")
    assert code == 2 and "already" in err
