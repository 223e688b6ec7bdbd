"""Issue 17, item 3: a burst of concurrent guesses cannot outrun the sign-in throttle.

The attack: 24 sign-ins sent at once against a real server. The throttle used to read
`blocked_until` before the ~0.1 s Argon2 check and write after it, so every request read
"not blocked" and all 24 passwords were checked, with no 429. Attempts are now counted
before they are checked, one at a time, on SQLite and PostgreSQL: at most FREE_FAILURES
guesses are checked and the rest are refused with 429. The same for second-factor codes.
The server uses the shipped Argon2id parameters, as an attacker would meet them."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import func, select

from refwatch.accounts import second_factor
from refwatch.accounts.accounts import create_user
from refwatch.accounts.throttle import FREE_FAILURES
from refwatch.domain.roles import Role
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests.web.conftest import csrf_in
from tests.web.live_server import serving

BURST = 24
PASSWORD = "a-long-enough-password-for-the-race"

entries = table_of(AuditEntry)


def _failures_audited(workspace: Workspace) -> int:
    with workspace.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(entries).where(entries.c.action == "auth.fail")
            ).scalar_one()
        )


def _carry_cookies(client: httpx.Client, answer: httpx.Response) -> None:
    """The server's `__Host-` cookies are Secure, so httpx would not send them back over
    plain HTTP to 127.0.0.1: carry them by hand, as a browser on HTTPS would."""
    jar = dict(part.split("=", 1) for part in client.headers.get("Cookie", "").split("; ") if part)
    jar.update(answer.cookies.items())
    client.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
    client.cookies.clear()


def _burst(
    base: str, path: str, prepare: list[httpx.Client], forms: list[dict[str, str]]
) -> list[int]:
    """Send one POST per client at the same moment (after a barrier); the status codes."""
    gate = threading.Barrier(len(prepare))

    def one(index: int) -> int:
        client = prepare[index]
        gate.wait()
        return client.post(f"{base}{path}", data=forms[index]).status_code

    with ThreadPoolExecutor(max_workers=len(prepare)) as pool:
        return list(pool.map(one, range(len(prepare))))


@pytest.mark.slow
def test_a_burst_of_concurrent_guesses_is_checked_at_most_five_times(
    workspace: Workspace, tmp_path: Path
) -> None:
    create_user(workspace, "target", PASSWORD, Role.ANALYST, actor="tester")
    with serving(workspace.path, tmp_path / "server.log") as server:
        clients = [httpx.Client(timeout=60.0) for _ in range(BURST)]
        try:
            forms = []
            for i, client in enumerate(clients):
                page = client.get(f"{server.base}/sign-in")
                _carry_cookies(client, page)
                forms.append(
                    {
                        "username": "target",
                        "password": f"wrong-guess-{i:02d}-password",
                        "csrf_token": csrf_in(page.text),
                    }
                )
            statuses = _burst(server.base, "/sign-in", clients, forms)
        finally:
            for client in clients:
                client.close()
    codes = Counter(statuses)
    assert set(codes) <= {401, 429}, codes
    assert codes[401] <= FREE_FAILURES, f"{codes[401]} guesses were checked: {codes}"
    assert codes[429] >= BURST - FREE_FAILURES
    assert _failures_audited(workspace) == codes[401]


@pytest.mark.slow
def test_a_burst_of_concurrent_code_guesses_is_checked_at_most_five_times(
    workspace: Workspace, tmp_path: Path
) -> None:
    """sign_in_with_code had the same read-then-write pattern."""
    account = create_user(workspace, "target", PASSWORD, Role.ANALYST, actor="tester")
    from datetime import UTC, datetime

    key = second_factor.new_secret()
    now = datetime.now(UTC)
    second_factor.enable(
        workspace, account.id, key, second_factor.code_for(key, now), now, actor="tester"
    )
    burst = 12
    with serving(workspace.path, tmp_path / "server.log") as server:
        clients = [httpx.Client(timeout=60.0) for _ in range(burst)]
        try:
            forms = []
            for client in clients:
                page = client.get(f"{server.base}/sign-in")
                _carry_cookies(client, page)
                answer = client.post(
                    f"{server.base}/sign-in",
                    data={
                        "username": "target",
                        "password": PASSWORD,
                        "csrf_token": csrf_in(page.text),
                    },
                )
                assert answer.status_code == 303, answer.status_code
                _carry_cookies(client, answer)
                page = client.get(f"{server.base}/sign-in/code")
                _carry_cookies(client, page)
                right = second_factor.code_for(key, datetime.now(UTC))
                wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
                forms.append({"code": wrong, "csrf_token": csrf_in(page.text)})
            statuses = _burst(server.base, "/sign-in/code", clients, forms)
        finally:
            for client in clients:
                client.close()
    codes = Counter(statuses)
    assert set(codes) <= {401, 429}, codes
    assert codes[401] <= FREE_FAILURES, f"{codes[401]} codes were checked: {codes}"
    assert codes[429] >= burst - FREE_FAILURES
