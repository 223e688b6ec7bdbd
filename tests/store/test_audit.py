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


def _rewrite_from(workspace: Workspace, seq: int, **changes: str) -> None:
    """The database-only forger: change entry `seq`, recompute every later hash and the
    head, exactly as the application would have written them."""
    with workspace.engine.begin() as conn:
        rows = conn.execute(select(entries).where(entries.c.seq >= seq).order_by(entries.c.seq))
        prev = conn.execute(select(entries.c.hash).where(entries.c.seq == seq - 1)).scalar_one()
        for row in list(rows):
            values = {**row._asdict(), **(changes if row.seq == seq else {})}
            digest = audit.entry_hash(
                row.seq,
                values["at"],
                values["actor"],
                values["action"],
                values["table_name"],
                values["record_id"],
                values["details"],
                prev,
            )
            conn.execute(
                update(entries)
                .where(entries.c.seq == row.seq)
                .values(**{k: values[k] for k in changes}, prev_hash=prev, hash=digest)
            )
            prev = digest
        last = conn.execute(select(entries.c.seq).order_by(entries.c.seq.desc())).first()
        assert last is not None
        conn.execute(update(head).values(seq=last.seq, hash=prev))


def test_forged_chain_is_not_laundered_by_later_writes(workspace: Workspace) -> None:
    """Issue 17, item 1: rewrite entry 3 (to hide a names.read), recompute every hash and
    the head, then let the application write: the anchor must stay and verify must fail."""
    _fill(workspace, 8)
    anchored = workspace.anchor()
    _rewrite_from(workspace, 3, action="test.harmless")
    assert not workspace.verify_audit().ok
    _fill(workspace, 4)
    report = workspace.verify_audit()
    assert not report.ok and "anchor" in (report.problem or "")
    assert workspace.anchor() == anchored


def test_a_truncation_is_not_laundered_by_later_writes(workspace: Workspace) -> None:
    """Truncate 3 entries with a rewritten head, then write 4 more (past the anchor)."""
    _fill(workspace, 8)
    anchored = workspace.anchor()
    assert anchored is not None and anchored.seq == 9
    with workspace.engine.begin() as conn:
        conn.execute(delete(entries).where(entries.c.seq >= 7))
        last = conn.execute(select(entries).where(entries.c.seq == 6)).one()
        conn.execute(update(head).values(seq=6, hash=last.hash))
    _fill(workspace, 4)
    report = workspace.verify_audit()
    assert not report.ok and report.broken_at == 9 and "anchor" in (report.problem or "")
    assert workspace.anchor() == anchored


def test_an_untampered_chain_moves_the_anchor_on_with_every_write(workspace: Workspace) -> None:
    _fill(workspace, 3)
    anchor = workspace.anchor()
    assert anchor is not None and anchor.seq == 4
    with workspace.read() as conn:
        assert audit.extends(conn, audit.Anchor(0, audit.GENESIS), anchor)
        assert not audit.extends(conn, audit.Anchor(2, "f" * 64), anchor)


def test_a_missing_anchor_file_is_reported_loudly_and_not_recreated_by_writes(
    workspace: Workspace,
) -> None:
    _fill(workspace, 2)
    (workspace.path / ANCHOR_FILE).unlink()
    report = workspace.verify_audit()
    assert not report.ok and "anchor file" in (report.problem or "")
    assert "missing" in (report.problem or "")
    _fill(workspace, 2)
    assert not (workspace.path / ANCHOR_FILE).exists()
    assert not workspace.verify_audit().ok


def test_a_lost_anchor_is_set_again_only_over_a_chain_that_verifies(
    workspace: Workspace,
) -> None:
    _fill(workspace, 3)
    (workspace.path / ANCHOR_FILE).unlink()
    with workspace.engine.begin() as conn:
        conn.execute(update(entries).where(entries.c.seq == 2).values(actor="someone else"))
    assert not workspace.reanchor().ok
    assert not (workspace.path / ANCHOR_FILE).exists()
    with workspace.engine.begin() as conn:
        conn.execute(update(entries).where(entries.c.seq == 2).values(actor="tester"))
    assert workspace.reanchor().ok
    report = workspace.verify_audit()
    assert report.ok and workspace.anchor() == audit.Anchor(report.head_seq, _head_hash(workspace))


def _head_hash(workspace: Workspace) -> str:
    with workspace.read() as conn:
        return audit.head(conn).hash


def test_audit_verify_says_loudly_that_the_anchor_file_is_missing(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`refwatch audit verify` fails (exit 1) and says why; `refwatch audit anchor` sets
    the anchor again once the chain verifies."""
    from typer.testing import CliRunner

    from refwatch.cli import app

    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace.path))
    if workspace.dialect == "postgresql":
        monkeypatch.setenv("REFWATCH_DB", workspace.url)
    else:
        monkeypatch.delenv("REFWATCH_DB", raising=False)
    _fill(workspace, 2)
    (workspace.path / ANCHOR_FILE).unlink()
    runner = CliRunner()
    missing = runner.invoke(app, ["audit", "verify"])
    assert missing.exit_code == 1
    assert "NOT VERIFIED" in missing.stdout and "anchor file" in missing.stdout
    assert runner.invoke(app, ["audit", "anchor"]).exit_code == 0
    again = runner.invoke(app, ["audit", "verify"])
    assert again.exit_code == 0 and "intact" in again.stdout
