"""Field-form import speed: a KoBoToolbox CSV export of N submissions (one in ten with an
attachment beside it) imported into a fresh SQLite workspace, then imported again (which
must change nothing), and what format detection costs a plain case list.

    .venv/bin/python benchmarks/form_import_speed.py [--submissions 5000]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the export fixtures

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.intake.importer import import_file
from refwatch.intake.registry import find_reader
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.workspace import init_workspace
from tests.intake.submission_exports import (
    submission,
    write_kobo_csv,
)

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 200  # about 50 KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subs = []
        for n in range(1, args.submissions + 1):
            document = f"photo-{n}.png" if n % 10 == 0 else ""
            if document:
                (folder / document).write_bytes(PHOTO)
            subs.append(submission(n, document=document))
        path = write_kobo_csv(folder / "kobo.csv", subs)
        secret = Secret(passphrase="benchmark passphrase")
        kdf = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)
        with init_workspace(folder / "ws", secret, actor="bench", kdf=kdf) as ws:
            cipher = FieldCipher(ws.unlock(secret))
            start = time.perf_counter()
            first = import_file(ws, cipher, path)
            took = time.perf_counter() - start
            print(
                f"first import: {first.rows} rows ({first.new} new) in {took:.2f} s "
                f"= {first.rows / took:,.0f} rows/s"
            )
            start = time.perf_counter()
            again = import_file(ws, cipher, path)
            took = time.perf_counter() - start
            print(f"re-import: {again.unchanged} unchanged, {again.new} new in {took:.2f} s")
        plain = folder / "caselist.csv"
        with plain.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(CASE_COLUMNS))
            writer.writeheader()
            for n in range(100_000):
                writer.writerow({"source": "Bench", "record_id": str(n), "name_latin": "X Y"})
        start = time.perf_counter()
        for _ in range(100):
            name = find_reader(plain).name
        took = (time.perf_counter() - start) / 100
        print(
            f"detecting a 100,000-row case list ({plain.stat().st_size / 2**20:.1f} MiB) "
            f"as {name}: {took * 1000:.2f} ms"
        )


if __name__ == "__main__":
    main()
