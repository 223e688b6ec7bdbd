"""Linkage at scale: wall time and peak memory of `refwatch link` for 10k, 100k (and 1M) mentions.

For each size it writes a synthetic world (refwatch simulate), imports it into a fresh
SQLite workspace, then runs `refwatch link --json` as a child process and reads the
child's peak resident memory from the kernel (wait4). As a baseline measured in the same
run it times `refwatch export mentions` on the same workspace (one full pass over the
evidence, no names), so the ratio says how many full passes linking costs. The truth
file gives pairwise and B-cubed F1 at every size.

    .venv/bin/python benchmarks/linkage_scale.py [--sizes 10000 100000] [--million]
                                                 [--keep DIR] [--baseline-tree DIR ...]
                                                 [--alerts-first]

--alerts-first evaluates the alert rules on each copy before it is linked, as a workspace
imported with `refwatch import` would have them (and its counting snapshot on disk); the
command's time then includes re-evaluating stored alerts rather than opening them all.
--million adds the 1,000,000-mention run (building and importing that world takes a
while; --keep DIR reuses worlds and workspaces built by an earlier run).
--baseline-tree DIR ... also links each world with older `refwatch/` packages held in
each DIR (e.g. `git archive <commit> refwatch | tar -x -C DIR`; labelled by the folder's
name), right before the current code (unless --only-baseline), each on its own copy of
the freshly imported workspace, so they are measured back to back on a shared machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from refwatch.intake.importer import import_files
from refwatch.linkage.quality import evaluate
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.queries import current_mentions
from refwatch.store.workspace import init_workspace, open_workspace

THIS_TREE = Path(__file__).resolve().parents[1]
PASSPHRASE = "benchmark passphrase"
MENTIONS_PER_PERSON = 1.02  # what simulate_world's four sources give at these sizes


def build(folder: Path, mentions: int, seed: int) -> tuple[Path, Path, float]:
    """A workspace holding a world of about `mentions` mentions; (workspace, truth, import s)."""
    world_dir, ws_dir = folder / "world", folder / "ws"
    truth = world_dir / "truth.csv"
    if (ws_dir / "workspace.json").exists() and truth.exists():
        return ws_dir, truth, float("nan")
    world = simulate_world(
        world_dir, people=int(mentions / MENTIONS_PER_PERSON), sources=4, seed=seed
    )
    secret = Secret(passphrase=PASSPHRASE)
    workspace = init_workspace(ws_dir, secret)
    try:
        start = time.perf_counter()
        import_files(workspace, FieldCipher(workspace.unlock(secret)), list(world.case_lists))
        return ws_dir, truth, time.perf_counter() - start
    finally:
        workspace.close()


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run a child and measure its own peak memory (not the benchmark's)."""
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    out = child.stdout.read()
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace"))
        raise SystemExit(f"{' '.join(args[:4])} failed with status {child.returncode}")
    return elapsed, usage.ru_maxrss * 1024, out.decode("utf-8")


def evaluate_alerts(refwatch: str, env: dict[str, str], label: str) -> None:
    """Open every alert once, as the CLI's import does after its commit (the counting
    snapshot is then kept on disk), so that the link is timed as a user's would be."""
    started = time.perf_counter()
    subprocess.run([refwatch, "alerts"], env=env, stdout=subprocess.DEVNULL, check=True)
    print(f"{label:>8} alerts evaluated first in {time.perf_counter() - started:.1f} s", flush=True)


def quality(ws_dir: Path, truth_path: Path) -> dict[str, float]:
    with open(truth_path, encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}
    with open_workspace(ws_dir) as workspace, workspace.read() as conn:
        rows = conn.execute(current_mentions()).all()
    found = {r.id: r.person_id for r in rows}
    true = {r.id: truth[(r.source, r.record_id)] for r in rows}
    return evaluate(found, true).as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="also 1,000,000 mentions")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) built worlds")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument(
        "--baseline-tree", type=Path, nargs="*", default=[], help="folders holding refwatch/"
    )
    parser.add_argument("--only-baseline", action="store_true", help="skip the current code")
    parser.add_argument(
        "--alerts-first",
        action="store_true",
        help="evaluate the alert rules on each copy before linking (`refwatch alerts`), as "
        "`refwatch import` would have: the link then re-evaluates stored alerts",
    )
    args = parser.parse_args()
    trees: list[tuple[str, Path | None]] = [(tree.name, tree) for tree in args.baseline_tree]
    if not args.only_baseline:
        trees.append(("new", None))
    sizes = list(args.sizes) + ([1_000_000] if args.million else [])
    refwatch = str(Path(sys.executable).with_name("refwatch"))
    env = {**os.environ, "REFWATCH_PASSPHRASE": PASSPHRASE, "REFWATCH_ACTOR": "benchmark"}
    with tempfile.TemporaryDirectory(prefix="refwatch-link-bench-") as tmp:
        root = args.keep or Path(tmp)
        print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
        for size in sizes:
            built, truth, imported = build(root / f"m{size}", size, args.seed)
            for label, tree in trees:
                # Each code links its own copy of the imported, never linked workspace.
                ws_dir = built.with_name(f"ws-{label}")
                if ws_dir.exists():
                    shutil.rmtree(ws_dir)
                shutil.copytree(built, ws_dir)
                base_env = {**env, "REFWATCH_WORKSPACE": str(ws_dir)}
                if tree is not None:
                    base_env["PYTHONPATH"] = str(tree)
                else:
                    # This checkout, not whatever the environment installed: a worktree's venv
                    # link points at another checkout, whose code the "new" side would run.
                    base_env["PYTHONPATH"] = str(THIS_TREE)
                if args.alerts_first:
                    evaluate_alerts(refwatch, base_env, label)
                baseline, _, _ = run_child(
                    [refwatch, "export", "mentions", "--format", "csv", "--out", os.devnull],
                    base_env,
                )
                elapsed, peak, out = run_child([refwatch, "link", "--json"], base_env)
                summary = json.loads(out)
                scores = quality(ws_dir, truth)
                shutil.rmtree(ws_dir)
                print(
                    f"{label:>8} {summary['mentions']:>9,} mentions: refwatch link "
                    f"{elapsed:7.1f} s, peak memory {peak / 2**30:5.2f} GiB, "
                    f"{elapsed / baseline:5.1f}x a full export ({baseline:.1f} s); "
                    f"pairs scored {summary['pairs_scored']:,}, kept {summary['pairs_kept']:,}; "
                    f"persons found {summary['persons']:,} vs true {scores['persons_true']:,}; "
                    f"pairwise P {scores['pairwise_precision']:.4f} "
                    f"R {scores['pairwise_recall']:.4f} F1 {scores['pairwise_f1']:.4f}; "
                    f"B-cubed F1 {scores['bcubed_f1']:.4f}"
                    + ("" if imported != imported else f"; import took {imported:.0f} s")
                    + f"; load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                stages = summary.get("stages", {})  # older codes' summaries have none
                if stages:
                    print(
                        " " * 9
                        + "steps: "
                        + "; ".join(f"{k} {v:.1f} s" for k, v in stages.items()),
                        flush=True,
                    )


if __name__ == "__main__":
    main()
