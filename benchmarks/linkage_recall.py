"""Linkage recall and precision through the real chain, per noise preset (issue 12).

For each noise preset and seed it writes a synthetic world (`simulate_world`, 800
persons and 5 sources by default), and for each code tree it makes a fresh workspace,
runs `refwatch import` and `refwatch link --json` as child processes and scores the
persons found against truth.csv: pairwise precision, recall and F1, B-cubed F1, persons
found vs true, and the time `refwatch link` took.

The baseline is today's (or any earlier) code measured in the same run on the same case
lists: `--baseline-tree DIR` names a folder holding an older `refwatch/` package (e.g.
`git archive <commit> refwatch | tar -x -C DIR`); its children run with PYTHONPATH=DIR.

Tune on seeds 1-10; report the held-out seeds 1001-1010 once:

    .venv/bin/python benchmarks/linkage_recall.py --presets none hard --seeds 1 2 3
    .venv/bin/python benchmarks/linkage_recall.py --presets hard --seeds 1001 ... 1010 \\
        --baseline-tree /tmp/rw-base
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Hashable
from pathlib import Path

from refwatch.linkage.quality import Quality, evaluate
from refwatch.simulate.world import NOISE_PRESETS, simulate_world

THIS_TREE = Path(__file__).resolve().parents[1]
PASSPHRASE = "benchmark passphrase"
_INIT = (
    "import sys; from pathlib import Path; "
    "from refwatch.store.keys import KdfParams, Secret; "
    "from refwatch.store.workspace import init_workspace; "
    "init_workspace(Path(sys.argv[1]), Secret(passphrase=sys.argv[2]), "
    "kdf=KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)).close()"
)
_MENTIONS = (
    "import sys, json; from pathlib import Path; "
    "from refwatch.store.workspace import open_workspace; "
    "from refwatch.store.queries import current_mentions; "
    "ws = open_workspace(Path(sys.argv[1]))\n"
    "with ws.read() as c:\n"
    "    rows = [[r.source, r.record_id, r.person_id] "
    "for r in c.execute(current_mentions()).all()]\n"
    "print(json.dumps(rows))"
)


def _child(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{' '.join(args[:3])} failed with status {done.returncode}")
    return done.stdout


def chain(world: Path, case_lists: list[Path], tree: Path | None, folder: Path) -> dict[str, float]:
    """Import and link one world with one code tree; quality and link time."""
    python = sys.executable
    refwatch = str(Path(python).with_name("refwatch"))
    env = {
        **os.environ,
        "REFWATCH_PASSPHRASE": PASSPHRASE,
        "REFWATCH_ACTOR": "benchmark",
        "REFWATCH_WORKSPACE": str(folder),
    }
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    else:
        # This checkout, not whatever the environment installed: a worktree's venv
        # link points at another checkout, whose code the "new" side would run.
        env["PYTHONPATH"] = str(THIS_TREE)
    _child([python, "-c", _INIT, str(folder), PASSPHRASE], env)
    _child([refwatch, "import", *map(str, case_lists), "--json"], env)
    start = time.perf_counter()
    summary = json.loads(_child([refwatch, "link", "--json"], env))
    seconds = time.perf_counter() - start
    rows = json.loads(_child([python, "-c", _MENTIONS, str(folder)], env))
    with open(world / "truth.csv", encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}
    found: dict[Hashable, Hashable] = {(s, r): p for s, r, p in rows}
    true: dict[Hashable, Hashable] = {(s, r): truth[(s, r)] for s, r, _ in rows}
    quality: Quality = evaluate(found, true)
    return {**quality.as_dict(), "seconds": seconds, "mentions": summary["mentions"]}


def _line(label: str, q: dict[str, float]) -> str:
    return (
        f"  {label:<10} P {q['pairwise_precision']:.4f} R {q['pairwise_recall']:.4f} "
        f"F1 {q['pairwise_f1']:.4f} | B3 F1 {q['bcubed_f1']:.4f} | persons "
        f"{int(q['persons_found']):>4} vs true {int(q['persons_true']):>4} | "
        f"link {q['seconds']:5.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=list(range(1, 11)))
    parser.add_argument(
        "--presets", nargs="*", default=["none", "hard"], choices=sorted(NOISE_PRESETS)
    )
    parser.add_argument("--people", type=int, default=800)
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--baseline-tree", type=Path, help="folder holding an older refwatch/")
    parser.add_argument("--only-baseline", action="store_true", help="skip the current code")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    trees: list[tuple[str, Path | None]] = [] if args.only_baseline else [("new", None)]
    if args.baseline_tree is not None:
        trees.insert(0, ("baseline", args.baseline_tree))
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="refwatch-recall-") as tmp:
        root = Path(tmp)
        for preset in args.presets:
            per_tree: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
            for seed in args.seeds:
                world = root / f"{preset}-{seed}"
                summary = simulate_world(
                    world,
                    people=args.people,
                    sources=args.sources,
                    seed=seed,
                    noise=NOISE_PRESETS[preset],
                )
                print(
                    f"{preset} noise, seed {seed}: {summary.rows} rows, "
                    f"{summary.persons_reported} persons reported"
                )
                for label, tree in trees:
                    q = chain(
                        world, list(summary.case_lists), tree, root / f"ws-{label}-{preset}-{seed}"
                    )
                    per_tree[label].append(q)
                    results.append({"preset": preset, "seed": seed, "code": label, **q})
                    print(_line(label, q), flush=True)
            print(f"{preset} noise, {len(args.seeds)} worlds (median; min recall; min precision):")
            for label, qs in per_tree.items():
                med = {k: statistics.median(q[k] for q in qs) for k in qs[0]}
                print(
                    _line(label, med) + f" | min R {min(q['pairwise_recall'] for q in qs):.4f}"
                    f" min P {min(q['pairwise_precision'] for q in qs):.4f}"
                )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
