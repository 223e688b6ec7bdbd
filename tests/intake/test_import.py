from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.domain.errors import InputError
from refwatch.intake.importer import import_file, import_files, parse_mapping
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Event, Mention, Person, PersonLink, Report, Source, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv

EVIDENCE = {
    "sources": Source,
    "reports": Report,
    "mentions": Mention,
    "events": Event,
    "persons": Person,
}


def counts(workspace: Workspace) -> dict[str, int]:
    with workspace.read() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()
            for name, model in EVIDENCE.items()
        }


def test_each_row_becomes_a_source_report_mention_and_its_events(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    summary = import_file(workspace, cipher, write_csv(tmp_path / "list.csv", sample_rows))
    assert (summary.rows, summary.new, summary.updated, summary.unchanged) == (3, 3, 0, 0)
    assert counts(workspace) == {
        "sources": 2,
        "reports": 3,
        "mentions": 3,
        "events": 7,
        "persons": 3,
    }
    assert summary.unknown_places == ["a village near the river"]
    with workspace.read() as conn:
        ev = Event.__table__
        kinds = sorted(conn.execute(select(ev.c.event_type, ev.c.esf_code)).all())
        first = conn.execute(
            select(ev).where(ev.c.event_type == "apprehension", ev.c.place == "图们")
        ).one()
    assert ("return", "380101") in kinds and ("apprehension", "030101") in kinds
    assert first.place_id is not None and first.date_edtf == "2017-07-13"


def test_a_baby_born_in_custody_has_a_birth_not_an_apprehension(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    baby = row(
        source="Northern rescue network",
        record_id="N-1",
        sex="F",
        age="0",
        apprehended_on="2017-08-02",
        held_at="Tumen border detention center",
        status="detained",
        flags="born_in_detention",
    )
    import_file(workspace, cipher, write_csv(tmp_path / "b.csv", [baby]))
    with workspace.read() as conn:
        ev = Event.__table__
        kinds = sorted(conn.execute(select(ev.c.event_type)).scalars())
    assert kinds == ["birth", "detention"]


def test_reimporting_the_same_file_changes_nothing(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    path = write_csv(tmp_path / "list.csv", sample_rows)
    import_file(workspace, cipher, path)
    before = counts(workspace)
    chain_before = workspace.verify_audit().entries
    again = import_file(workspace, cipher, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert counts(workspace) == before
    assert workspace.verify_audit().entries == chain_before


def test_an_updated_row_supersedes_the_old_report_and_keeps_the_person(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "v1.csv", sample_rows))
    changed = [dict(r) for r in sample_rows]
    changed[1]["status"], changed[1]["status_on"] = "returned", "2017-09"
    summary = import_file(workspace, cipher, write_csv(tmp_path / "v2.csv", changed))
    assert (summary.new, summary.updated, summary.unchanged) == (0, 1, 2)
    with workspace.read() as conn:
        rep, men, links = table_of(Report), table_of(Mention), table_of(PersonLink)
        versions = conn.execute(
            select(rep.c.id, rep.c.supersedes_id).where(rep.c.record_id == "SEO-00002")
        ).all()
        people = (
            conn.execute(
                select(links.c.person_id)
                .join(men, men.c.id == links.c.mention_id)
                .join(rep, rep.c.id == men.c.report_id)
                .where(rep.c.record_id == "SEO-00002")
            )
            .scalars()
            .all()
        )
    assert len(versions) == 2
    old = next(v for v in versions if v.supersedes_id is None)
    assert any(v.supersedes_id == old.id for v in versions)
    assert len(set(people)) == 1
    assert counts(workspace)["persons"] == 3


def test_xlsx_and_json_lines_give_the_same_records_as_csv(
    tmp_path: Path, make_workspace, secret, sample_rows: list[dict[str, str]]
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(CASE_COLUMNS))
    for r in sample_rows:
        sheet.append([r[c] or None for c in CASE_COLUMNS])
    book.save(tmp_path / "list.xlsx")
    with open(tmp_path / "list.jsonl", "w", encoding="utf-8") as handle:
        for r in sample_rows:
            record = {k: v for k, v in r.items() if v}
            if "flags" in record:
                record["flags"] = record["flags"].split(";")
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    write_csv(tmp_path / "list.csv", sample_rows)
    fingerprints = []
    for name in ("list.csv", "list.xlsx", "list.jsonl"):
        ws = make_workspace(name.replace(".", "_"))
        cipher = FieldCipher(ws.unlock(secret))
        summary = import_file(ws, cipher, tmp_path / name)
        assert summary.new == 3
        with ws.read() as conn:
            rep = Report.__table__
            fingerprints.append(
                sorted(conn.execute(select(rep.c.record_id, rep.c.row_number)).all(), key=str)
            )
        assert counts(ws)["events"] == 7
    assert fingerprints[0] == fingerprints[1]


def test_mapped_columns_are_renamed_before_checking(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    columns = tuple("organisation" if c == "source" else c for c in CASE_COLUMNS)
    rows = [
        {
            ("organisation" if k == "source" else k): v
            for k, v in row(source="Activist reports", record_id="A-1", sex="M").items()
        }
    ]
    path = write_csv(tmp_path / "other.csv", rows, columns)
    with pytest.raises(InputError, match="'organisation'"):
        import_file(workspace, cipher, path)
    summary = import_file(workspace, cipher, path, mapping=parse_mapping(["organisation=source"]))
    assert summary.new == 1


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("apprehended_on", "July 2017", "not an EDTF date"),
        ("status", "deported", "must be one of"),
        ("sex", "X", "must be one of"),
        ("flags", "child;vip", "unknown flag"),
        ("age", "forty", "age must be"),
        ("source_type", "rumour", "must be one of"),
        ("status_on", "2016-01", "before the apprehension"),
    ],
)
def test_a_bad_cell_aborts_the_file_naming_file_row_column_and_value(
    tmp_path: Path,
    workspace: Workspace,
    cipher: FieldCipher,
    sample_rows: list[dict[str, str]],
    column: str,
    value: str,
    message: str,
) -> None:
    rows = [dict(r) for r in sample_rows]
    rows[2][column] = value
    if column == "status_on":
        rows[2]["status"] = "returned"
    before = counts(workspace)
    with pytest.raises(InputError) as info:
        import_file(workspace, cipher, write_csv(tmp_path / "bad.csv", rows))
    error = info.value
    assert (error.file, error.row, error.column, error.value) == ("bad.csv", 4, column, value)
    assert message in str(error) and "bad.csv, row 4" in str(error)
    assert counts(workspace) == before


def test_an_unknown_column_is_an_error_on_the_header_row(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("source,nickname\nA,B\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"x.csv, row 1, column 'nickname'"):
        import_file(workspace, cipher, path)


def test_an_empty_source_is_an_error(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_csv(tmp_path / "e.csv", [row(source="A", record_id="1"), row(record_id="2")])
    with pytest.raises(InputError, match=r"row 3, column 'source': required"):
        import_file(workspace, cipher, path)
    assert counts(workspace)["reports"] == 0


def test_a_name_in_another_encoding_is_refused_naming_the_cell_but_not_its_bytes(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = tmp_path / "euc.csv"
    path.write_bytes("source,name_hangul\nA,Kim\nB,김영철\n".encode("euc-kr"))
    before = counts(workspace)
    with pytest.raises(InputError) as info:
        import_file(workspace, cipher, path)
    error = info.value
    assert (error.file, error.row, error.column, error.value) == ("euc.csv", 3, "name_hangul", None)
    assert str(error).startswith("euc.csv, row 3, column 'name_hangul': not valid UTF-8")
    # The bytes are the name in EUC-KR: neither they nor their hex may reach a log.
    raw = "김영철".encode("euc-kr")
    message = str(error)
    assert raw.hex() not in message.replace(" ", "") and "김영철" not in message
    assert "bytes" not in message and "\\x" not in message
    assert counts(workspace) == before


def test_a_place_in_another_encoding_is_refused_showing_its_bytes_in_hex(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    write_csv(tmp_path / "good.csv", sample_rows)
    good = (tmp_path / "good.csv").read_bytes()
    # 도문 (Tumen) in EUC-KR: four bytes, none of which may start a UTF-8 character.
    bad = good.replace("图们".encode(), b"Tumen " + "도문".encode("euc-kr"))
    path = tmp_path / "kr.csv"
    path.write_bytes(bad)
    before = counts(workspace)
    with pytest.raises(InputError) as info:
        import_file(workspace, cipher, path)
    error = info.value
    assert (error.file, error.row, error.column) == ("kr.csv", 2, "apprehended_at")
    hex_bytes = " ".join(f"{b:02x}" for b in "도문".encode("euc-kr"))
    assert f"bytes {hex_bytes} are not UTF-8" in str(error)
    assert error.value == "Tumen " + "\ufffd" * 4
    assert counts(workspace) == before


def test_a_header_in_another_encoding_is_refused_on_row_1(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = tmp_path / "head.jsonl"
    path.write_bytes('{"source": "A", "\u00e9tat": "x"}\n'.encode("latin-1"))
    with pytest.raises(InputError, match=r"head.jsonl, row 1: not valid UTF-8.*bytes e9"):
        import_file(workspace, cipher, path)
    assert counts(workspace)["reports"] == 0


def test_a_byte_order_mark_is_accepted(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("source,record_id\nA,1\n".encode("utf-8-sig"))
    assert import_file(workspace, cipher, path).new == 1


def test_a_name_in_a_bad_cell_is_not_echoed_in_the_error(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = tmp_path / "long.csv"
    secret_name = "비밀이름" * 10_000
    path.write_text(f"source,name_hangul\nA,{secret_name}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_file(workspace, cipher, path)
    assert "비밀이름" not in str(info.value) and "name_hangul" in str(info.value)


def test_a_repeated_record_id_in_one_file_is_an_error(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_csv(
        tmp_path / "d.csv",
        [row(source="A", record_id="1"), row(source="A", record_id="1", sex="F")],
    )
    with pytest.raises(InputError, match="record_id repeats row 2"):
        import_file(workspace, cipher, path)


def test_files_before_a_bad_file_stay_imported_and_the_bad_one_writes_nothing(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    good = write_csv(tmp_path / "good.csv", sample_rows)
    bad = write_csv(
        tmp_path / "bad.csv",
        [row(source="Z", record_id="1"), row(source="Z", apprehended_on="soon")],
    )
    with pytest.raises(InputError, match=r"bad\.csv, row 3"):
        import_files(workspace, cipher, [good, bad])
    assert counts(workspace)["reports"] == 3
    assert workspace.verify_audit().ok


def test_every_imported_row_is_in_the_audit_chain(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    report = workspace.verify_audit()
    # init + 2 sources + 3 rows + 1 file entry
    assert report.ok and report.entries == 7


def test_a_source_given_another_type_is_kept_and_warned_about(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    first = write_csv(
        tmp_path / "first.csv",
        [
            row(source="Tumen group", source_type="network", record_id="1"),
            row(source="Tumen group", source_type="activist", record_id="2"),
            row(source="Tumen group", source_type="activist", record_id="3"),
            row(source="Tumen group", source_type="activist", record_id="4"),
        ],
    )
    summary = import_file(workspace, cipher, first)
    assert summary.warnings == [
        "first.csv, row 3 (and 2 more rows): source 'Tumen group' is of type network, "
        "this row says activist; kept network"
    ]
    # A later file meets the source in the database, not in its own rows.
    later = write_csv(
        tmp_path / "later.csv", [row(source="Tumen group", source_type="family", record_id="9")]
    )
    again = import_files(workspace, cipher, [later])
    assert again.as_dict()["warnings"] == [
        "later.csv, row 2: source 'Tumen group' is of type network, this row says family; "
        "kept network"
    ]
    with workspace.read() as conn:
        src = table_of(Source)
        assert conn.execute(select(src.c.name, src.c.source_type)).all() == [
            ("Tumen group", "network")
        ]
    quiet = write_csv(tmp_path / "quiet.csv", [row(source="Tumen group", record_id="10")])
    assert import_file(workspace, cipher, quiet).warnings == []


EVIDENCE_TABLES = {"reports", "mentions", "events"}
_WRITE = re.compile(
    r'^\s*(UPDATE|DELETE\s+FROM|INSERT\s+INTO)\s+(?:"?\w+"?\.)?"?(\w+)"?', re.IGNORECASE
)


def test_importing_never_updates_or_deletes_evidence(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    """New file, the same file again, an updated file: evidence rows are only ever added."""
    writes: list[tuple[str, str]] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        found = _WRITE.match(statement)
        if found:
            writes.append((found.group(1).split()[0].upper(), found.group(2).lower()))

    changed = [dict(r) for r in sample_rows]
    changed[1]["status"], changed[1]["status_on"] = "returned", "2017-09"
    changed[2]["notes"] = "seen again in Tumen"
    event.listen(workspace.engine, "before_cursor_execute", record)
    try:
        first = import_file(workspace, cipher, write_csv(tmp_path / "v1.csv", sample_rows))
        same = import_file(workspace, cipher, tmp_path / "v1.csv")
        updated = import_file(workspace, cipher, write_csv(tmp_path / "v2.csv", changed))
    finally:
        event.remove(workspace.engine, "before_cursor_execute", record)
    assert (first.new, same.unchanged, updated.updated, updated.new) == (3, 3, 1, 1)
    # The listener saw the evidence being written: 3 + 2 reports, mentions, events.
    assert {table for verb, table in writes if verb == "INSERT"} >= EVIDENCE_TABLES
    touched = [(verb, table) for verb, table in writes if verb in ("UPDATE", "DELETE")]
    assert not [w for w in touched if w[1] in EVIDENCE_TABLES], touched
    assert counts(workspace)["reports"] == 5
