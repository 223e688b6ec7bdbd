"""Web latency: p50/p95 of the dashboard and the person page over loopback.

Serves a workspace with the real command (`refwatch serve`, uvicorn in a subprocess) and
times a bounded number of sequential requests with httpx2, signed in through the real
sign-in form: the demo workspace (linked, as `make run` serves it), then one of N
synthetic persons (default 100,000; each imported case-list row is its own person until
linkage runs). The person page is timed as
a researcher (names decrypted, and each read written to the audit chain) and as an
analyst (no names). As a baseline measured in the same run: the sign-in form, a page that
reads no evidence. The first dashboard request after start-up (which builds the in-memory
summaries) is reported separately. Goal: p95 under 300 ms for the dashboard and the
person page.

    .venv/bin/python benchmarks/web_latency.py [--persons 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.intake.importer import import_file
from refwatch.simulate.demo_users import DEMO_USERS, add_demo_users
from refwatch.simulate.load_demo import build_demo
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.workspace import init_workspace

PASSPHRASE = "web latency benchmark passphrase"
# The benchmark measures pages, not key derivation: a cheap KDF for its throwaway data.
CHEAP_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)
PASSWORDS = {username: password for username, _role, password in DEMO_USERS}
SESSION = re.compile(r"__Host-refwatch_session=([^;]+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def synthetic_case_list(folder: Path, rows: int) -> Path:
    """One CSV of exactly `rows` rows from a synthetic world's source lists."""
    world = simulate_world(folder / "world", people=int(rows * 0.8), sources=4, seed=11)
    out = folder / "caselist.csv"
    written = 0
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CASE_COLUMNS))
        writer.writeheader()
        while written < rows:
            for path in world.case_lists:
                with open(path, encoding="utf-8", newline="") as source:
                    for record in csv.DictReader(source):
                        if written >= rows:
                            break
                        if written >= world.rows:
                            record["record_id"] = f"{record['record_id']}-r{written}"
                        writer.writerow(record)
                        written += 1
    return out


def large_workspace(folder: Path, persons: int) -> Path:
    path = folder / "large"
    secret = Secret(passphrase=PASSPHRASE)
    with init_workspace(path, secret, kdf=CHEAP_KDF, actor="bench") as workspace:
        cipher = FieldCipher(workspace.unlock(secret))
        start = time.perf_counter()
        import_file(workspace, cipher, synthetic_case_list(folder, persons), actor="bench")
        print(f"  imported {persons:,} rows in {time.perf_counter() - start:.1f} s")
        add_demo_users(workspace, actor="bench")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`refwatch serve` on a free loopback port, in its own process."""

    def __init__(self, workspace: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "REFWATCH_PASSPHRASE": PASSPHRASE}
        self.log = open(log, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "refwatch.cli",
                "--workspace",
                str(workspace),
                "serve",
                "--port",
                str(self.port),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {log}")
            try:
                if httpx2.get(self.base + "/sign-in", timeout=2).status_code == 200:
                    return
            except httpx2.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def signed_in(base: str, username: str) -> httpx2.Client:
    """A client signed in through the form. The session cookie is `Secure` (browsers send
    it to 127.0.0.1; httpx does not over plain HTTP), so it is passed as a header."""
    client = httpx2.Client(base_url=base, timeout=60)
    form = client.get("/sign-in")
    pre = form.headers.get("set-cookie", "")
    cookie = pre.split(";", 1)[0]
    token = CSRF.search(form.text)
    assert token is not None
    answer = client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORDS[username], "csrf_token": token[1]},
        headers={"Cookie": cookie},
    )
    session = SESSION.search(answer.headers.get("set-cookie", ""))
    assert answer.status_code == 303 and session is not None, answer.status_code
    client.headers["Cookie"] = f"__Host-refwatch_session={session[1]}"
    return client


def timed(client: httpx2.Client, paths: list[str]) -> list[float]:
    took = []
    for path in paths:
        start = time.perf_counter()
        answer = client.get(path)
        took.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return took


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def person_ids(client: httpx2.Client) -> list[str]:
    """Every current person id, read through the API (linkage retires merged ids)."""
    ids: list[str] = []
    while True:
        page = client.get(f"/api/v1/persons?limit=500&offset={len(ids)}").json()
        ids += [person["id"] for person in page["persons"]]
        if not page["persons"] or len(ids) >= page["total"]:
            return ids


def measure(label: str, workspace: Path, folder: Path, requests: int) -> None:
    server = Server(workspace, folder / f"{label}.log")
    try:
        researcher = signed_in(server.base, "researcher")
        analyst = signed_in(server.base, "analyst")
        anonymous = httpx2.Client(base_url=server.base, timeout=60)
        start = time.perf_counter()
        assert researcher.get("/").status_code == 200
        cold = (time.perf_counter() - start) * 1000
        ids = person_ids(analyst)
        rng = random.Random(5)
        sample = [f"/persons/{rng.choice(ids)}" for _ in range(requests)]
        timed(researcher, sample[:5])  # the first person page builds the name index
        results = {
            "baseline: sign-in form": timed(anonymous, ["/sign-in"] * requests),
            "dashboard (researcher)": timed(researcher, ["/"] * requests),
            "dashboard (analyst)": timed(analyst, ["/"] * requests),
            "person page (researcher, names)": timed(researcher, sample),
            "person page (analyst)": timed(analyst, sample),
        }
        print(f"\n{label}: {len(ids):,} persons, {requests} requests each, sequential")
        print(f"  first dashboard after start-up (builds the summaries): {cold:.0f} ms")
        base95 = p(results["baseline: sign-in form"], 95)
        print(f"  {'page':34} {'p50 ms':>8} {'p95 ms':>8} {'p95/baseline':>13}")
        for name, took in results.items():
            print(
                f"  {name:34} {statistics.median(took):8.1f} {p(took, 95):8.1f} "
                f"{p(took, 95) / base95:12.1f}x"
            )
        verdict = all(
            p(results[k], 95) < 300
            for k in results
            if k.startswith(("dashboard", "person page"))
        )
        outcome = "met" if verdict else "MISSED"
        print(f"  goal p95 < 300 ms for dashboard and person page: {outcome}")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refwatch-web-bench-") as tmp:
        folder = Path(tmp)
        demo = folder / "demo"
        build_demo(
            demo, Secret(passphrase=PASSPHRASE), folder / "scratch", kdf=CHEAP_KDF, link=True
        )
        measure("demo workspace", demo, folder, args.requests)
        print(f"\nbuilding a workspace of {args.persons:,} synthetic persons …")
        measure(
            f"{args.persons:,} synthetic persons",
            large_workspace(folder, args.persons),
            folder,
            args.requests,
        )


if __name__ == "__main__":
    main()
