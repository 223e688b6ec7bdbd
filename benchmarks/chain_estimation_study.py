"""End-to-end estimation study: raw case lists → import → linkage → estimate, on known worlds.

Each world comes from `refwatch.simulate.world.simulate_world` (with the named noise
preset when the generator has one), is imported with the real importer
(`refwatch.intake`), linked by the real linkage run (`refwatch.linkage.run_linkage`) and
estimated three ways in the same run:

- perfect: the capture histories of the true persons (truth.csv), the ceiling;
- fixed: the persons as RefWatch linked them, links taken as certain (`--linkage fixed`);
- aware: the linkage-aware estimate (the default, `refwatch.estimate.linkage_aware`).

For each method and linkage it prints: worlds, relative bias of the mean, RMSE, coverage
of the 95% interval with its Monte Carlo error, median interval width, median
|estimate/true − 1|, and the mean number of persons found against the true number seen.

Settings (people, sources, noise preset): see SETTINGS. Seeds: tuning worlds use seeds
from 1; the held-out seeds start at 100,000 (`--held-out`), run once at the end.

Run: .venv/bin/python benchmarks/chain_estimation_study.py --worlds 50 \
        [--setting hard5 ...] [--held-out] [--loglinear] [--out table.txt]
"""

from __future__ import annotations

import argparse
import csv
import inspect
import math
import os
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from refwatch.estimate import EstimateOptions, LcmcrSettings, estimate_from_workspace
from refwatch.estimate.api import estimate_from_table
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.table import CaptureTable
from refwatch.intake.importer import import_files
from refwatch.linkage import run_linkage
from refwatch.simulate import world as world_module
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.workspace import init_workspace

SECRET = Secret(passphrase="study passphrase")
FAST_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)
HELD_OUT_START = 100_000
LINKAGES = ("perfect", "fixed", "aware")


@dataclass(frozen=True)
class Setting:
    people: int
    sources: int
    noise: str


SETTINGS: dict[str, Setting] = {
    "realistic5": Setting(800, 5, "realistic"),
    "hard5": Setting(800, 5, "hard"),
    "hard4": Setting(800, 4, "hard"),
    "hard5_small": Setting(400, 5, "hard"),
}


def noise_rates(name: str) -> Any:
    """The generator's preset of that name, or None when it has no noise presets."""
    presets = getattr(world_module, "NOISE_PRESETS", None)
    if presets is None:
        return None
    if name not in presets:
        raise SystemExit(f"noise presets are {', '.join(presets)}, not {name!r}")
    return presets[name]


def make_world(folder: Path, setting: Setting, seed: int) -> Any:
    kwargs: dict[str, Any] = {"people": setting.people, "sources": setting.sources, "seed": seed}
    rates = noise_rates(setting.noise)
    if rates is not None and "noise" in inspect.signature(world_module.simulate_world).parameters:
        kwargs["noise"] = rates
    return world_module.simulate_world(folder, **kwargs)


