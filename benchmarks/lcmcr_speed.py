"""LCMCR speed: Gibbs sweeps per second on the Kosovo table with K = 10.

Prints RefWatch's sampler (one core), a baseline measured in the same run (the obvious
Numba sampler on `np.random`, benchmarks/lcmcr_reference.py), their ratio, the same
sampler on all cores (one chain per core), and the posterior medians of both (they must
agree).  Issue 6's goal: 1,000,000 sweeps in under 6 s on one core; the R package's C++
sampler does about 86,000 sweeps/s on this machine (1,010,000 sweeps in 11.4 s).

Run: .venv/bin/python benchmarks/lcmcr_speed.py [--sweeps 1010000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lcmcr_reference import reference_chain

from refwatch.estimate.lcmcr import tabulated_cells
from refwatch.estimate.lcmcr_sampler import run_chain
from refwatch.estimate.rng import new_state
from refwatch.estimate.table import read_histories_csv

KOSOVO = Path(__file__).resolve().parents[1] / "tests/estimate/fixtures/kosovo_1999.csv"
K = 10


def refwatch_run(args: tuple[int, int, int, int]) -> tuple[float, float]:
    burnin, samples, thinning, seed = args
    cells, freq = tabulated_cells(read_histories_csv(KOSOVO))
    state, spare = new_state(seed)
    start = time.process_time()
    n0, _, _ = run_chain(cells, freq, K, 0.25, 0.25, burnin, samples, thinning, state, spare)
    return time.process_time() - start, float(np.median(n0)) + int(freq.sum())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweeps", type=int, default=1_010_000)
    parser.add_argument("--baseline-sweeps", type=int, default=202_000)
    options = parser.parse_args()
    table = read_histories_csv(KOSOVO)
    cells, freq = tabulated_cells(table)
    thinning = 100
    samples = max(1, (options.sweeps - 10_000) // thinning)
    sweeps = 500 + 10_000 + samples * thinning
    base_samples = max(1, (options.baseline_sweeps - 2_000) // thinning)
    base_sweeps = 500 + 2_000 + base_samples * thinning
    # compile (or load from cache) before timing
    refwatch_run((10, 10, 1, 1))
    reference_chain(cells, freq, K, 0.25, 0.25, 10, 10, 1, 1)

    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; one-core "
        "figures are CPU seconds of the sampling process (other work on a shared machine "
        "is not counted, but still slows caches and memory)"
    )
    print(f"Kosovo table: {table.n} people, 4 lists, {len(freq)} observed histories, K = {K}")
    elapsed, median = refwatch_run((10_000, samples, thinning, 1))
    rate = sweeps / elapsed
    print(
        f"RefWatch sampler, one core: {sweeps:,} sweeps in {elapsed:.2f} CPU s "
        f"= {rate:,.0f} sweeps/s; posterior median N = {median:,.0f}"
    )
    start = time.process_time()
    trace = reference_chain(cells, freq, K, 0.25, 0.25, 2_000, base_samples, thinning, 2)
    base_elapsed = time.process_time() - start
    base_rate = base_sweeps / base_elapsed
    print(
        f"baseline (np.random sampler), one core: {base_sweeps:,} sweeps in "
        f"{base_elapsed:.2f} CPU s = {base_rate:,.0f} sweeps/s; posterior median N = "
        f"{float(np.median(trace)) + table.n:,.0f}"
    )
    print(f"ratio RefWatch / baseline: {rate / base_rate:.2f}x")
    print(
        f"time for 1,000,000 sweeps, one core: {1_000_000 / rate:.2f} s "
        f"(goal < 6 s; R's C++ sampler, quoted: 11.6 s)"
    )
    cores = os.cpu_count() or 1
    per_chain = max(1, samples // cores)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=cores) as pool:
        list(pool.map(refwatch_run, [(10_000, per_chain, thinning, s) for s in range(cores)]))
    wall = time.perf_counter() - start
    total = cores * (500 + 10_000 + per_chain * thinning)
    print(
        f"{cores} chains on {cores} processes: {total:,} sweeps in {wall:.2f} s wall "
        f"= {total / wall:,.0f} sweeps/s (includes process start-up)"
    )


if __name__ == "__main__":
    main()
