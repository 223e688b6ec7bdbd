"""A full disk during an import gives a clear error and leaves the workspace intact.

The child process runs with RLIMIT_FSIZE (ulimit -f) and SIGXFSZ ignored, so SQLite's
writes past the limit fail with EFBIG exactly as they would on a full disk.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from refwatch.store.keys import Secret
from refwatch.store.schema import Report, table_of
from refwatch.store.workspace import init_workspace, open_workspace
from tests.conftest import PASSPHRASE, TEST_KDF, row, write_csv


def test_a_full_disk_during_import_is_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    secret = Secret(passphrase=PASSPHRASE)
    with init_workspace(tmp_path / "ws", secret, kdf=TEST_KDF) as workspace:
        db_size = (workspace.path / "refwatch.db").stat().st_size
    big = write_csv(
        tmp_path / "big.csv",
        [
            row(source="S", record_id=str(n), name_latin=f"Name {n}", notes="x" * 400)
            for n in range(3000)
        ],
    )
    limit = db_size + 256 * 1024

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "refwatch.cli",
            "--workspace",
            str(tmp_path / "ws"),
            "import",
            str(big),
        ],
        env={**os.environ, "REFWATCH_PASSPHRASE": PASSPHRASE},
        capture_output=True,
        text=True,
        preexec_fn=limit_file_size,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "could not be written" in result.stderr
    assert "Traceback" not in result.stderr and "Name 1" not in result.stderr

    with open_workspace(tmp_path / "ws") as workspace:
        with workspace.read() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert (
                conn.execute(select(func.count()).select_from(table_of(Report))).scalar_one() == 0
            )
        assert workspace.verify_audit().ok
