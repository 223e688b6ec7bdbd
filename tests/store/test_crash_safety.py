"""Crash safety: SIGKILL an import at random moments; nothing acknowledged is lost, nothing
is half-written, the audit chain verifies, and re-running the import finishes the job."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.schema import PersonLink, Report, Source, table_of
from refwatch.store.workspace import Workspace, open_workspace
from tests.conftest import PASSPHRASE, row, write_csv

ROWS_PER_FILE = 1500
KILL_POINTS = {"sqlite": 30, "postgresql": 20}

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from refwatch.intake.importer import import_file
    from refwatch.store.crypto import FieldCipher
    from refwatch.store.keys import Secret
    from refwatch.store.workspace import open_workspace

    workspace = open_workspace(Path(sys.argv[1]), sys.argv[2] or None)
    cipher = FieldCipher(workspace.unlock(Secret(passphrase=sys.argv[3])))
    print("READY", flush=True)
    for name in sys.argv[4:]:
        import_file(workspace, cipher, Path(name), actor="crash-test")
        print("COMMITTED", Path(name).name, flush=True)
    """
)


def _files(folder: Path) -> list[Path]:
    return [
        write_csv(
            folder / f"list{i}.csv",
            [
                row(
                    source=f"Source {i}",
                    record_id=f"{i}-{n}",
                    name_latin=f"Person {i} {n}",
                    notes=f"note {n}",
                    apprehended_on="2017-07",
                    apprehended_at="Tumen",
                    status="detained",
                )
                for n in range(ROWS_PER_FILE)
            ],
        )
        for i in range(2)
    ]


def _rows_per_source(workspace: Workspace) -> dict[str, int]:
    rep, src = table_of(Report), table_of(Source)
    with workspace.read() as conn:
        query = (
            select(src.c.name, func.count())
            .join(rep, rep.c.source_id == src.c.id)
            .group_by(src.c.name)
        )
        return {name: count for name, count in conn.execute(query)}


def _integrity(workspace: Workspace) -> None:
    if workspace.dialect == "sqlite":
        with workspace.read() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    with workspace.read() as conn:
        links = conn.execute(select(func.count()).select_from(table_of(PersonLink))).scalar_one()
        reports = conn.execute(select(func.count()).select_from(table_of(Report))).scalar_one()
    assert links == reports  # every mention has its person: no half-written row set


def _spawn(
    workspace: Workspace, url: str, files: list[Path]
) -> tuple[subprocess.Popen[str], float]:
    """Start the importing child; return it once it has opened the workspace, with that moment.

    Kill points are timed from here so they land in the import itself, not in the
    interpreter's start-up, whatever the speed of the machine."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(workspace.path), url, PASSPHRASE, *map(str, files)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert child.stdout is not None
    first = child.stdout.readline()
    assert first.strip() == "READY", f"the child failed to start: {first!r} {child.stderr!r}"
    return child, time.monotonic()


def _import_duration(workspace: Workspace, url: str, files: list[Path]) -> float:
    """Time one uninterrupted import of all files (then empty the workspace again)."""
    child, ready = _spawn(workspace, url, files)
    out, err = child.communicate(timeout=600)
    duration = time.monotonic() - ready
    assert child.returncode == 0, err
    assert out.count("COMMITTED") == len(files)
    reopened = open_workspace(workspace.path, url or None)
    _reset(reopened, close=True)
    return duration


@pytest.mark.slow
def test_an_import_killed_at_random_moments_loses_nothing_acknowledged(
    tmp_path: Path, workspace: Workspace, secret: Secret, engine_name: str
) -> None:
    files = _files(tmp_path)
    url = workspace.url if workspace.dialect != "sqlite" else ""
    rng = random.Random(f"crash-{engine_name}")
    workspace.close()
    duration = _import_duration(workspace, url, files)
    kills = 0
    for _ in range(KILL_POINTS[engine_name]):
        child, ready = _spawn(workspace, url, files)
        # Uniform over the import as last timed. A shared CI machine is faster at some
        # moments than others: an import that finished before its kill shortens the
        # window for the next ones, so most runs are still killed mid-way.
        deadline = ready + rng.uniform(0.0, duration)
        time.sleep(max(0.0, deadline - time.monotonic()))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
        if child.returncode == -signal.SIGKILL:
            kills += 1
        else:
            assert child.returncode == 0, f"the import failed on its own: {err}"
            duration = min(duration, deadline - ready) * 0.8
        acknowledged = [
            line.split()[1] for line in out.splitlines() if line.startswith("COMMITTED")
        ]

        reopened = open_workspace(workspace.path, url or None)
        try:
            _integrity(reopened)
            counts = _rows_per_source(reopened)
            for i, path in enumerate(files):
                present = counts.get(f"Source {i}", 0)
                assert present in (0, ROWS_PER_FILE), f"{path.name} half-imported: {present} rows"
                if path.name in acknowledged:
                    assert present == ROWS_PER_FILE
            assert reopened.verify_audit().ok
            # Finish the job; re-running never duplicates.
            cipher = FieldCipher(reopened.unlock(secret))
            for path in files:
                import_file(reopened, cipher, path)
            assert _rows_per_source(reopened) == {f"Source {i}": ROWS_PER_FILE for i in range(2)}
            assert reopened.verify_audit().ok
            _reset(reopened)
        finally:
            reopened.close()
    assert kills >= KILL_POINTS[engine_name] // 2, "too few runs were killed mid-way"


def _reset(workspace: Workspace, close: bool = False) -> None:
    """Empty the evidence for the next kill point (test scaffolding, not a product feature)."""
    from refwatch.store.schema import AuditEntry, AuditHead, Event, ImportBatch, Mention, Person

    with workspace.engine.begin() as conn:
        for model in (PersonLink, Event, Mention, Report, Person, ImportBatch, Source):
            conn.execute(table_of(model).delete())
        head = conn.execute(select(table_of(AuditHead))).one()
        assert head.seq >= 1
        conn.execute(table_of(AuditEntry).delete().where(table_of(AuditEntry).c.seq > 1))
        first = conn.execute(select(table_of(AuditEntry).c.hash)).scalar_one()
        conn.execute(table_of(AuditHead).update().values(seq=1, hash=first))
    (workspace.path / "audit-anchor.json").unlink()
    if close:
        workspace.close()
