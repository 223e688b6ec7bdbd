"""Linkage quality against a known truth: pairwise and B-cubed F1, persons found vs true.

Worlds come from `refwatch.simulate` (400 persons and 4 sources, several seeds; one
world of 100,000 persons) and from the demo (92 invented persons). Two baselines are
measured in the same run on the same workspaces:

- "same name key": mentions whose spelling-insensitive name keys are equal are one
  person (no other evidence);
- "Splink pairs >= 0.5, connected": the run's own pair scores, clustered the usual way
  (every pair at or above 0.5 joins, transitively) instead of by average link.

    .venv/bin/python benchmarks/linkage_quality.py [--seeds 1 2 3 4 5] [--skip-100k]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from refwatch.intake.importer import import_files
from refwatch.linkage import run_linkage
from refwatch.linkage.features import load_mentions
from refwatch.linkage.quality import Quality, evaluate
from refwatch.simulate.load_demo import build_demo
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.queries import current_mentions
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkagePair
from refwatch.store.workspace import Workspace, init_workspace, open_workspace

SECRET = Secret(passphrase="benchmark passphrase")
FAST_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)


def components(items: list[str], edges: list[tuple[str, str]]) -> dict[str, str]:
    parent = {i: i for i in items}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in items}


def line(label: str, q: Quality) -> str:
    return (
        f"  {label:<34} pairwise P {q.pairwise_precision:.4f} R {q.pairwise_recall:.4f} "
        f"F1 {q.pairwise_f1:.4f} | B-cubed F1 {q.bcubed_f1:.4f} | persons {q.persons_found:,} "
        f"vs true {q.persons_true:,}"
    )


def measure(workspace: Workspace, cipher: FieldCipher, truth: dict[tuple[str, str], str]) -> None:
    start = time.perf_counter()
    summary = run_linkage(workspace, cipher, "benchmark")
    elapsed = time.perf_counter() - start
    with workspace.read() as conn:
        rows = conn.execute(current_mentions()).all()
        table = load_mentions(conn, cipher)
        pairs = conn.execute(select(table_of(LinkagePair))).all()
    true = {r.id: truth[(r.source, r.record_id)] for r in rows}
    found = {r.id: r.person_id for r in rows}
    print(f" {summary.mentions:,} mentions, linked in {elapsed:.1f} s")
    print(line("RefWatch (Splink + average link)", evaluate(found, true)))
    keys = table.table.column("name_key").to_pylist()
    by_key: dict[str, str] = {}
    key_edges = []
    for mention_id, key in zip(table.mention_ids, keys, strict=True):
        if key is None:
            continue
        if key in by_key:
            key_edges.append((by_key[key], mention_id))
        else:
            by_key[key] = mention_id
    print(line("baseline: same name key", evaluate(components(table.mention_ids, key_edges), true)))
    strong = [(p.mention_a, p.mention_b) for p in pairs if p.match_probability >= 0.5]
    print(
        line(
            "baseline: Splink pairs >= 0.5, connected",
            evaluate(components(table.mention_ids, strong), true),
        )
    )


def world(folder: Path, people: int, seed: int) -> None:
    summary = simulate_world(folder / "world", people=people, sources=4, seed=seed)
    workspace = init_workspace(folder / "ws", SECRET, kdf=FAST_KDF)
    cipher = FieldCipher(workspace.unlock(SECRET))
    import_files(workspace, cipher, list(summary.case_lists))
    with open(summary.truth, encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}
    print(f"world of {people:,} persons, 4 sources, seed {seed}:", end="")
    measure(workspace, cipher, truth)
    workspace.close()


def demo(folder: Path) -> None:
    build_demo(folder / "demo", SECRET, folder / "scratch", kdf=FAST_KDF)
    from refwatch.simulate.demo import write_demo

    files = write_demo(folder / "files")
    with open(files.truth, encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}
    with open_workspace(folder / "demo") as workspace:
        print("demo (92 invented persons, 5 sources):", end="")
        measure(workspace, FieldCipher(workspace.unlock(SECRET)), truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3, 4, 5])
    parser.add_argument("--skip-100k", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refwatch-quality-") as tmp:
        root = Path(tmp)
        for seed in args.seeds:
            world(root / f"w400-{seed}", 400, seed)
        demo(root / "demo")
        if not args.skip_100k:
            world(root / "w100k", 100_000, 1)
    print("FEBRL (an outside reference): see benchmarks/linkage_febrl.py.")


if __name__ == "__main__":
    main()
