"""The optional `consent` column: read, stored as each report's consent (basis sealed),
refused with file, row and field when it is junk, and written back by the export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.domain.consent import ConsentLevel
from refwatch.domain.errors import InputError
from refwatch.intake.export import export
from refwatch.intake.importer import import_file
from refwatch.store import consents
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, Report
from refwatch.store.schema_consent import ConsentEntry
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
WITHOUT = tuple(c for c in CASE_COLUMNS if c != "consent")


def count(workspace: Workspace, model: type) -> int:
    with workspace.read() as conn:
        return int(conn.execute(select(func.count()).select_from(model.__table__)).scalar_one())


def test_a_consent_cell_becomes_the_reports_consent_with_a_sealed_basis(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    rows = [
        row(**SDC, record_id="S-1", name_latin="Synthetic One", consent="advocacy"),
        row(**SDC, record_id="S-2", name_latin="Synthetic Two", consent="Named advocacy"),
        row(**SDC, record_id="S-3", name_latin="Synthetic Three"),
    ]
    import_file(workspace, cipher, write_csv(tmp_path / "c.csv", rows))
    with workspace.read() as conn:
        stored = conn.execute(select(ConsentEntry.__table__)).all()
        found = consents.effective_consents(conn)
        actions = conn.execute(select(AuditEntry.__table__.c.action)).scalars().all()
    assert len(stored) == 2
    assert {r.level for r in stored} == {"advocacy"}
    assert all(r.basis_enc and b"c.csv" not in r.basis_enc for r in stored)
    assert found["P-000001"].level is ConsentLevel.ADVOCACY
    assert found["P-000003"].record is None
    assert actions.count("consent.set") == 2
    opened = consents.open_texts(cipher, found["P-000001"].record)  # type: ignore[arg-type]
    assert opened.basis == "stated in the case list c.csv, row 2"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("yes please", True), ("advocacy;publication", True), ("x" * 500, False)],
)
def test_junk_in_the_consent_column_names_file_row_and_field_and_imports_nothing(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, value: str, shown: bool
) -> None:
    rows = [
        row(**SDC, record_id="S-1", consent="advocacy"),
        row(**SDC, record_id="S-2", consent=value),
    ]
    with pytest.raises(InputError) as caught:
        import_file(workspace, cipher, write_csv(tmp_path / "junk.csv", rows))
    error = caught.value
    assert (error.file, error.row, error.column) == ("junk.csv", 3, "consent")
    assert "must be one of no_use, internal, statistics, advocacy, publication" in str(error)
    assert (value in str(error)) is shown
    assert count(workspace, Report) == 0 and count(workspace, ConsentEntry) == 0


def test_a_list_without_the_column_imports_and_re_imports_unchanged(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    rows = [{c: r[c] for c in WITHOUT} for r in [row(**SDC, record_id="S-1", sex="F")]]
    path = write_csv(tmp_path / "old.csv", rows, WITHOUT)
    assert import_file(workspace, cipher, path).new == 1
    again = import_file(workspace, cipher, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    # Adding the column empty changes nothing either: an empty cell is unknown.
    full = write_csv(tmp_path / "new.csv", [row(**SDC, record_id="S-1", sex="F")])
    assert import_file(workspace, cipher, full).unchanged == 1
    changed = write_csv(tmp_path / "c.csv", [row(**SDC, record_id="S-1", sex="F", consent="none")])
    assert import_file(workspace, cipher, changed).updated == 1
    with workspace.read() as conn:
        assert consents.effective_consent(conn, "P-000001").level is ConsentLevel.NO_USE


def test_the_export_writes_the_consent_back_and_withholds_names_without_consent(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    rows = [
        row(**SDC, record_id="S-1", name_latin="Canary Nouse", notes="nouse-note", consent="none"),
        row(**SDC, record_id="S-2", name_latin="Synthetic Two", consent="internal"),
        row(**SDC, record_id="S-3", name_latin="Synthetic Three", consent="advocacy"),
    ]
    import_file(workspace, cipher, write_csv(tmp_path / "c.csv", rows))
    buffer = io.StringIO()
    warnings: list[str] = []
    export(workspace, "mentions", "csv", buffer, cipher=cipher, actor="t", warnings=warnings)
    text = buffer.getvalue()
    out = {r["record_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert [out[k]["consent"] for k in ("S-1", "S-2", "S-3")] == ["no_use", "internal", "advocacy"]
    assert "Canary Nouse" not in text and "nouse-note" not in text
    assert out["S-2"]["name_latin"] == "Synthetic Two"
    assert len(warnings) == 2
    assert "withheld" in warnings[0] and "P-000001" in warnings[0]
    assert "P-000002" in warnings[1] and "P-000003" not in warnings[1]
    for warning in warnings:
        assert "Synthetic" not in warning
    # Without names, nothing is withheld and nothing is warned about.
    quiet: list[str] = []
    export(workspace, "mentions", "csv", io.StringIO(), actor="t", warnings=quiet)
    assert quiet == []
