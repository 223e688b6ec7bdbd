"""Reading attachments back and exporting with names: a KoBoToolbox export of N
submissions (one in ten with a 50 KiB photo) imported into a fresh SQLite workspace, then
every attachment listed (with names) and read back (each read audited), and the persons
exported as HURIDOCS JSON, ESF CSV zip and Uwazi CSV without and with names.

    .venv/bin/python benchmarks/attachments_and_named_exports.py [--submissions 2000]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the export fixtures

from sqlalchemy import select

from refwatch.intake.attachments import list_attachments, read_attachment
from refwatch.intake.export import export
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.schema import table_of
from refwatch.store.schema_attachments import Attachment
from refwatch.store.workspace import init_workspace
from tests.intake.submission_exports import submission, write_kobo_csv

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 200  # about 50 KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=2000)
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
            import_file(ws, cipher, path)
            with ws.read() as conn:
                rows = conn.execute(
                    select(table_of(Attachment).c.id, table_of(Attachment).c.report_id)
                ).all()
            start = time.perf_counter()
            with ws.read() as conn:
                listed = sum(len(list_attachments(conn, r.report_id, cipher)) for r in rows)
            took = time.perf_counter() - start
            print(f"list with names: {listed} attachments in {took:.2f} s")
            start = time.perf_counter()
            total = 0
            for r in rows:
                _, data = read_attachment(ws, cipher, r.id, actor="bench", via="bench")
                total += len(data)
            took = time.perf_counter() - start
            print(
                f"read back (audited): {len(rows)} attachments, {total / 2**20:.1f} MiB "
                f"in {took:.2f} s = {len(rows) / took:,.0f} reads/s"
            )
            for fmt in ("huridocs-json", "huridocs-csv", "uwazi-csv"):
                for named in (False, True):
                    out = io.BytesIO() if fmt == "huridocs-csv" else io.StringIO()
                    start = time.perf_counter()
                    count = export(
                        ws, "persons", fmt, out, cipher=cipher if named else None, actor="bench"
                    )
                    took = time.perf_counter() - start
                    label = "with names" if named else "without names"
                    print(f"export persons {fmt} {label}: {count} in {took:.2f} s")


if __name__ == "__main__":
    main()
