"""The browser tests' world: the demo workspace served by the real app under uvicorn (a
separate process on a free 127.0.0.1 port, its log captured to a file), and Debian's
Chromium driven by Playwright. Never `playwright install`: the browser is /usr/bin/chromium
(the Makefile's `browser` target installs it); outside CI a missing browser skips these
tests, in CI it fails them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from refwatch.simulate.load_demo import build_demo
from refwatch.store.keys import Secret
from tests.conftest import IN_CI, TEST_KDF

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
SERVE_APP = Path(__file__).parent / "serve_app.py"
PASSPHRASE = "browser tests: synthetic demo only"
DEMO_PASSWORDS = {
    "admin": "demo-admin-2017",
    "researcher": "demo-researcher-2017",
    "analyst": "demo-analyst-2017",
    "viewer": "demo-viewer-2017",
}


@dataclass
class LiveApp:
    base_url: str
    workspace: Path
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/sign-in", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("the app did not start within 60 s")


@contextmanager
def serving(workspace: Path, root: Path) -> Iterator[LiveApp]:
    """The app serving `workspace` in its own process on a free port, its log in `root`."""
    port = free_port()
    log = root / "server.log"
    env = {**os.environ, "REFWATCH_PASSPHRASE": PASSPHRASE}
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, str(SERVE_APP), str(workspace), str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=Path(__file__).parents[3],
        )
    app = LiveApp(f"http://127.0.0.1:{port}", workspace, log, process)
    try:
        _wait_until_serving(app.base_url, process, log)
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    root = tmp_path_factory.mktemp("live")
    workspace = root / "demo"
    build_demo(workspace, Secret(passphrase=PASSPHRASE), root / "scratch", kdf=TEST_KDF)
    with serving(workspace, root) as app:
        yield app


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("CI must have /usr/bin/chromium (make browser installs it)")
        pytest.skip("browser tests skipped: /usr/bin/chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
