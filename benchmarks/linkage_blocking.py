"""Blocking, rule by rule: candidate pairs, true pairs found, and time per rule.

Why: the scale regression of settings version 2 (issue 12) came from blocking rules that
look harmless on 800 persons and make tens of millions of candidates among 100,000 (a
common given name, a common Hangul name and sex). This measures each rule of
`BLOCKING_RULES` (or of a file of rules) on one world without training or scoring: the
pairs it finds, the pairs no earlier rule found (what Splink scores for it), how many of
those are true pairs, and the time of its join. The feature table stays in memory.

    .venv/bin/python benchmarks/linkage_blocking.py --people 800 --noise hard --seed 3
    .venv/bin/python benchmarks/linkage_blocking.py --keep /tmp/scale/m100000

`--keep DIR` reads the workspace DIR/ws and DIR/world/truth.csv that
benchmarks/linkage_scale.py --keep builds.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from refwatch.intake.importer import import_files
from refwatch.linkage.features import load_mentions
from refwatch.linkage.settings import BLOCKING_RULES, LinkageConfig
from refwatch.simulate.world import NOISE_PRESETS, simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.queries import current_mentions
from refwatch.store.workspace import init_workspace, open_workspace

SECRET = Secret(passphrase="benchmark passphrase")
FAST_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)


def features_with_truth(ws_dir: Path, truth_path: Path, key_cap: int | None = None) -> pa.Table:
    """The run's feature table with a `truth` column (the true person of each row)."""
    with open(truth_path, encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}
    with open_workspace(ws_dir) as workspace, workspace.read() as conn:
        cipher = FieldCipher(workspace.unlock(SECRET))
        config = LinkageConfig()
        table = load_mentions(
            conn,
            cipher,
            rare_name_cap=config.rare_name_cap,
            key_cap=config.key_cap if key_cap is None else key_cap,
        )
        where = {r.id: (r.source, r.record_id) for r in conn.execute(current_mentions())}
    true = [truth[where[m]] for m in table.mention_ids]
    return table.table.append_column("truth", pa.array(true, pa.string()))


def blocking_report(table: pa.Table, rules: tuple[str, ...]) -> list[dict[str, float]]:
    """Per rule: pairs, new pairs (not found by an earlier rule), new true pairs, seconds."""
    con = duckdb.connect(":memory:")
    con.execute("SET temp_directory = ''")
    con.register("features", table)
    con.execute("CREATE TABLE t AS SELECT * FROM features")
    con.execute("CREATE TABLE found (a BIGINT, b BIGINT, hit BOOLEAN)")
    report = []
    for rule in rules:
        start = time.perf_counter()
        con.execute(
            "CREATE OR REPLACE TABLE rule_pairs AS SELECT l.unique_id AS a, r.unique_id AS b, "
            f"l.truth = r.truth AS hit FROM t l JOIN t r ON l.unique_id < r.unique_id AND ({rule})"
        )
        seconds = time.perf_counter() - start
        pairs = con.execute("SELECT count(*) FROM rule_pairs").fetchone()
        new = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE hit) FROM rule_pairs p "
            "ANTI JOIN found f ON p.a = f.a AND p.b = f.b"
        ).fetchone()
        con.execute(
            "INSERT INTO found SELECT * FROM rule_pairs p "
            "ANTI JOIN found f ON p.a = f.a AND p.b = f.b"
        )
        assert pairs is not None and new is not None
        report.append({"pairs": pairs[0], "new": new[0], "new_true": new[1], "seconds": seconds})
    total_true = con.execute(
        "SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM t GROUP BY truth)"
    ).fetchone()
    report.append({"true_pairs": float(total_true[0]) if total_true else 0.0})
    con.close()
    return report


def print_report(table: pa.Table, rules: tuple[str, ...], report: list[dict[str, float]]) -> None:
    rows = table.num_rows
    true_pairs = report[-1]["true_pairs"]
    found = found_true = 0.0
    for index, (rule, line) in enumerate(zip(rules, report, strict=False)):
        found += line["new"]
        found_true += line["new_true"]
        print(
            f"{index:>2} {line['pairs']:>11,.0f} pairs {line['new']:>11,.0f} new "
            f"{line['new_true']:>8,.0f} new true {line['seconds']:6.2f} s  {rule[:90]}"
        )
    print(
        f"{rows:,} mentions: {found:,.0f} candidate pairs ({found / rows:.1f} per mention), "
        f"{found_true:,.0f} of {true_pairs:,.0f} true pairs ({found_true / max(true_pairs, 1):.4f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=800)
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--noise", default="none", choices=sorted(NOISE_PRESETS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="a folder linkage_scale.py --keep built")
    parser.add_argument("--rules", type=Path, help="a file of rules, one a line")
    parser.add_argument("--key-cap", type=int, help="LinkageConfig.key_cap (default: its own)")
    args = parser.parse_args()
    rules = (
        tuple(line for line in args.rules.read_text().splitlines() if line.strip())
        if args.rules
        else BLOCKING_RULES
    )
    with tempfile.TemporaryDirectory(prefix="refwatch-blocking-") as tmp:
        if args.keep:
            ws_dir, truth = args.keep / "ws", args.keep / "world" / "truth.csv"
        else:
            world = simulate_world(
                Path(tmp) / "world",
                people=args.people,
                sources=args.sources,
                seed=args.seed,
                noise=NOISE_PRESETS[args.noise],
            )
            ws_dir, truth = Path(tmp) / "ws", world.truth
            workspace = init_workspace(ws_dir, SECRET, kdf=FAST_KDF)
            import_files(workspace, FieldCipher(workspace.unlock(SECRET)), list(world.case_lists))
            workspace.close()
        start = time.perf_counter()
        table = features_with_truth(ws_dir, truth, args.key_cap)
        print(f"feature table: {table.num_rows:,} rows in {time.perf_counter() - start:.1f} s")
        print_report(table, rules, blocking_report(table, rules))


if __name__ == "__main__":
    main()
