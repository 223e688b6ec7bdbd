"""The evidence clock: reads and sign-ins leave the in-memory views alone; any change to
evidence or links, even by an action it has never heard of, makes them rebuild."""

from __future__ import annotations

from refwatch.store import audit
from refwatch.store.workspace import Workspace
from refwatch.web.evidence_clock import BATCH, EvidenceClock


def log(workspace: Workspace, *actions: str) -> None:
    with workspace.write() as conn:
        for action in actions:
            audit.log(conn, "tester", action)


def test_reads_and_sign_ins_do_not_move_the_clock_but_evidence_changes_do(
    workspace: Workspace,
) -> None:
    clock = EvidenceClock()
    with workspace.read() as conn:
        start = clock.version(conn)
    log(workspace, "names.read", "auth.sign_in", "ledger.record", "token.issue")
    with workspace.read() as conn:
        assert clock.version(conn) == start
    log(workspace, "import.new", "names.read")
    with workspace.read() as conn:
        moved = clock.version(conn)
    assert moved > start
    log(workspace, "link.something-new")
    with workspace.read() as conn:
        assert clock.version(conn) > moved


def test_a_long_run_of_entries_is_read_in_batches_without_missing_a_change(
    workspace: Workspace,
) -> None:
    clock = EvidenceClock()
    with workspace.read() as conn:
        start = clock.version(conn)
    log(workspace, *(["names.read"] * (BATCH + 3)), "import.update", "names.read")
    with workspace.read() as conn:
        version = clock.version(conn)
    assert version == start + BATCH + 4
