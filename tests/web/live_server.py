"""A real RefWatch server for tests that need HTTP over a socket: `refwatch serve` (uvicorn)
in its own process on 127.0.0.1, unlocked with the test passphrase, on an existing
workspace (SQLite or PostgreSQL, as its workspace.json says).

`serving(workspace_path, log_path)` yields a `LiveServer` (its base URL and process) once
the server answers, and stops it with SIGINT afterwards (uvicorn's graceful shutdown),
killing it if it hangs; a test may also SIGKILL it itself. Scripts talk to it with API
tokens (`issue_tokens`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

from refwatch.accounts import tokens
from refwatch.accounts.accounts import create_user
from refwatch.domain.roles import Role
from refwatch.store.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.web.conftest import TEST_HASHER

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    base: str
    process: subprocess.Popen[bytes]


@contextmanager
def serving(
    workspace_path: Path, log_path: Path, passphrase: str = PASSPHRASE
) -> Iterator[LiveServer]:
    """Run `refwatch --workspace PATH serve` on a free port until the block ends."""
    port = free_port()
    env = {**os.environ, "REFWATCH_PASSPHRASE": passphrase}
    command = [
        sys.executable,
        "-m",
        "refwatch.cli",
        "--workspace",
        str(workspace_path),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(process, base, log_path)
            yield LiveServer(base, process)
        finally:
            _stop(process)


def _wait_until_up(process: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/api/v1/openapi.json", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer in {START_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def issue_tokens(workspace: Workspace, names_and_roles: list[tuple[str, Role]]) -> dict[str, str]:
    """Create a user per (name, role) and an API token acting with that role: name → token."""
    issued: dict[str, str] = {}
    for name, role in names_and_roles:
        account = create_user(
            workspace, name, f"{name}-password-1", role, actor="tester", hasher=TEST_HASHER
        )
        _, raw = tokens.issue_token(workspace, account.id, role, "tests", actor="tester")
        issued[name] = raw
    return issued


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
