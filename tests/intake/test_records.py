"""Importing records that come from a form or an upload held in memory (intake/records.py):
the importer's rules, plus sealed report text and a preview that writes nothing."""

from __future__ import annotations

import csv
import hashlib
import io

from openpyxl import Workbook
from sqlalchemy import func, select

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.intake.readers import Upload
from refwatch.intake.records import check_upload, import_records, import_upload, validate_rows
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, Mention, Report, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import row

reports_table = table_of(Report)


def as_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CASE_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def totals(workspace: Workspace) -> tuple[int, int, int]:
    with workspace.read() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(select(func.count()).select_from(table_of(m))).scalar_one())
            for m in (Report, Mention, AuditEntry)
        )


def test_a_preview_writes_nothing_not_even_the_audit_anchor(
    workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    upload = Upload("list.csv", as_csv(sample_rows))
    before, anchor = totals(workspace), workspace.anchor()
    preview = import_upload(workspace, cipher, upload, actor="tester", dry_run=True)
    assert (preview.summary.new, preview.summary.unchanged) == (3, 0)
    assert totals(workspace) == before and workspace.anchor() == anchor
    assert workspace.verify_audit().ok
    committed = import_upload(workspace, cipher, upload, actor="tester")
    assert committed.summary.new == 3 and totals(workspace)[0] == before[0] + 3
    again = import_upload(workspace, cipher, upload, actor="tester", dry_run=True)
    assert (again.summary.new, again.summary.unchanged) == (0, 3) and again.outcomes == {}


def test_outcomes_name_the_person_each_new_or_updated_row_goes_to(
    workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_upload(workspace, cipher, Upload("v1.csv", as_csv(sample_rows)), actor="tester")
    changed = [dict(r) for r in sample_rows]
    changed[1]["status"] = "returned"
    changed[1]["status_on"] = "2017-09"
    result = import_upload(workspace, cipher, Upload("v2.csv", as_csv(changed)), actor="t")
    assert {n: (o.change, o.person_id) for n, o in result.outcomes.items()} == {
        3: ("updated", "P-000002")
    }
    assert result.summary.unchanged == 2  # row 2 by its record id, row 4 by its content


def test_a_report_text_is_sealed_with_each_report_that_shares_it(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    rows = [
        (1, {"source": "Form source", "name_hangul": "가나다", "apprehended_on": "2017-07"}),
        (2, {"source": "Form source", "name_latin": "Ra Ma", "apprehended_on": "2017-07"}),
    ]
    records, errors = validate_rows("web form", rows)
    assert errors == []
    text = "Both were taken at the river — 강가에서 잡힘 (text-canary-5Wd)."
    result = import_records(
        workspace,
        cipher,
        records,
        label="web form",
        digest=hashlib.sha256(b"x").hexdigest(),
        actor="tester",
        texts={1: text, 2: text},
        language="en",
    )
    assert result.summary.new == 2
    with workspace.read() as conn:
        stored = list(conn.execute(select(reports_table)))
    assert {cipher.open("reports", "text", r.id, r.text_enc) for r in stored} == {text}
    assert {r.language for r in stored} == {"en"}
    assert len({r.batch_id for r in stored}) == 1
    if workspace.dialect == "sqlite":
        files = b"".join(p.read_bytes() for p in workspace.path.glob("refwatch.db*"))
        assert "강가에서".encode() not in files and b"text-canary-5Wd" not in files


def test_every_bad_row_is_reported_not_only_the_first(workspace: Workspace) -> None:
    data = as_csv(
        [
            row(source="S", apprehended_on="July 2017"),
            row(source="S", name_latin="Fine Row"),
            row(source="S", sex="X"),
            row(source="", name_latin="No Source"),
        ]
    )
    records, errors = check_upload(Upload("bad.csv", data))
    assert [(e.row, e.column) for e in errors] == [
        (2, "apprehended_on"),
        (4, "sex"),
        (5, "source"),
    ]
    assert len(records) == 1
    assert all("No Source" not in str(e) for e in errors)


def test_an_xlsx_upload_is_read_from_memory(workspace: Workspace, cipher: FieldCipher) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["source", "name_hangul", "apprehended_on", "status"])
    sheet.append(["XLSX list", "최명남", "2017-07", "detained"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_upload(
        workspace, cipher, Upload("list.xlsx", buffer.getvalue()), actor="tester"
    )
    assert result.summary.new == 1
    assert [o.person_id for o in result.outcomes.values()] == ["P-000001"]


def test_imports_from_memory_are_audited_like_file_imports(
    workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_upload(workspace, cipher, Upload("l.csv", as_csv(sample_rows)), actor="web:someone")
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        actions = [
            r.action
            for r in conn.execute(
                select(entries).where(entries.c.actor == "web:someone").order_by(entries.c.seq)
            )
        ]
    assert actions.count("import.new") == 3 and "import.file" in actions
    assert workspace.verify_audit().ok
