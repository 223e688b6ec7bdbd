"""Import speed: rows per second for a 100,000-row case list with encryption on.

Builds a synthetic case list (refwatch simulate), then imports it into a fresh workspace on
SQLite and, when REFWATCH_TEST_PG (or --pg URL) names a server, on PostgreSQL. As a
baseline measured in the same run it times reading and validating the same file without
any database, so the ratio shows what storage and encryption add.

    .venv/bin/python benchmarks/import_speed.py [--rows 100000] [--pg URL]
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
import uuid
from pathlib import Path

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.intake.importer import import_file, read_records
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.workspace import init_workspace


def build_case_list(folder: Path, rows: int) -> Path:
    """One CSV of exactly `rows` rows drawn from a synthetic world's source lists."""
    world = simulate_world(folder / "world", people=int(rows * 0.8), sources=4, seed=7)
    out = folder / "caselist.csv"
    written = 0
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CASE_COLUMNS))
        writer.writeheader()
        while written < rows:
            for path in world.case_lists:
                with open(path, encoding="utf-8", newline="") as source:
                    for record in csv.DictReader(source):
                        if written >= rows:
                            break
                        if written >= world.rows:  # second pass: new record ids
                            record["record_id"] = f"{record['record_id']}-r{written}"
                        writer.writerow(record)
                        written += 1
    return out


def time_import(folder: Path, case_list: Path, db_url: str | None) -> tuple[float, int]:
    secret = Secret(passphrase="benchmark passphrase")
    schema = f"rwbench_{uuid.uuid4().hex[:10]}" if db_url else None
    workspace = init_workspace(
        folder / f"ws-{uuid.uuid4().hex[:6]}", secret, db_url=db_url, schema=schema
    )
    try:
        cipher = FieldCipher(workspace.unlock(secret))
        start = time.perf_counter()
        summary = import_file(workspace, cipher, case_list)
        elapsed = time.perf_counter() - start
        return elapsed, summary.new
    finally:
        workspace.close()
        if db_url and schema:
            drop_pg_schema(db_url, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("REFWATCH_TEST_PG"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refwatch-bench-") as tmp:
        folder = Path(tmp)
        case_list = build_case_list(folder, args.rows)
        start = time.perf_counter()
        records = read_records(case_list)
        baseline = time.perf_counter() - start
        n = len(records)
        print(f"case list: {n} rows, {case_list.stat().st_size / 2**20:.1f} MiB")
        rate = n / baseline
        print(f"baseline (read + validate, no database): {rate:,.0f} rows/s ({baseline:.2f} s)")
        engines = [("sqlite", None)] + ([("postgresql", args.pg)] if args.pg else [])
        for name, url in engines:
            elapsed, new = time_import(folder, case_list, url)
            assert new == n, (new, n)
            print(
                f"import on {name}: {n / elapsed:,.0f} rows/s ({elapsed:.2f} s), "
                f"{baseline / elapsed:.2f}x the baseline rate"
            )
        if not args.pg:
            print("postgresql: not measured (set REFWATCH_TEST_PG or pass --pg URL)")


if __name__ == "__main__":
    main()
