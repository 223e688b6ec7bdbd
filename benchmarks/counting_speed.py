"""Counting speed: count and month x place breakdown latency at 10k, 100k and 1M persons.

For each size and engine (SQLite; PostgreSQL when REFWATCH_TEST_PG or --pg names a
server) the script writes persons in bulk (benchmarks/bulk_persons.py), then times:

- the cold load: reading the evidence and building the person-level fact table (once
  per change of the evidence; later queries reuse it);
- `count_persons` for a few questions (period, region, flag, status as of a date) —
  each call includes the check that the cached snapshot is still current;
- a month x place breakdown over two years.

Latencies are p50 / p95 over repeated calls. As a baseline measured in the same run, the
script times the plain SQL a naive counter would run (distinct persons with an
apprehension event whose interval lies in the period — one number, no bounds, no
filters) and prints the ratio. Goals: a count under 200 ms and a breakdown under 1 s
at 1,000,000 persons.

    .venv/bin/python benchmarks/counting_speed.py [--sizes 10000,100000,1000000] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk_persons import generate, write

from refwatch.counting import count_persons, diskcache
from refwatch.counting.identity import Identity
from refwatch.counting.snapshot import forget, load_snapshot
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.workspace import Workspace, init_workspace

CHEAP_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)
QUESTIONS: list[dict[str, object]] = [
    {"event": "detention", "period_from": "2017-07", "period_to": "2017-08"},
    {"event": "apprehension", "period_from": "2017-01", "period_to": "2017-12", "place": "Yunnan"},
    {"event": "detention", "period_from": "2016-07", "flags": ["child"]},
    {"status": "detained", "as_of": "2017-09-30"},
]
BREAKDOWN: dict[str, object] = {
    "event": "apprehension",
    "period_from": "2016-01",
    "period_to": "2017-12",
    "by": ["month", "place"],
}
BASELINE_SQL = (
    "SELECT count(DISTINCT l.person_id) FROM events e "
    "JOIN person_links l ON l.mention_id = e.mention_id "
    "WHERE e.event_type = 'detention' AND e.date_earliest >= '2017-07-01' "
    "AND e.date_latest <= '2017-08-31'"
)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def run(size: int, db_url: str | None, folder: Path) -> None:
    engine = "postgresql" if db_url else "sqlite"
    schema = f"rwbench_{uuid.uuid4().hex[:10]}" if db_url else None
    workspace: Workspace = init_workspace(
        folder / f"ws-{uuid.uuid4().hex[:6]}",
        Secret(passphrase="benchmark passphrase"),
        db_url=db_url,
        schema=schema,
        kdf=CHEAP_KDF,
    )
    try:
        start = time.perf_counter()
        rows = generate(size)
        write(workspace, rows)
        written = time.perf_counter() - start
        mentions, events = len(rows["mentions"]), len(rows["events"])
        del rows
        start = time.perf_counter()
        load_snapshot(workspace, fresh=True)
        cold = time.perf_counter() - start
        repeat = 30 if size <= 100_000 else 15
        counts: list[float] = []
        for question in QUESTIONS:
            counts += timed(lambda q=question: count_persons(workspace, **q), repeat)  # type: ignore[misc]
        breakdown = timed(lambda: count_persons(workspace, **BREAKDOWN), max(5, repeat // 2))  # type: ignore[arg-type]

        # The same questions under the previous rules (persons taken as people, no
        # identity bounds), on the same cached snapshot: what identity bounds cost.
        snapshot = load_snapshot(workspace)
        with_identity = snapshot.identity
        n = snapshot.evidence.persons
        snapshot.identity = Identity(np.arange(n, dtype=np.int64), np.ones(n, np.int64), 1.0, 0.0)
        plain: list[float] = []
        for question in QUESTIONS:
            plain += timed(lambda q=question: count_persons(workspace, **q), repeat)  # type: ignore[misc]
        plain_breakdown = timed(lambda: count_persons(workspace, **BREAKDOWN), max(5, repeat // 2))  # type: ignore[arg-type]
        snapshot.identity = with_identity
        shared = int((~with_identity.alone).sum())

        def baseline_query() -> None:
            with workspace.read() as conn:
                conn.execute(text(BASELINE_SQL)).scalar_one()

        baseline = timed(baseline_query, 5)
        # The arrays a new process starts from (`counting.diskcache`): written once after
        # a slow load, read by each later `refwatch count` while the evidence stands.
        kept = load_snapshot(workspace)
        saving = timed(lambda: diskcache.save(workspace, kept.evidence, kept.clock), 3)
        reading = timed(lambda: diskcache.load(workspace), 3)
        cache_mb = diskcache.cache_path(workspace).stat().st_size / 1e6
        c50, c95 = percentiles(counts)
        b50, b95 = percentiles(breakdown)
        s50, _ = percentiles(baseline)
        p50, p95 = percentiles(plain)
        q50, q95 = percentiles(plain_breakdown)
        print(
            f"{engine:<10} {size:>9,} persons ({mentions:,} mentions, {events:,} events; "
            f"written in {written:.1f} s)\n"
            f"           cold load + fact table: {cold:.2f} s\n"
            f"           saved arrays ({cache_mb:,.0f} MB): written in "
            f"{statistics.median(saving):.2f} s, read in {statistics.median(reading):.2f} s\n"
            f"           count:     p50 {c50:7.1f} ms  p95 {c95:7.1f} ms   "
            f"(goal < 200 ms at 1M)\n"
            f"           month x place breakdown: p50 {b50:7.1f} ms  p95 {b95:7.1f} ms   "
            f"(goal < 1000 ms at 1M)\n"
            f"           previous rules (no identity bounds): count p50 {p50:7.1f} ms "
            f"p95 {p95:7.1f} ms, breakdown p50 {q50:7.1f} ms p95 {q95:7.1f} ms; "
            f"identity / previous: count {c50 / p50:.2f}, breakdown {b50 / q50:.2f} "
            f"({shared:,} persons share an identity group)\n"
            f"           baseline plain SQL count (no bounds): p50 {s50:7.1f} ms; "
            f"count / baseline = {c50 / s50:.2f}\n"
            f"           machine load average during the run: "
            f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores, shared)",
            flush=True,
        )
    finally:
        forget(workspace)
        workspace.close()
        if db_url and schema:
            drop_pg_schema(db_url, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--pg", default=os.environ.get("REFWATCH_TEST_PG"))
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    engines = args.engines.split(",")
    with tempfile.TemporaryDirectory(prefix="refwatch-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            if "sqlite" in engines:
                run(size, None, Path(tmp))
            if "postgresql" in engines and args.pg:
                run(size, args.pg, Path(tmp))


if __name__ == "__main__":
    main()
