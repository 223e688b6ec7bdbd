"""One linkage run at a time per workspace, across processes (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select, text

from refwatch.linkage import run_linkage
from refwatch.linkage.run_lock import LinkageBusy, advisory_key, linkage_lock
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkageRun
from refwatch.store.workspace import Workspace
from tests.linkage.conftest import WorldFactory

runs = table_of(LinkageRun)

HOLDER = """
import sys, time
from pathlib import Path
from refwatch.linkage.run_lock import linkage_lock
from refwatch.store.workspace import open_workspace

workspace = open_workspace(Path(sys.argv[1]), upgrade=False)
with linkage_lock(workspace):
    print("held", flush=True)
    time.sleep(600)
"""


def _run_count(workspace: Workspace) -> int:
    with workspace.read() as conn:
        return int(conn.execute(select(func.count()).select_from(runs)).scalar_one())


def _free_soon(workspace: Workspace, seconds: float = 30.0) -> bool:
    """Whether the lock can be taken within `seconds` (a killed session's end reaches
    PostgreSQL a moment after the kill)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with linkage_lock(workspace):
                return True
        except LinkageBusy:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)


def test_a_second_run_is_refused_at_the_start_and_records_nothing(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher, people=20)
    with linkage_lock(workspace):
        with pytest.raises(LinkageBusy, match="another linkage run is in progress"):
            run_linkage(workspace, cipher, "tester")
        assert _run_count(workspace) == 0
    summary = run_linkage(workspace, cipher, "tester")
    assert summary.persons > 0 and _run_count(workspace) == 1


def test_a_run_in_another_process_holds_the_workspace_until_that_process_dies(
    workspace: Workspace,
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(workspace.path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LinkageBusy), linkage_lock(workspace):
            pass
    finally:
        holder.kill()  # as a crash would: no finally block runs in the holder
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert _free_soon(workspace), "the lock outlived the process that held it"


def test_a_workspace_can_be_locked_again_after_a_run_that_failed(workspace: Workspace) -> None:
    with pytest.raises(RuntimeError), linkage_lock(workspace):
        raise RuntimeError("the run failed")
    with linkage_lock(workspace):
        pass


def test_holding_the_lock_blocks_no_database_work(workspace: Workspace) -> None:
    # imports, reviews and erasures go on while linkage runs; on PostgreSQL the session
    # that holds the lock keeps no transaction open (one would make an erasure's scrub
    # wait for it, and hold back VACUUM)
    with linkage_lock(workspace):
        with workspace.write() as conn:
            audit.log(conn, "tester", "test.during_linkage")
        if workspace.dialect != "postgresql":
            return
        with workspace.engine.connect() as conn:
            holders = conn.execute(
                text(
                    "SELECT a.state, a.xact_start FROM pg_locks l JOIN pg_stat_activity a "
                    "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                    "AND ((l.classid::bigint << 32) | l.objid::bigint) = :k"
                ),
                {"k": advisory_key(workspace.schema)},
            ).all()
    assert len(holders) == 1
    assert holders[0].xact_start is None and holders[0].state == "idle"


def test_two_schemas_on_one_server_do_not_share_a_lock() -> None:
    assert advisory_key("ws_one") != advisory_key("ws_two")
    assert advisory_key("ws_one") == advisory_key("ws_one")
    assert -(2**63) <= advisory_key("ws_one") < 2**63


@pytest.mark.parametrize("engine_name", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_lost_connection_ends_the_run_cleanly_and_frees_the_lock(workspace: Workspace) -> None:
    # the server ends the session that holds the lock (a restart, a network cut) while
    # the run finishes: leaving the block must not turn a finished run into an error,
    # and the lock must not survive in a pooled connection
    with linkage_lock(workspace), workspace.engine.connect() as conn:
        holder = conn.execute(
            text(
                "SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
                "AND ((l.classid::bigint << 32) | l.objid::bigint) = :k"
            ),
            {"k": advisory_key(workspace.schema)},
        ).scalar_one()
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": holder})
    assert _free_soon(workspace)
