"""Crash safety: SIGKILL an import at random moments; nothing acknowledged is lost, nothing
is half-written, the audit chain verifies, and re-running the import finishes the job.

Each engine is a parameter of its own, and CI runs both: each must see at least
`REAL_KILLS_PER_ENGINE` (25) runs really killed in the middle of the import, so CI kills at
least 50 imports mid-way. Kill moments come from several seeds per engine; a run whose
import finished before its kill point is counted apart (it proves nothing about a crash),
and the figures (attempted, killed mid-import, finished first, survived) are recorded.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Connection, exists, func, select
from sqlalchemy.exc import DBAPIError

from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.schema import Base, Mention, Person, PersonLink, Report, Source, table_of
from refwatch.store.workspace import Workspace, open_workspace
from tests import figures
from tests.conftest import PASSPHRASE, row, write_csv

ROWS_PER_FILE = 1500
SEEDS = 3  # per engine: kill moments drawn from more than one random sequence
POINTS_PER_SEED = 10
REAL_KILLS_PER_ENGINE = 25  # x 2 engines in CI: at least 50 imports killed mid-way
# If a busy machine finished some imports before their kill point, a few more attempts
# (a further seed) may top the real kills up; never more than this many attempts.
MAX_ATTEMPTS = SEEDS * POINTS_PER_SEED + 8

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


def _orphans(conn: Connection) -> dict[str, int]:
    """Rows pointing at nothing, for every foreign key of the model (evidence, linkage,
    edits, accounts), and evidence rows missing their other half: a report without its
    mention, a mention or a person without its link."""
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            child, parent = table.alias("child"), fk.column.table.alias("parent")
            ref, key = child.c[fk.parent.name], parent.c[fk.column.name]
            query = (
                select(func.count())
                .select_from(child)
                .where(ref.is_not(None), ~exists().where(key == ref))
            )
            found[f"{table.name}.{fk.parent.name}"] = conn.execute(query).scalar_one()
    rep, men, lnk, per = (table_of(m) for m in (Report, Mention, PersonLink, Person))
    halves = {
        "report without mention": select(func.count())
        .select_from(rep)
        .where(~exists().where(men.c.report_id == rep.c.id)),
        "mention without link": select(func.count())
        .select_from(men)
        .where(~exists().where(lnk.c.mention_id == men.c.id)),
        "person without link": select(func.count())
        .select_from(per)
        .where(~exists().where(lnk.c.person_id == per.c.id)),
    }
    for name, query in halves.items():
        found[name] = conn.execute(query).scalar_one()
    return found


def _amcheck(workspace: Workspace) -> int | None:
    """PostgreSQL's own structural checks on the workspace schema: `bt_index_check` (with
    heapallindexed: every heap tuple has its index entry) on every B-tree index and
    `verify_heapam` on every table. Returns the number of indexes checked, or None when the
    server lacks the amcheck extension."""
    with workspace.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # Not installed on this server, or created by a parallel session just now: either
        # way the catalogue below says whether it is there.
        with contextlib.suppress(DBAPIError):
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public")
        home = conn.exec_driver_sql(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'amcheck'"
        ).scalar()
        if home is None:
            return None
        relations = conn.exec_driver_sql(
            "SELECT c.oid, c.relname, c.relkind, am.amname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_am am ON am.oid = c.relam"
            " WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'i')",
            {"schema": workspace.schema},
        ).all()
        indexes = [r for r in relations if r.relkind == "i" and r.amname == "btree"]
        tables = [r for r in relations if r.relkind == "r"]
        assert len(tables) >= len(Base.metadata.tables), "not the workspace's schema"
        for index in indexes:
            conn.exec_driver_sql(
                f'SELECT "{home}".bt_index_check(%(oid)s, true)', {"oid": index.oid}
            )
        for table in tables:
            damage = conn.exec_driver_sql(
                f'SELECT * FROM "{home}".verify_heapam(%(oid)s)', {"oid": table.oid}
            ).all()
            assert damage == [], f"{table.relname}: {damage}"
        return len(indexes)


def _integrity(workspace: Workspace) -> int | None:
    """Everything a crash could have broken; on PostgreSQL returns how many indexes amcheck
    verified (None: amcheck unavailable)."""
    checked = None
    if workspace.dialect == "sqlite":
        with workspace.read() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    else:
        checked = _amcheck(workspace)
    with workspace.read() as conn:
        orphans = _orphans(conn)
        links = conn.execute(select(func.count()).select_from(table_of(PersonLink))).scalar_one()
        reports = conn.execute(select(func.count()).select_from(table_of(Report))).scalar_one()
    assert {"mentions.report_id", "person_links.person_id", "events.mention_id"} <= set(orphans)
    assert {k: v for k, v in orphans.items() if v} == {}, "rows pointing at nothing"
    assert links == reports  # every mention has its person: no half-written row set
    return checked


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
    workspace.close()
    duration = _import_duration(workspace, url, files)
    seen: Counter[str] = Counter()
    amchecked: set[int | None] = set()
    started = time.monotonic()
    seed = 0
    while seen["attempted"] < MAX_ATTEMPTS:
        if seen["attempted"] >= SEEDS * POINTS_PER_SEED and seen["killed"] >= (
            REAL_KILLS_PER_ENGINE
        ):
            break
        if seen["attempted"] % POINTS_PER_SEED == 0:
            rng = random.Random(f"crash-{engine_name}-{seed}")
            seed += 1
        seen["attempted"] += 1
        child, ready = _spawn(workspace, url, files)
        # Uniform over the import as last timed. A shared CI machine is faster at some
        # moments than others: an import that finished before its kill shortens the
        # window for the next ones, so most runs are still killed mid-way.
        deadline = ready + rng.uniform(0.0, duration)
        time.sleep(max(0.0, deadline - time.monotonic()))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
        acknowledged = [
            line.split()[1] for line in out.splitlines() if line.startswith("COMMITTED")
        ]
        if child.returncode == -signal.SIGKILL and len(acknowledged) < len(files):
            seen["killed"] += 1
            seen[f"killed with {len(acknowledged)} of {len(files)} files committed"] += 1
        else:
            assert child.returncode in (0, -signal.SIGKILL), f"the import failed: {err}"
            seen["finished before the kill"] += 1
            duration = min(duration, deadline - ready) * 0.8

        reopened = open_workspace(workspace.path, url or None)
        try:
            amchecked.add(_integrity(reopened))
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
            _integrity(reopened)
            assert reopened.verify_audit().ok
            _reset(reopened)
        finally:
            reopened.close()
        seen["survived"] += 1  # every check above passed after this kill point

    test = f"test_crash_safety[{engine_name}]"
    figures.record(test, "seeds", seed)
    figures.record(test, "kill points attempted", seen["attempted"])
    figures.record(test, "runs killed mid-import (SIGKILL before the last commit)", seen["killed"])
    for figure, value in sorted(seen.items()):
        if figure.startswith("killed with"):
            figures.record(test, f"runs {figure}", value)
    figures.record(
        test, "runs whose import finished before its kill point", seen["finished before the kill"]
    )
    figures.record(test, "kill points survived (all checks passed)", seen["survived"])
    figures.record(test, "seconds", round(time.monotonic() - started, 1))
    if engine_name == "postgresql":
        figures.record(
            test,
            "B-tree indexes amcheck verified after each kill",
            "amcheck unavailable" if None in amchecked else min(i or 0 for i in amchecked),
        )
    assert seed > 1, "kill moments should come from more than one seed"
    assert seen["survived"] == seen["attempted"]
    assert seen["killed"] >= REAL_KILLS_PER_ENGINE, (
        f"only {seen['killed']} of {seen['attempted']} runs were killed mid-import"
    )


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
    assert workspace.reanchor().ok
    if close:
        workspace.close()
