"""Web load: N concurrent clients of mixed roles against 1 and 2 workers, in one run.

Builds a workspace of N persons (default 100,000, written in bulk by
benchmarks/bulk_persons.py, with the demo's four users and an API token per role), then
serves it with the real command (`refwatch serve --workers W`, uvicorn processes) for
W = 1 and W = 2 in turn. Clients (asyncio, httpx2; one keep-alive connection each) send
requests back to back for a fixed time at each level of concurrency (1, 8, 16, 32, 64):

- researcher and analyst tokens: the dashboard `/`, the person list `/persons`, the
  persons API `/api/v1/persons?limit=50` and a count `/api/v1/counts?event=detention`
  (each count is recorded in the number ledger: a database write);
- viewer token: the dashboard and the count (the person routes are not the viewer's).

Printed per level: throughput (requests/s), p50/p95/p99 latency, errors (any answer but
2xx, or a transport error), and the workers' mean CPU time per request (user + system,
from /proc/PID/stat over the level: the figure least moved by other load on the
machine), and how the answers were shared between the workers (% per worker). Then the
ratio of 2-worker to 1-worker throughput at each level (the baseline measured in the same
run, on the same machine, minutes apart), and a soak at 16 clients against 2 workers with
the workers' RSS sampled every 5 s. The load average
(`/proc/loadavg`) is printed at the start and the end: other processes on the machine move
every figure.

Goals (docs/deploy.md): 2 workers >= 1.7x one worker's throughput; p95 < 300 ms at 16
clients; 0 errors at 64 clients.

    .venv/bin/python benchmarks/web_load.py [--persons 100000] [--seconds 15] [--soak 180]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk_persons import generate, write

from refwatch.accounts import tokens
from refwatch.accounts.accounts import account_by_name
from refwatch.domain.roles import Role
from refwatch.simulate.demo_users import add_demo_users
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.workspace import init_workspace

PASSPHRASE = "web load benchmark passphrase"
CHEAP_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)
LEVELS = (1, 8, 16, 32, 64)
FULL = ("/", "/persons", "/api/v1/persons?limit=50", "/api/v1/counts?event=detention")
VIEWER = ("/", "/api/v1/counts?event=detention")
ROLES = (("researcher", FULL), ("analyst", FULL), ("viewer", VIEWER))


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def build(folder: Path, persons: int) -> tuple[Path, dict[str, str]]:
    path = folder / "ws"
    secret = Secret(passphrase=PASSPHRASE)
    started = time.perf_counter()
    with init_workspace(path, secret, kdf=CHEAP_KDF, actor="bench") as workspace:
        write(workspace, generate(persons))
        add_demo_users(workspace, actor="bench")
        issued = {}
        for name, _ in ROLES:
            account = account_by_name(workspace, name)
            _, raw = tokens.issue_token(workspace, account.id, Role(name), "load", actor="bench")
            issued[name] = raw
    print(f"built {persons:,} persons in {time.perf_counter() - started:.1f} s")
    return path, issued


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, workspace: Path, workers: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = open(log, "wb")  # noqa: SIM115
        env = {**os.environ, "REFWATCH_PASSPHRASE": PASSPHRASE}
        command = [sys.executable, "-m", "refwatch.cli", "--workspace", str(workspace)]
        command += ["serve", "--port", str(self.port), "--workers", str(workers)]
        command += ["--worker-header"]
        self.process = subprocess.Popen(
            command, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        self.pids = self._wait()

    def _wait(self) -> set[int]:
        seen: set[int] = set()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(seen) < self.workers:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited")
            try:
                answer = httpx2.get(self.base + "/readyz", timeout=5)
                if answer.status_code == 200:
                    seen.add(int(answer.headers["x-refwatch-worker"]))
            except httpx2.HTTPError:
                time.sleep(0.2)
        if len(seen) < self.workers:
            raise RuntimeError("not every worker answered")
        return seen

    def rss_mib(self) -> dict[int, float]:
        found = {}
        for pid in self.pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        found[pid] = int(line.split()[1]) / 1024
            except OSError:
                found[pid] = float("nan")
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker processes so far (/proc/PID/stat): the
        server's cost per request, much less moved by other load than its latency."""
        total = 0.0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


