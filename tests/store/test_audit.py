from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from refwatch.store import audit
from refwatch.store.schema import AuditEntry, AuditHead
from refwatch.store.workspace import ANCHOR_FILE, Workspace

entries = AuditEntry.__table__
head = AuditHead.__table__


def _fill(workspace: Workspace, n: int = 5) -> None:
    for i in range(n):
        with workspace.write() as conn:
            audit.log(conn, "tester", "test.write", table_name="mentions", record_id=f"m{i}")


def test_an_untouched_chain_verifies(workspace: Workspace) -> None:
    _fill(workspace)
    report = workspace.verify_audit()
    assert report.ok and report.entries == 6 and report.head_seq == 6


def test_an_edited_entry_is_detected(workspace: Workspace) -> None:
    _fill(workspace)
    with workspace.engine.begin() as conn:
        conn.execute(update(entries).where(entries.c.seq == 3).values(actor="someone else"))
    report = workspace.verify_audit()
    assert not report.ok and report.broken_at == 3 and "altered" in (report.problem or "")


def test_an_edit_that_recomputes_its_own_hash_breaks_the_next_link(workspace: Workspace) -> None:
    _fill(workspace)
    with workspace.engine.begin() as conn:
        row = conn.execute(select(entries).where(entries.c.seq == 3)).one()
        forged = audit.entry_hash(
            3,
            row.at,
            "forger",
            row.action,
            row.table_name,
            row.record_id,
            row.details,
            row.prev_hash,
        )
        conn.execute(update(entries).where(entries.c.seq == 3).values(actor="forger", hash=forged))
    report = workspace.verify_audit()
    assert not report.ok and report.broken_at == 4


def test_a_deleted_entry_is_detected(workspace: Workspace) -> None:
    _fill(workspace)
    with workspace.engine.begin() as conn:
        conn.execute(delete(entries).where(entries.c.seq == 2))
    report = workspace.verify_audit()
    assert not report.ok and "missing" in (report.problem or "")


def test_reordered_entries_are_detected(workspace: Workspace) -> None:
    _fill(workspace)
    with workspace.engine.begin() as conn:
        a = conn.execute(select(entries).where(entries.c.seq == 2)).one()._asdict()
        b = conn.execute(select(entries).where(entries.c.seq == 3)).one()._asdict()
        conn.execute(delete(entries).where(entries.c.seq.in_([2, 3])))
        a["seq"], b["seq"] = 3, 2
        conn.execute(entries.insert(), [a, b])
    report = workspace.verify_audit()
    assert not report.ok and report.broken_at == 2


def test_a_truncated_chain_is_detected_by_its_head(workspace: Workspace) -> None:
    _fill(workspace)
    with workspace.engine.begin() as conn:
        conn.execute(delete(entries).where(entries.c.seq >= 5))
    report = workspace.verify_audit()
    assert not report.ok and "removed from the end" in (report.problem or "")


def test_a_truncation_that_also_rewrites_the_head_is_caught_by_the_anchor(
    workspace: Workspace,
) -> None:
    _fill(workspace)
    with workspace.engine.begin() as conn:
        conn.execute(delete(entries).where(entries.c.seq >= 5))
        last = conn.execute(select(entries).where(entries.c.seq == 4)).one()
        conn.execute(update(head).values(seq=4, hash=last.hash))
    report = workspace.verify_audit()
    assert not report.ok and "anchor" in (report.problem or "")
    anchor = json.loads((workspace.path / ANCHOR_FILE).read_text())
    assert anchor["seq"] == 6


def test_details_may_not_carry_protected_fields(workspace: Workspace) -> None:
    with pytest.raises(ValueError, match="protected"), workspace.write() as conn:
        audit.log(conn, "tester", "oops", details={"name_latin": "Kim"})
    assert workspace.verify_audit().entries == 1