def true_table(truth: Path) -> CaptureTable:
    lists: dict[str, set[str]] = defaultdict(set)
    with open(truth, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lists[row["true_person_id"]].add(row["source"])
    names = sorted({s for seen in lists.values() for s in seen})
    rows = [([int(n in seen) for n in names], 1) for seen in lists.values()]
    return CaptureTable.from_histories(names, rows)


def options_for(method: str, seed: int, linkage: str, draws: int) -> EstimateOptions:
    return EstimateOptions(
        method=method,  # type: ignore[arg-type]
        seed=seed,
        interval="profile",
        nboot=0,
        linkage=linkage,  # type: ignore[arg-type]
        linkage_draws=draws,
        lcmcr=LcmcrSettings(chains=2, seed=seed, processes=1),
    )


def one_world(
    setting: Setting, seed: int, methods: list[str], draws: int
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    rows: list[dict[str, Any]] = []
    timing: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="refwatch-chain-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        summary = make_world(root / "world", setting, seed)
        workspace = init_workspace(root / "ws", SECRET, kdf=FAST_KDF)
        cipher = FieldCipher(workspace.unlock(SECRET))
        import_files(workspace, cipher, list(summary.case_lists), actor="study")
        timing["import"] = time.perf_counter() - started
        started = time.perf_counter()
        linked = run_linkage(workspace, cipher, "study")
        timing["link"] = time.perf_counter() - started
        perfect = true_table(summary.truth)
        for method in methods:
            for linkage in LINKAGES:
                started = time.perf_counter()
                row: dict[str, Any] = {
                    "seed": seed,
                    "method": method,
                    "linkage": linkage,
                    "truth": setting.people,
                    "seen_true": perfect.n,
                    "persons": perfect.n if linkage == "perfect" else linked.persons,
                }
                try:
                    if linkage == "perfect":
                        result = estimate_from_table(
                            perfect, options_for(method, seed, "fixed", draws)
                        )
                    else:
                        result = estimate_from_workspace(
                            workspace, options=options_for(method, seed, linkage, draws)
                        ).total
                    row.update(estimate=result.estimate, lower=result.lower, upper=result.upper)
                    if result.linkage:
                        row["share"] = result.linkage["share_of_width"]
                except EstimationError as exc:
                    row["error"] = str(exc)[:80]
                timing[f"{method}/{linkage}"] = time.perf_counter() - started
                rows.append(row)
        workspace.close()
    return rows, timing


def summarise(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"  {'method':<10} {'linkage':<8} {'n':>3} {'bias':>7} {'RMSE':>6} "
        f"{'cover95 ± MC se':>18} {'width':>6} {'med|e/t-1|':>10} {'persons/seen':>13} "
        f"{'link share':>10}"
    ]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r["method"], r["linkage"])].append(r)
    for (method, linkage), group in sorted(
        groups.items(), key=lambda g: (g[0][0], LINKAGES.index(g[0][1]))
    ):
        ok = [r for r in group if "estimate" in r]
        failed = len(group) - len(ok)
        if not ok:
            lines.append(f"  {method:<10} {linkage:<8} no estimates ({failed} refused)")
            continue
        truth = np.array([r["truth"] for r in ok], dtype=float)
        est = np.array([r["estimate"] for r in ok], dtype=float)
        covered = np.array(
            [
                r["lower"] is not None
                and r["lower"] <= r["truth"]
                and (r["upper"] is None or r["truth"] <= r["upper"])
                for r in ok
            ]
        )
        widths = np.array(
            [(r["upper"] - r["lower"]) if r["upper"] is not None else math.inf for r in ok]
        )
        n = len(ok)
        cover = covered.mean()
        mc = math.sqrt(max(cover * (1 - cover), 1e-12) / n)
        bias = float(np.mean(est / truth - 1))
        rmse = float(np.sqrt(np.mean((est - truth) ** 2)))
        med_rel = float(np.median(np.abs(est / truth - 1)))
        persons = np.mean([r["persons"] / r["seen_true"] for r in ok])
        shares = [r["share"] for r in ok if "share" in r]
        share = f"{100 * np.median(shares):>9.0f}%" if shares else f"{'':>10}"
        lines.append(
            f"  {method:<10} {linkage:<8} {n:>3} {100 * bias:>+6.1f}% {rmse:>6.0f} "
            f"{int(covered.sum()):>3}/{n:<3} = {100 * cover:>3.0f}% ± {100 * mc:>2.0f}% "
            f"{np.median(widths):>6.0f} {100 * med_rel:>9.1f}% {persons:>13.3f} {share}"
            + (f"  ({failed} refused)" if failed else "")
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=50)
    parser.add_argument("--setting", action="append", choices=sorted(SETTINGS))
    parser.add_argument("--held-out", action="store_true", help="Use the held-out seeds.")
    parser.add_argument("--loglinear", action="store_true", help="Also log-linear (profile).")
    parser.add_argument("--draws", type=int, default=30, help="Linkages drawn (aware).")
    parser.add_argument("--first-seed", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="Also write the table here.")
    parser.add_argument("--rows", type=Path, default=None, help="Per-world rows (CSV).")
    args = parser.parse_args()
    methods = ["lcmcr", "loglinear"] if args.loglinear else ["lcmcr"]
    first = args.first_seed or (HELD_OUT_START if args.held_out else 1)
    out_lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        out_lines.append(line)
        if args.out is not None:
            args.out.write_text("\n".join(out_lines) + "\n", encoding="utf-8")

    say(
        f"chain estimation study; load average {os.getloadavg()[0]:.2f}; "
        f"{'held-out' if args.held_out else 'tuning'} seeds from {first}; "
        f"LCMCR K=5, 10,000 burn-in, 2 chains (fixed, perfect); aware: {args.draws} linkages, "
        "one chain each; log-linear: BIC, profile interval"
    )
    writer = None
    if args.rows is not None:
        handle = open(args.rows, "w", encoding="utf-8", newline="")  # noqa: SIM115
        fields = [
            "setting", "seed", "method", "linkage", "truth", "seen_true", "persons",
            "estimate", "lower", "upper", "share", "error",
        ]  # fmt: skip
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
    for name in args.setting or ["realistic5", "hard5", "hard4"]:
        setting = SETTINGS[name]
        rows: list[dict[str, Any]] = []
        started = time.perf_counter()
        times: dict[str, list[float]] = defaultdict(list)
        for i in range(args.worlds):
            world_rows, timing = one_world(setting, first + i, methods, args.draws)
            rows.extend(world_rows)
            for key, value in timing.items():
                times[key].append(value)
            if writer is not None:
                for r in world_rows:
                    writer.writerow({"setting": name, **r})
                handle.flush()
        say(
            f"{name}: {setting.people} people, {setting.sources} lists, noise "
            f"{setting.noise!r}; {args.worlds} worlds in {time.perf_counter() - started:.0f} s "
            "(median s per world: "
            + ", ".join(f"{k} {np.median(v):.1f}" for k, v in times.items())
            + ")"
        )
        for line in summarise(rows):
            say(line)


if __name__ == "__main__":
    main()
