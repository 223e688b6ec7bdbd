"""The HURIDOCS Events Standard Formats export: its structure and act codes, names only
under the consent rule, and formulas defused in its CSV files."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from refwatch.domain.enums import EventType
from refwatch.domain.errors import RefWatchError
from refwatch.intake import huridocs
from refwatch.intake.export import export, names_consent
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Event, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv

SECRETS = ("Gim Songkook", "김송국", "Ri Myong-hui", "박영희", "canary-note-Zq81")


def _json(workspace: Workspace, cipher: FieldCipher | None = None) -> dict[str, Any]:
    buffer = io.StringIO()
    with workspace.read() as conn:
        nameless = frozenset(names_consent(conn).withheld) if cipher else frozenset()
        huridocs.write_json(conn, buffer, cipher=cipher, nameless=nameless)
    document: dict[str, Any] = json.loads(buffer.getvalue())
    return document


def _zip(workspace: Workspace, cipher: FieldCipher | None = None) -> bytes:
    buffer = io.BytesIO()
    with workspace.read() as conn:
        nameless = frozenset(names_consent(conn).withheld) if cipher else frozenset()
        huridocs.write_csv_zip(conn, buffer, cipher=cipher, nameless=nameless)
    return buffer.getvalue()


def _files(data: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


def _unzipped(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


# -- attacks first -------------------------------------------------------------------------


def test_without_names_consent_no_export_holds_a_name(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    plain = json.dumps(_json(workspace), ensure_ascii=False).encode()
    archive = _zip(workspace)
    for secret in SECRETS:
        assert secret.encode() not in plain
        assert secret.encode() not in _unzipped(archive)
    through_registry = io.StringIO()
    export(workspace, "events", "huridocs-json", through_registry, actor="tester")
    for secret in SECRETS:
        assert secret not in through_registry.getvalue()


def test_names_follow_consent_and_no_use_withholds_them(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    sample_rows[0]["consent"] = "none"
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    victims = {p["person_record_number"]: p for p in _json(workspace, cipher)["persons"]}
    assert victims["P-000001"]["name"] is None and victims["P-000001"]["other_names"] == []
    assert victims["P-000002"]["name"] == "Ri Myong-hui"
    assert victims["P-000003"]["name"] == "박영희"
    assert b"Gim Songkook" not in _unzipped(_zip(workspace, cipher))
    assert "canary-note-Zq81" not in json.dumps(_json(workspace, cipher), ensure_ascii=False)


def test_the_cli_path_refuses_names_where_no_format_writes_them(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    with pytest.raises(RefWatchError, match="not to persons as csv"):
        export(workspace, "persons", "csv", io.StringIO(), cipher=cipher)
    with pytest.raises(RefWatchError, match="not to events as jsonl"):
        export(workspace, "events", "jsonl", io.StringIO(), cipher=cipher)
    with pytest.raises(RefWatchError, match="does not export mentions"):
        export(workspace, "mentions", "huridocs-json", io.StringIO())


def test_cells_that_start_a_formula_are_defused_in_every_csv_file(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    hostile = [
        row(
            source='=HYPERLINK("http://x")',
            record_id="=1+1",
            apprehended_on="2017-07",
            apprehended_at="@SUM(A1)",
            held_at="+cmd|' /C calc'!A0",
            status="detained",
            origin="-2+3",
        )
    ]
    import_file(workspace, cipher, write_csv(tmp_path / "h.csv", hostile))
    with workspace.write() as conn:
        conn.execute(update(table_of(Event)).values(authority="=EVIL()"))
    files = _files(_zip(workspace))
    cells = [v for rows in files.values() for r in rows for v in r.values()]
    for value in ('=HYPERLINK("http://x")', "=1+1", "@SUM(A1)", "=EVIL()", "-2+3"):
        assert "'" + value in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert not any(c.startswith("-") and not c.lstrip("-").isdigit() for c in cells)


# -- structure -----------------------------------------------------------------------------


def test_events_hold_acts_with_micro_thesaurus_codes_and_information(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    document = _json(workspace)
    assert document["standard"] == huridocs.STANDARD and document["names"] is False
    events = {e["event_record_number"]: e for e in document["events"]}
    assert set(events) == {"EV-P-000001", "EV-P-000002", "EV-P-000003"}
    returned = events["EV-P-000001"]
    codes = [(a["type_of_act"], a["refwatch_event_type"]) for a in returned["acts"]]
    assert codes == [("030101", "apprehension"), ("030102", "detention"), ("380101", "return")]
    arrest, detention, refoulement = returned["acts"]
    assert arrest["victim"] == "P-000001" and arrest["exact_location"] == "图们"
    assert arrest["initial_date"] == arrest["final_date"] == "2017-07-13"
    assert detention["facility_id"] == "fac-cn-tumen-border-detention"
    assert refoulement["date_edtf"] == "2017-08"
    assert (refoulement["initial_date"], refoulement["final_date"]) == ("2017-08-01", "2017-08-31")
    assert returned["initial_date"] == "2017-07-13" and returned["final_date"] == "2017-08-31"
    assert returned["event_title"].startswith("P-000001: Arrest")
    (information,) = returned["information"]
    assert information["source"].startswith("SRC-")
    assert information["date_of_source_material"] == "2017-08-16"
    assert arrest["information"] == information["information_record_number"]
    held = events["EV-P-000002"]["acts"]
    assert held[-1]["status_at_end_of_act"] == "0202"  # arrested and currently held
    persons = {p["person_record_number"]: p for p in document["persons"]}
    assert persons["P-000002"]["sex"] == "02" and persons["P-000002"]["flags"] == ["child", "ill"]
    assert persons["P-000001"]["roles"] == ["victim"]
    sources = [p for p in persons.values() if p["roles"] == ["source"]]
    assert {s["name"] for s in sources} == {"Seoul Documentation Center", "Family contacts"}
    assert all(s["counting_unit"] == "03" for s in sources)


def test_a_known_authority_becomes_an_involvement_of_a_perpetrator(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    events = table_of(Event)
    with workspace.write() as conn:
        conn.execute(
            update(events)
            .where(events.c.event_type == "apprehension")
            .values(authority="Tumen border police")
        )
    document = _json(workspace)
    involvements = [i for e in document["events"] for i in e["involvements"]]
    assert len(involvements) == 3
    perpetrators = {p["person_record_number"]: p for p in document["persons"]}
    (one,) = {i["perpetrator"] for i in involvements}
    assert perpetrators[one]["name"] == "Tumen border police"
    assert perpetrators[one]["roles"] == ["perpetrator"]
    acts = {a["act_record_number"]: a for e in document["events"] for a in e["acts"]}
    assert {acts[i["act"]]["type_of_act"] for i in involvements} == {"030101"}


def test_the_csv_zip_has_one_file_per_format_linked_by_record_numbers(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    data = _zip(workspace)
    assert data == _zip(workspace)  # the same evidence gives the same bytes
    files = _files(data)
    assert sorted(files) == sorted(name for name, _, _ in huridocs.CSV_FILES)
    events = {e["event_record_number"] for e in files["event.csv"]}
    persons = {p["person_record_number"] for p in files["person.csv"]}
    information = {i["information_record_number"] for i in files["information.csv"]}
    for act in files["act.csv"]:
        assert act["event"] in events and act["victim"] in persons
        assert act["information"] in information
    for item in files["information.csv"]:
        assert item["event"] in events and item["source"] in persons
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        header = archive.read("act.csv").decode().splitlines()[0]
    assert header == ",".join(huridocs.ACT_COLUMNS)


def test_an_empty_workspace_exports_empty_formats(workspace: Workspace) -> None:
    assert _json(workspace)["events"] == []
    files = _files(_zip(workspace))
    assert all(rows == [] for rows in files.values())


def _documented_acts() -> dict[str, tuple[str, str]]:
    """docs/interop.md's "Types of acts" table: first word of the event -> (code, label)."""
    doc = Path(__file__).resolve().parents[2] / "docs" / "interop.md"
    table = doc.read_text(encoding="utf-8").split("Types of acts (list 4):", 1)[1].split("\n\n")[1]
    found = {}
    for line in table.splitlines()[2:]:
        event, act = (cell.strip() for cell in line.strip("|").split("|"))
        code, label = act.split(" ", 1)
        found[event.split(" ", 1)[0]] = (code, label)
    return found


