"""Lawful deletion: the erased values are gone from the files, the trace stays."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.domain.errors import RefWatchError
from refwatch.intake.deletion import delete_report
from refwatch.intake.export import export
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.schema import AuditEntry, Mention, Report, table_of
from refwatch.store.workspace import Workspace, init_workspace
from tests.conftest import TEST_KDF, row, write_csv


def _report_of(workspace: Workspace, record_id: str) -> str:
    rep = table_of(Report)
    with workspace.read() as conn:
        return str(
            conn.execute(
                select(rep.c.id)
                .where(rep.c.record_id == record_id)
                .order_by(rep.c.received_at.desc())
            )
            .scalars()
            .first()
        )


def test_a_deleted_report_leaves_the_current_evidence_in_every_version(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "v1.csv", sample_rows))
    changed = [dict(r) for r in sample_rows]
    changed[0]["notes"] = "second version of the note"
    import_file(workspace, cipher, write_csv(tmp_path / "v2.csv", changed))
    result = delete_report(workspace, _report_of(workspace, "SEO-00001"), "request REF-1", "admin")
    assert len(result.report_ids) == 2 and result.persons == ["P-000001"]

    out = io.StringIO()
    export(workspace, "mentions", "csv", out, cipher=cipher)
    assert "SEO-00001" not in out.getvalue() and "SEO-00002" in out.getvalue()
    men = table_of(Mention)
    with workspace.read() as conn:
        sealed = conn.execute(select(men.c.name_latin_enc, men.c.notes_enc)).all()
        actions = conn.execute(select(table_of(AuditEntry).c.details)).scalars().all()
    assert sum(1 for r in sealed if r.name_latin_enc is None and r.notes_enc is None) >= 2
    assert any("P-000001" in d for d in actions)
    assert not any("Gim Songkook" in d or "REF-1" in d for d in actions)
    assert workspace.verify_audit().ok


def test_deleted_ciphertexts_are_scrubbed_from_the_sqlite_files(
    tmp_path: Path, secret: Secret
) -> None:
    with init_workspace(tmp_path / "ws", secret, kdf=TEST_KDF) as workspace:
        cipher = FieldCipher(workspace.unlock(secret))
        path = write_csv(
            tmp_path / "l.csv", [row(source="S", record_id="1", name_latin="Erase Me", notes="n")]
        )
        import_file(workspace, cipher, path)
        men = table_of(Mention)
        with workspace.read() as conn:
            blob = conn.execute(select(men.c.name_latin_enc)).scalar_one()
        delete_report(workspace, _report_of(workspace, "1"), "court order 7", "admin")
    for file in (tmp_path / "ws").iterdir():
        assert blob not in file.read_bytes(), file.name


def test_a_deletion_needs_a_reason(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", [row(source="S", record_id="1")]))
    with pytest.raises(RefWatchError, match="needs a reason"):
        delete_report(workspace, _report_of(workspace, "1"), "  ", "admin")


def test_a_deletion_names_the_published_numbers_it_changes(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    from refwatch.counting import count_persons

    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    counted = count_persons(workspace, record=True, actor="tester")
    assert counted.ledger_id is not None and counted.at_least == 3
    result = delete_report(workspace, _report_of(workspace, "SEO-00001"), "request REF-2", "admin")
    assert result.ledger_entries == [counted.ledger_id]
    assert count_persons(workspace).at_most == 2
