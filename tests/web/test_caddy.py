"""HTTPS in front, for real: Caddy on loopback with its internal CA (`tls internal`) in
front of `refwatch serve`, as docs/deploy.md sets it up. The test fetches /healthz and
signs-in form over HTTPS, trusting only Caddy's own root certificate, and checks that the
session cookie's `Secure` flag and RefWatch's headers survive the proxy. Skipped with a
message when caddy is not installed, except in CI."""

from __future__ import annotations

import os
import shutil
import signal
import ssl
import subprocess
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from refwatch.store.workspace import Workspace
from tests.conftest import IN_CI
from tests.web.live_server import free_port, serving

pytestmark = pytest.mark.slow


def _caddyfile(port: int, upstream: str, data: Path) -> str:
    return f"""{{
	admin off
	storage file_system {{
		root {data}
	}}
	skip_install_trust
	auto_https disable_redirects
}}

https://localhost:{port} {{
	tls internal
	reverse_proxy {upstream.removeprefix("http://")} {{
		header_up X-Forwarded-Proto {{scheme}}
	}}
	log {{
		output discard
	}}
}}
"""


def test_caddy_serves_refwatch_over_https(
    workspace: Workspace, tmp_path: Path, engine_name: str
) -> None:
    if engine_name != "sqlite":
        pytest.skip("the proxy does not care about the engine")
    caddy = shutil.which("caddy")
    if caddy is None:
        if IN_CI:
            pytest.fail("CI needs caddy (apt-get install caddy)")
        pytest.skip("caddy is not installed: apt-get install caddy to run this test")
    data = tmp_path / "caddy-data"
    port = free_port()
    with serving(workspace.path, tmp_path / "serve.log") as server:
        config = tmp_path / "Caddyfile"
        config.write_text(_caddyfile(port, server.base, data))
        env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(data)}
        with open(tmp_path / "caddy.log", "wb") as log:
            proxy = subprocess.Popen(
                [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            root = data / "pki" / "authorities" / "local" / "root.crt"
            answer = None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and answer is None:
                assert proxy.poll() is None, (tmp_path / "caddy.log").read_text()
                if root.exists():
                    trust = ssl.create_default_context(cafile=str(root))
                    try:
                        answer = httpx.get(
                            f"https://localhost:{port}/healthz",
                            verify=trust,
                            timeout=5,
                        )
                    except (httpx.TransportError, OSError):
                        answer = None
                time.sleep(0.3)
            assert answer is not None, (tmp_path / "caddy.log").read_text()
            assert answer.status_code == 200 and answer.json() == {"status": "ok"}
            assert answer.http_version in ("HTTP/1.1", "HTTP/2")
            form = httpx.get(
                f"https://localhost:{port}/sign-in",
                verify=trust,
                timeout=10,
            )
            assert form.status_code == 200
            assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
            cookie = form.headers["set-cookie"]
            assert cookie.startswith("__Host-") and "Secure" in cookie
            # Plain HTTP to the TLS port is refused, never answered by RefWatch in clear.
            try:
                plain = httpx.get(f"http://localhost:{port}/healthz", timeout=5)
            except httpx.TransportError:
                plain = None
            assert plain is None or (plain.status_code == 400 and '"ok"' not in plain.text)
        finally:
            proxy.send_signal(signal.SIGINT)
            try:
                proxy.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait()