@dataclass
class Result:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    server_cpu: float = float("nan")
    per_worker: Counter[int] = field(default_factory=Counter)
    per_path: dict[str, list[float]] = field(default_factory=dict)

    @property
    def split(self) -> str:
        """Answers per worker, largest first, in % (with 2 workers: how evenly the
        connections were shared out)."""
        total = self.per_worker.total()
        if not total:
            return "-"
        return "/".join(f"{100 * n / total:.0f}" for _, n in self.per_worker.most_common())

    @property
    def cpu_ms(self) -> float:
        """Mean server CPU time per answered request."""
        return self.server_cpu / len(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def client_loop(
    base: str, token: str, paths: tuple[str, ...], stop_at: float, result: Result, offset: int
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
        i = offset
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                answer = await client.get(path)
                ok = 200 <= answer.status_code < 300
                result.per_worker[int(answer.headers["x-refwatch-worker"])] += 1
            except httpx2.HTTPError:
                ok = False
            if ok:
                took = time.perf_counter() - started
                result.latencies.append(took)
                result.per_path.setdefault(path, []).append(took)
            else:
                result.errors += 1


async def run_level(base: str, issued: dict[str, str], clients: int, seconds: float) -> Result:
    result = Result(clients, seconds)
    stop_at = time.monotonic() + seconds
    tasks = []
    for n in range(clients):
        name, paths = ROLES[n % len(ROLES)]
        tasks.append(client_loop(base, issued[name], paths, stop_at, result, n))
    started = time.monotonic()
    await asyncio.gather(*tasks)
    result.seconds = time.monotonic() - started
    return result


def warm(server: Server, issued: dict[str, str]) -> None:
    """Every worker builds its caches (the first dashboard at this size takes seconds)."""
    per_pid: dict[int, int] = {}
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and (
        len(per_pid) < server.workers or min(per_pid.values()) < 3
    ):
        with httpx2.Client(
            base_url=server.base,
            headers={"Authorization": f"Bearer {issued['researcher']}"},
            timeout=300,
        ) as client:
            for path in FULL:
                answer = client.get(path)
            pid = int(answer.headers["x-refwatch-worker"])
            per_pid[pid] = per_pid.get(pid, 0) + 1


def row(r: Result) -> str:
    return (
        f"{r.clients:>7} | {r.throughput:>8.1f} | {r.pct(0.5):>7.0f} | {r.pct(0.95):>7.0f} | "
        f"{r.pct(0.99):>7.0f} | {r.errors:>6} | {r.cpu_ms:>9.1f} | {r.split}"
    )


def by_path(r: Result) -> str:
    """p50/p95 per route at one level: which requests make the tail."""
    lines = []
    for path, took in sorted(r.per_path.items()):
        ordered = sorted(took)
        p50 = ordered[len(ordered) // 2] * 1000
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000
        lines.append(f"          {path}: {len(took)} answers, p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    return "\n".join(lines)


HEADER = "clients | req/s    | p50 ms  | p95 ms  | p99 ms  | errors | cpu ms/req | % per worker"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--soak", type=float, default=180.0)
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    print(f"load average at start: {loadavg()}; cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="refwatch-load-") as tmp:
        folder = Path(tmp)
        workspace, issued = build(folder, args.persons)
        results: dict[int, list[Result]] = {}
        for workers in (1, 2):
            server = Server(workspace, workers, folder / f"serve-{workers}.log")
            try:
                started = time.perf_counter()
                warm(server, issued)
                print(
                    f"\n{workers} worker(s): caches warm in {time.perf_counter() - started:.1f} s"
                )
                print(HEADER)
                results[workers] = []
                for clients in levels:
                    cpu_before = server.cpu_seconds()
                    result = asyncio.run(run_level(server.base, issued, clients, args.seconds))
                    result.server_cpu = server.cpu_seconds() - cpu_before
                    results[workers].append(result)
                    print(row(result), flush=True)
                    if clients == 16:
                        print(by_path(result), flush=True)
                if workers == 2 and args.soak > 0:
                    soak(server, issued, args.soak)
            finally:
                server.stop()
        print("\n2 workers / 1 worker throughput, same run:")
        for one, two in zip(results[1], results[2], strict=True):
            ratio = two.throughput / one.throughput if one.throughput else float("nan")
            print(f"  {one.clients:>2} clients: {ratio:.2f}x")
        at = {r.clients: r for r in results[2]}
        best = max(
            (t.throughput / o.throughput for o, t in zip(results[1], results[2], strict=True)),
            default=float("nan"),
        )
        print("\ngoals (2 workers):")
        print(f"  throughput >= 1.7x one worker (best level): {best:.2f}x")
        if 16 in at:
            print(f"  p95 < 300 ms at 16 clients: {at[16].pct(0.95):.0f} ms")
        if 64 in at:
            print(f"  0 errors at 64 clients: {at[64].errors}")
    print(f"\nload average at end: {loadavg()}")


def soak(server: Server, issued: dict[str, str], seconds: float) -> None:
    print(f"\nsoak: 16 clients, 2 workers, {seconds:.0f} s; worker RSS (MiB) every 5 s")
    samples: list[dict[int, float]] = [server.rss_mib()]

    async def sampled() -> Result:
        async def sampler() -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await asyncio.sleep(5)
                samples.append(server.rss_mib())

        level, _ = await asyncio.gather(run_level(server.base, issued, 16, seconds), sampler())
        return level

    result = asyncio.run(sampled())
    print(HEADER)
    print(row(result))
    for pid in sorted(server.pids):
        series = [s[pid] for s in samples if pid in s]
        print(
            f"  worker {pid}: RSS start {series[0]:.0f}, after 1/4 {series[len(series) // 4]:.0f}, "
            f"end {series[-1]:.0f}, max {max(series):.0f} MiB ({len(series)} samples)"
        )


if __name__ == "__main__":
    main()