def test_the_documented_act_codes_are_the_enum_s_and_the_ones_written() -> None:
    documented = _documented_acts()
    assert documented == {k.value: k.esf_act for k in EventType if k.esf_act is not None}
    assert {k: k.esf_act for k in EventType if k.esf_act is not None} == huridocs.ACT_TYPES
    assert {k.value for k in EventType if k.esf_code is None} == {
        "departure",
        "transfer",
        "release",
        "safety",
        "birth",
    }


def test_the_events_csv_esf_code_agrees_with_the_acts_even_for_rows_stored_without_one(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    rows = [
        row(source="S", record_id="D-1", apprehended_on="2017-07", status="died"),
        row(source="S", record_id="D-2", apprehended_on="2017-07", status="disappeared"),
    ]
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", rows))
    events = table_of(Event)
    with workspace.write() as conn:  # as rows imported before the enum knew these codes
        conn.execute(update(events).values(esf_code=None))
    out = io.StringIO()
    export(workspace, "events", "csv", out, actor="tester")
    written = {
        (r["event_type"], r["esf_code"] or None)
        for r in csv.DictReader(io.StringIO(out.getvalue()))
    }
    acts = {
        (a["refwatch_event_type"], a["type_of_act"])
        for e in _json(workspace)["events"]
        for a in e["acts"]
    }
    assert ("death", "010107") in written and ("disappearance", "030103") in written
    assert {w for w in written if w[1]} == acts
    assert all(code is None for kind, code in written if EventType(kind).esf_act is None)
