"""Fixtures for the web app: an app on a fresh workspace (SQLite and PostgreSQL), one user
of every role, and signed-in clients.

`web` is a `WebEnv`: `web.app`, `web.workspace` (the same database, opened by the test),
`web.users[role]` (accounts called after their role), `web.passwords[role]`,
`web.client()` (a new anonymous browser), `web.sign_in(role)` (a browser signed in through
the real form), `web.clock` (move the app's time). `csrf_of(client)` reads the CSRF token
of a client's current page context. Every client speaks to https://testserver, so the
`__Host-` Secure cookies travel as in a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from refwatch.accounts import accounts
from refwatch.accounts.accounts import Account
from refwatch.domain.roles import Role
from refwatch.store.keys import Secret
from refwatch.store.workspace import Workspace
from refwatch.web.app import create_app

BASE_URL = "https://testserver"
ROLES = ("viewer", "analyst", "researcher", "admin")
# Cheap Argon2 for tests only (a test checks the shipped default is RFC 9106's).
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class Clock:
    """The app's clock, movable by tests (expiry, throttling, TOTP steps)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@dataclass
class WebEnv:
    app: FastAPI
    workspace: Workspace
    secret: Secret
    users: dict[str, Account]
    passwords: dict[str, str]
    clock: Clock
    opened: list[TestClient] = field(default_factory=list)

    def client(self) -> TestClient:
        """A new browser with no cookies (the app is already running)."""
        client = TestClient(self.app, base_url=BASE_URL, follow_redirects=False)
        self.opened.append(client)
        return client

    def sign_in(self, who: str, password: str | None = None) -> TestClient:
        """A browser signed in through the sign-in form as `who` (a role or a username)."""
        client = self.client()
        page = client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            data={
                "username": who,
                "password": password or self.passwords[who],
                "csrf_token": csrf_in(page.text),
            },
        )
        assert answer.status_code == 303, f"sign-in as {who} failed: {answer.status_code}"
        return client

    def add_user(self, username: str, role: Role, password: str) -> Account:
        account = accounts.create_user(
            self.workspace, username, password, role, actor="tester", hasher=TEST_HASHER
        )
        self.users[username] = account
        self.passwords[username] = password
        return account


def csrf_in(html: str) -> str:
    found = CSRF_META.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def csrf_of(client: TestClient) -> str:
    """The CSRF token a page would give this client (signed in or not)."""
    page = client.get("/account")
    if page.status_code != 200:
        page = client.get("/sign-in")
    return csrf_in(page.text)


def make_web(workspace: Workspace, secret: Secret) -> Iterator[WebEnv]:
    users: dict[str, Account] = {}
    passwords: dict[str, str] = {}
    for role in ROLES:
        password = f"{role}-test-password"
        users[role] = accounts.create_user(
            workspace, role, password, Role(role), actor="tester", hasher=TEST_HASHER
        )
        passwords[role] = password
    clock = Clock()
    url = workspace.url if workspace.dialect != "sqlite" else None
    app = create_app(workspace.path, url, secret=secret, password_hasher=TEST_HASHER)
    app.state.clock = clock
    env = WebEnv(app, workspace, secret, users, passwords, clock)
    with TestClient(app, base_url=BASE_URL):  # runs the lifespan: opens the workspace
        yield env
        for client in env.opened:
            client.close()


@pytest.fixture
def web(workspace: Workspace, secret: Secret) -> Iterator[WebEnv]:
    yield from make_web(workspace, secret)


@pytest.fixture
def clients(web: WebEnv) -> dict[str, TestClient]:
    """A browser per role, signed in, plus "anonymous"."""
    signed = {role: web.sign_in(role) for role in ROLES}
    return {"anonymous": web.client(), **signed}
