"""Simulation study: bias, RMSE and 95% interval coverage of each method on known worlds.

Worlds (each repeated `--worlds` times, 100 by default, with fresh randomness):

- mv2016: Manrique-Vallier (2016) simulation 1, two latent classes (90% hard to reach,
  10% easy), five lists, N = 2000.  Heterogeneity LCMCR models.
- three_classes: three latent classes with different list preferences, four lists,
  N = 1000 (heterogeneity and apparent list dependence; LCMCR models it).
- independent: homogeneous, independent lists, four lists, N = 1000 (every method's
  home ground).
- referral: list 2 mostly reports people list 1 referred (direct dependence, no latent
  classes), four lists, N = 1000: log-linear models can represent it, LCMCR cannot.
- refwatch_world: the synthetic world generator (refwatch.simulate.world, 4 sources,
  N = 600) with perfect linkage (histories from truth.csv): its own heterogeneity.

Methods: log-linear with BIC selection and the BCa bootstrap that redoes the selection
(`--nboot`, 200 by default), the profile interval of the same chosen model, and LCMCR
with the R package's defaults (two chains).  Prints one table row per world type and
method: mean estimate, relative bias, RMSE, coverage of the 95% interval, median width.

Run: .venv/bin/python benchmarks/estimation_simulation.py [--worlds 100] [--only mv2016]
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from refwatch.estimate.errors import EstimationError
from refwatch.estimate.lcmcr import LcmcrSettings, estimate_lcmcr
from refwatch.estimate.loglinear import estimate_loglinear
from refwatch.estimate.simulation import latent_class_table
from refwatch.estimate.table import CaptureTable

World = Callable[[np.random.Generator, int], tuple[CaptureTable, int]]


def mv2016(rng: np.random.Generator, _: int) -> tuple[CaptureTable, int]:
    capture = [[0.033, 0.033, 0.099, 0.132, 0.033], [0.660, 0.825, 0.759, 0.990, 0.693]]
    return latent_class_table(rng, 2000, [0.9, 0.1], capture), 2000


def three_classes(rng: np.random.Generator, _: int) -> tuple[CaptureTable, int]:
    capture = [[0.30, 0.05, 0.25, 0.05], [0.05, 0.35, 0.05, 0.30], [0.50, 0.50, 0.45, 0.40]]
    return latent_class_table(rng, 1000, [0.5, 0.35, 0.15], capture), 1000


def independent(rng: np.random.Generator, _: int) -> tuple[CaptureTable, int]:
    return latent_class_table(rng, 1000, [1.0], [[0.25, 0.2, 0.3, 0.15]]), 1000


def referral(rng: np.random.Generator, _: int) -> tuple[CaptureTable, int]:
    total = 1000
    on1 = rng.random(total) < 0.3
    on2 = np.where(on1, rng.random(total) < 0.6, rng.random(total) < 0.05)
    on3 = rng.random(total) < 0.25
    on4 = rng.random(total) < 0.2
    seen = np.column_stack([on1, on2, on3, on4]).astype(np.int64)
    histories = seen @ (1 << np.arange(4))
    counts = np.bincount(histories, minlength=16).astype(np.int64)
    counts[0] = 0
    return CaptureTable(("L1", "L2", "L3", "L4"), counts), total


def refwatch_world(_: np.random.Generator, index: int) -> tuple[CaptureTable, int]:
    from refwatch.simulate.world import simulate_world

    people = 600
    with tempfile.TemporaryDirectory() as folder:
        summary = simulate_world(Path(folder), people=people, sources=4, seed=10_000 + index)
        lists: dict[str, set[str]] = defaultdict(set)
        with open(summary.truth, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                lists[row["true_person_id"]].add(row["source"])
    names = sorted({s for seen in lists.values() for s in seen})
    rows = [([int(n in seen) for n in names], 1) for seen in lists.values()]
    return CaptureTable.from_histories(names, rows), people


WORLDS: dict[str, World] = {
    "mv2016": mv2016,
    "three_classes": three_classes,
    "independent": independent,
    "referral": referral,
    "refwatch_world": refwatch_world,
}


def run(name: str, world: World, worlds: int, nboot: int, seed: int) -> list[str]:
    results: dict[str, list[tuple[float, float | None, float | None]]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    truth = 0
    started = time.perf_counter()
    for i in range(worlds):
        rng = np.random.default_rng([seed, i])
        table, truth = world(rng, i)
        try:
            ll = estimate_loglinear(table, nboot=nboot, seed=i)
            results["loglinear (bootstrap)"].append((ll.estimate, ll.lower, ll.upper))
            profile = ll.diagnostics["profile_interval"]
            assert isinstance(profile, dict)
            results["loglinear (profile)"].append((ll.estimate, profile["lower"], profile["upper"]))
        except EstimationError:
            failures["loglinear (bootstrap)"] += 1
            failures["loglinear (profile)"] += 1
        try:
            lc = estimate_lcmcr(table, LcmcrSettings(chains=2, seed=i))
            results["lcmcr"].append((lc.estimate, lc.lower, lc.upper))
        except EstimationError:
            failures["lcmcr"] += 1
    lines = []
    for method in ("loglinear (bootstrap)", "loglinear (profile)", "lcmcr"):
        rows = results[method]
        if not rows:
            lines.append(f"{name:<15} {method:<22} no estimates ({failures[method]} refused)")
            continue
        est = np.array([r[0] for r in rows])
        covered = np.array(
            [(r[1] is not None and r[1] <= truth) and (r[2] is None or truth <= r[2]) for r in rows]
        )
        widths = np.array(
            [(r[2] - r[1]) if r[1] is not None and r[2] is not None else np.inf for r in rows]
        )
        bias = (est.mean() - truth) / truth
        rmse = float(np.sqrt(np.mean((est - truth) ** 2)))
        lines.append(
            f"{name:<15} {method:<22} {len(rows):>4} {truth:>6} {est.mean():>9.0f} "
            f"{100 * bias:>+7.1f}% {rmse:>8.0f} {100 * covered.mean():>7.1f}% "
            f"{np.median(widths):>8.0f} {failures[method]:>5}"
        )
    lines.append(f"{'':<15} ({worlds} worlds in {time.perf_counter() - started:.0f} s)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worlds", type=int, default=100)
    parser.add_argument("--nboot", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--only", action="append", choices=sorted(WORLDS))
    options = parser.parse_args()
    print(
        f"load average {os.getloadavg()[0]:.2f}; {options.worlds} worlds per type; "
        f"bootstrap {options.nboot} replicates; LCMCR defaults (K=5, 10,000 burn-in, "
        "1,000 draws thinned by 10) with 2 chains"
    )
    print(
        f"{'world':<15} {'method':<22} {'n':>4} {'truth':>6} {'mean':>9} {'bias':>8} "
        f"{'RMSE':>8} {'cover95':>8} {'width':>8} {'refused':>5}"
    )
    for name in options.only or list(WORLDS):
        for line in run(name, WORLDS[name], options.worlds, options.nboot, options.seed):
            print(line, flush=True)


if __name__ == "__main__":
    main()
