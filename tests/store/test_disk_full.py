"""A full disk during an import gives a clear error and leaves the workspace intact.

SQLite: the child process runs with RLIMIT_FSIZE (ulimit -f) and SIGXFSZ ignored, so
SQLite's writes past the limit fail with EFBIG exactly as they would on a full disk.
PostgreSQL: the evidence tables live in a tablespace on a 2 MiB tmpfs, so the server
itself runs out of space (ENOSPC) in the middle of the import.
"""

from __future__ import annotations

import os
import pwd
import resource
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select, text

from refwatch.store.database import create_db_engine, drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.schema import Report, table_of
from refwatch.store.workspace import init_workspace, open_workspace
from tests.conftest import IN_CI, PASSPHRASE, TEST_KDF, pg_url_or_skip, row, write_csv


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


@contextmanager
def _tiny_tablespace(url: str) -> Iterator[tuple[str, Path]]:
    """A PostgreSQL tablespace on a 2 MiB tmpfs: the server's own disk, made small.

    Needs the server on this machine and root (to mount); CI has both.
    """
    if make_url(url).host not in ("127.0.0.1", "localhost", None):
        pytest.skip("the tablespace must be on the PostgreSQL server's own machine")
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("CI runs as root, which this test needs to mount a small disk")
        pytest.skip("mounting a small disk for PostgreSQL needs root")
    folder = Path(tempfile.mkdtemp(prefix="refwatch-tiny-disk-"))
    folder.chmod(0o755)
    name = f"rwtest_tiny_{uuid.uuid4().hex[:12]}"
    engine = create_db_engine(url)
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], check=True)
        try:
            postgres = pwd.getpwnam("postgres")
            os.chown(folder, postgres.pw_uid, postgres.pw_gid)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f"CREATE TABLESPACE {name} LOCATION '{folder}'"))
            try:
                yield name, folder
            finally:
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text(f"DROP TABLESPACE IF EXISTS {name}"))
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    finally:
        engine.dispose()
        folder.rmdir()


def _import(workspace: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "refwatch.cli", "--workspace", str(workspace), "import", str(path)],
        env={**os.environ, "REFWATCH_PASSPHRASE": PASSPHRASE},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.postgres
def test_a_full_disk_on_the_postgresql_server_is_a_clear_error_and_changes_nothing(
    tmp_path: Path,
) -> None:
    url = pg_url_or_skip()
    schema = f"rwtest_{uuid.uuid4().hex[:16]}"
    folder = tmp_path / "ws"
    with _tiny_tablespace(url) as (tablespace, disk):
        try:
            secret = Secret(passphrase=PASSPHRASE)
            with (
                init_workspace(folder, secret, db_url=url, schema=schema, kdf=TEST_KDF) as ws,
                ws.engine.begin() as conn,
            ):
                for table in ("reports", "mentions"):
                    conn.execute(text(f'ALTER TABLE "{table}" SET TABLESPACE {tablespace}'))
            big = write_csv(
                tmp_path / "big.csv",
                [
                    row(source="S", record_id=str(n), name_latin=f"Name {n}", notes="x" * 400)
                    for n in range(6000)
                ],
            )
            result = _import(folder, big)
            assert result.returncode == 2, result.stderr
            assert "could not be written" in result.stderr
            assert "No space left on device" in result.stderr
            assert "Traceback" not in result.stderr and "Name 1" not in result.stderr

            with open_workspace(folder) as workspace:
                with workspace.read() as conn:
                    reports = select(func.count()).select_from(table_of(Report))
                    assert conn.execute(reports).scalar_one() == 0
                assert workspace.verify_audit().ok
            # the server stayed up: once the disk has room again, the import goes through
            subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
            done = _import(folder, big)
            assert done.returncode == 0, done.stderr
        finally:
            drop_pg_schema(url, schema)
