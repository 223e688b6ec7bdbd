"""A real `refwatch serve --workers 2` for tests, and a browser that picks its worker.

The server runs in its own process group on 127.0.0.1 (an ephemeral port), unlocked with
the test passphrase given in the environment of `serve` only, with the hidden
`--worker-header` option so each answer names the worker process that made it, and JSON
logs written to a file the tests read afterwards.

`Browser` keeps its own cookies (Python's cookie jar never sends a `Secure` cookie over
http, which browsers do for 127.0.0.1) and sends each request through a fresh keep-alive
connection that is first checked, with a GET /healthz, to have been accepted by the
wanted worker: so a test can sign in through one worker and go on through the other.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx

from tests.processes import children
from tests.web.live_server import free_port

START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0
WORKER = "x-refwatch-worker"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log_path: Path
    pids: tuple[int, int] = (0, 0)

    def worker_pids(self) -> list[int]:
        """The worker processes (children of `serve` running the spawned app)."""
        return children(self.process.pid, b"spawn_main")


@contextmanager
def serving_workers(
    workspace_path: Path,
    log_path: Path,
    env: dict[str, str],
    *,
    workers: int = 2,
    extra: tuple[str, ...] = (),
) -> Iterator[Server]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "refwatch.cli",
        "--workspace",
        str(workspace_path),
        *extra,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-format",
        "json",
        "--worker-header",
    ]
    # The banner (stdout; for the demo it lists the demo sign-ins) apart from the logs.
    with open(log_path, "wb") as log, open(log_path.with_suffix(".out"), "wb") as banner:
        process = subprocess.Popen(
            command,
            env={**os.environ, **env},
            stdout=banner,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        server = Server(f"http://127.0.0.1:{port}", process, log_path)
        try:
            server.pids = _wait_for_workers(server, workers)
            yield server
        finally:
            _stop(process)


def _wait_for_workers(server: Server, workers: int) -> tuple[int, int]:
    deadline = time.monotonic() + START_TIMEOUT
    seen: set[int] = set()
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"serve exited early:\n{server.log_path.read_text(errors='replace')}"
            )
        try:
            with httpx.Client(base_url=server.base, timeout=5.0) as client:
                answer = client.get("/readyz")
            if answer.status_code == 200:
                seen.add(int(answer.headers[WORKER]))
        except httpx.TransportError:
            pass
        if len(seen) >= min(workers, 2):
            ordered = sorted(seen)
            return ordered[0], ordered[-1]
        time.sleep(0.1)
    raise RuntimeError(f"the workers did not all answer in {START_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


@dataclass
class Browser:
    """A browser's cookies, its requests sent to the worker of the test's choosing."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def client_on(self, pid: int) -> httpx.Client:
        for _ in range(200):
            client = httpx.Client(base_url=self.base, timeout=120.0)
            probe = client.get("/healthz")
            if int(probe.headers[WORKER]) == pid:
                return client
            client.close()
        raise AssertionError(f"worker {pid} never accepted a connection")

    def request(self, pid: int, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        client = self.client_on(pid)
        try:
            answer = client.request(method, url, headers=headers, **kwargs)
        finally:
            client.close()
        assert int(answer.headers[WORKER]) == pid, "the answer came from the other worker"
        for line in answer.headers.get_list("set-cookie"):
            pair = line.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "max-age=0" in line.lower() or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return answer

    def get(self, pid: int, url: str, **kwargs: Any) -> httpx.Response:
        return self.request(pid, "GET", url, **kwargs)

    def post(self, pid: int, url: str, **kwargs: Any) -> httpx.Response:
        return self.request(pid, "POST", url, **kwargs)

    def csrf(self, pid: int, page: str = "/sign-in") -> str:
        found = CSRF.search(self.get(pid, page).text)
        assert found is not None, "no CSRF token on the page"
        return found.group(1)

    def sign_in(self, pid_form: int, pid_post: int, username: str, password: str) -> httpx.Response:
        token = self.csrf(pid_form)
        return self.post(
            pid_post,
            "/sign-in",
            data={"username": username, "password": password, "csrf_token": token},
        )
