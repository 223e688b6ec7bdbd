"""Other tools' formats: how fast the Uwazi and HURIDOCS ESF exports and the Uwazi import run.

Imports a synthetic case list (refwatch simulate) into a fresh SQLite workspace, then times
each export against the plain `persons` CSV export measured in the same run (the
baseline), and the import of RefWatch's own Uwazi file through its mapping into a fresh
workspace against the import of a case list of as many rows.

    .venv/bin/python benchmarks/interop_speed.py [--rows 20000]
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from bench_common import build_case_list, timed, workspace

from refwatch.intake import huridocs, uwazi, uwazi_export
from refwatch.intake.export import export
from refwatch.intake.importer import import_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refwatch-bench-") as tmp:
        folder = Path(tmp)
        case_list = build_case_list(folder, args.rows)
        ws, cipher = workspace(folder)
        seconds, summary = timed(lambda: import_file(ws, cipher, case_list))
        print(f"case list: {summary.rows} rows imported in {seconds:.2f} s (SQLite)")

        def through(fmt: str, kind: str, out: IO[Any]) -> int:
            return export(ws, kind, fmt, out, actor="bench")

        base, persons = timed(lambda: through("csv", "persons", io.StringIO()))
        print(f"baseline, persons as csv: {persons} persons in {base:.2f} s")
        outputs: tuple[tuple[str, str, io.StringIO | io.BytesIO], ...] = (
            ("uwazi-csv", "persons", io.StringIO()),
            ("huridocs-json", "events", io.StringIO()),
            ("huridocs-csv", "events", io.BytesIO()),
        )
        for fmt, kind, out in outputs:
            start = time.perf_counter()
            count = through(fmt, kind, out)
            seconds = time.perf_counter() - start
            size = len(out.getvalue())
            print(
                f"{fmt}: {count} records, {size / 2**20:.1f} MiB in {seconds:.2f} s, "
                f"{seconds / base:.1f}x the baseline time"
            )
            if fmt == "uwazi-csv":
                exported = folder / "uwazi.csv"
                exported.write_text(str(out.getvalue()), encoding="utf-8")
        mapping = folder / "mapping.json"
        mapping.write_text(
            json.dumps(uwazi_export.export_mapping("Benchmark Uwazi")), encoding="utf-8"
        )
        target, target_cipher = workspace(folder)
        seconds, done = timed(
            lambda: uwazi.import_uwazi(target, target_cipher, exported, mapping, actor="bench")
        )
        plain, plain_cipher = workspace(folder)
        rows = done.rows
        lines = case_list.read_text(encoding="utf-8").splitlines()[: rows + 1]
        same_size = folder / "same_size.csv"
        same_size.write_text("\n".join(lines) + "\n", encoding="utf-8")
        base_import, _ = timed(lambda: import_file(plain, plain_cipher, same_size))
        print(
            f"uwazi import: {rows} entities in {seconds:.2f} s ({rows / seconds:,.0f} rows/s); "
            f"a case list of {rows} rows: {base_import:.2f} s; "
            f"{seconds / base_import:.2f}x its time"
        )
        with target.read() as conn:
            assert len(huridocs.profiles(conn, None, frozenset())) == rows
        for opened in (ws, target, plain):
            opened.close()


if __name__ == "__main__":
    main()
