"""Fact sheet speed: seconds to write the HTML and PDF for the demo and for 100,000 persons.

The demo is built as `refwatch demo` builds it (its mentions not linked: each is a person);
the 100,000 persons are written in bulk (benchmarks/bulk_persons.py). For each, the script
times the first fact sheet (which also reads the evidence into memory) and a second one
(evidence already in memory), for the internal and the public edition. As a baseline
measured in the same run it times a single `count_persons` call on the same workspace,
so the ratio shows what charts, tables and the PDF add to counting.

    .venv/bin/python benchmarks/factsheet_speed.py [--persons 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk_persons import generate, write

from refwatch.counting import count_persons
from refwatch.counting.snapshot import forget
from refwatch.publish import build_factsheet
from refwatch.simulate.load_demo import build_demo
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.workspace import Workspace, init_workspace, open_workspace

CHEAP_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)
SECRET = Secret(passphrase="benchmark passphrase")


def measure(name: str, workspace: Workspace, period: tuple[str, str], out: Path) -> None:
    forget(workspace)
    times = []
    for label, public in (
        ("first, internal", False),
        ("again, internal", False),
        ("again, public", True),
    ):
        start = time.perf_counter()
        build_factsheet(
            workspace,
            period_from=period[0],
            period_to=period[1],
            out_dir=out / label.replace(", ", "-"),
            public=public,
            actor="bench",
        )
        times.append((label, time.perf_counter() - start))
    start = time.perf_counter()
    count_persons(workspace, event="detention", period_from=period[0], period_to=period[1])
    baseline = time.perf_counter() - start
    print(f"{name}:", flush=True)
    for label, seconds in times:
        print(
            f"    fact sheet ({label}): {seconds:6.2f} s   "
            f"(x{seconds / baseline:,.0f} one warm count of {baseline * 1000:.1f} ms)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--persons", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refwatch-bench-") as tmp:
        root = Path(tmp)
        build_demo(root / "demo", SECRET, root / "scratch", kdf=CHEAP_KDF)
        with open_workspace(root / "demo") as demo:
            measure("demo (167 mentions, unlinked)", demo, ("2016-07", "2017-08"), root / "d")
        with init_workspace(root / "bulk", SECRET, kdf=CHEAP_KDF) as bulk:
            write(bulk, generate(args.persons))
            measure(f"{args.persons:,} persons", bulk, ("2016-01", "2018-12"), root / "b")


if __name__ == "__main__":
    main()
