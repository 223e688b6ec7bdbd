"""Uwazi CSV: the mapping file, reading an Uwazi export into case-list rows, the import
through the importer, and RefWatch's own Uwazi import file (round trip included)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from refwatch.domain.errors import InputError
from refwatch.intake import uwazi, uwazi_export, uwazi_mapping
from refwatch.intake.export import names_consent
from refwatch.intake.huridocs import profiles
from refwatch.intake.importer import import_file
from refwatch.intake.registry import ReadOptions, reader
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.workspace import Workspace
from tests.conftest import WorkspaceFactory, row, write_csv

MAPPING: dict[str, Any] = {
    "template": "Detained person",
    "source": "Partner NGO (Uwazi)",
    "source_type": "ngo_list",
    "date_format": "dd/MM/yyyy",  # as Uwazi's settings may spell it
    "columns": {
        "Entity id": "record_id",
        "Title": "name_latin",
        "Title__ko": "name_hangul",
        "Sex": {"field": "sex", "type": "select", "values": {"Woman": "F", "Man": "M"}},
        "Date of arrest": {"field": "apprehended_on", "type": "date"},
        "Place of arrest": {"field": "apprehended_at", "type": "geolocation"},
        "Situation": {
            "field": "status",
            "type": "select",
            "values": {"In custody": "detained", "Sent back": "returned", "Other": None},
        },
        "Vulnerabilities": {
            "field": "flags",
            "type": "multiselect",
            "values": {"Minor": "child", "Elderly": "older", "Sick": "ill", "None": None},
        },
        "Origin": "origin",
    },
}
HEADER = [
    "Title",
    "Title__ko",
    "Date added",
    "Template",
    "Entity id",
    "Sex",
    "Date of arrest",
    "place_of_arrest_geolocation",
    "Situation",
    "Vulnerabilities",
    "Origin",
    "Documents",
]


def entity(**cells: str) -> list[str]:
    values = {
        "Title": "Synthetic Person",
        "Title__ko": "",
        "Date added": "2024-01-02",
        "Template": "Detained person",
        "Entity id": "abc1",
        "Sex": "",
        "Date of arrest": "",
        "place_of_arrest_geolocation": "",
        "Situation": "",
        "Vulnerabilities": "",
        "Origin": "",
        "Documents": "",
    }
    values.update(cells)
    return [values[h] for h in HEADER]


def uwazi_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def mapping_file(tmp_path: Path, content: object = None, name: str = "map.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(MAPPING if content is None else content), encoding="utf-8")
    return path


def read(path: Path, mapping: dict[str, Any] | None = None) -> list[uwazi.UwaziRow]:
    parsed = uwazi_mapping.parse_mapping(json.dumps(mapping or MAPPING).encode())
    return list(uwazi.read_uwazi(path.name, path.read_bytes(), parsed))


# -- hostile mapping files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "key", "reason"),
    [
        ({**MAPPING, "include": "../../etc/passwd"}, "include", "unknown key"),
        ({**MAPPING, "columns": {"Title": "../notes"}}, "columns.Title", "unknown field"),
        ({**MAPPING, "columns": {"Title": {"field": "name_latin", "path": "/tmp"}}}, None, "path"),
        ({**MAPPING, "columns": {"Title": {"field": "source"}}}, "columns.Title", "unknown field"),
        ({**MAPPING, "columns": {"T\x00": "name_latin"}}, None, "control characters"),
        ({**MAPPING, "source": ""}, "source", "required"),
        ({**MAPPING, "source_type": "friend"}, "source_type", "must be one of"),
        ({**MAPPING, "date_format": "%Y"}, "date_format", "unknown date format"),
        (
            {
                **MAPPING,
                "columns": {"Sex": {"field": "sex", "type": "select", "values": {"W": "X"}}},
            },
            "columns.Sex",
            "is not one of",
        ),
        (
            {**MAPPING, "columns": {"A": "name_latin", "B": "name_latin"}},
            "B",
            "already feeds name_latin",
        ),
        ({**MAPPING, "columns": {"A": {"field": "origin", "type": "date"}}}, None, "cannot feed"),
        ({**MAPPING, "columns": {"A": {"field": "sex", "type": "multiselect"}}}, None, "flags"),
        ({**MAPPING, "columns": {"A": {"field": "origin", "max_km": 1e9}}}, None, "max_km"),
        ([1, 2], None, "must be an object"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_key(
    tmp_path: Path, content: object, key: str | None, reason: str
) -> None:
    with pytest.raises(InputError) as caught:
        uwazi_mapping.load_mapping(mapping_file(tmp_path, content))
    assert reason in str(caught.value)
    assert caught.value.file == "map.json"
    if key is not None:
        assert caught.value.column == key


def test_a_mapping_path_that_is_no_small_regular_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dir.json"
    folder.mkdir()
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    big = tmp_path / "big.json"
    big.write_text(" " * (uwazi_mapping.MAX_MAPPING_BYTES + 1) + "{}")
    for path, reason in (
        (folder, "not a regular file"),
        (fifo, "not a regular file"),  # would block a plain open() forever
        (big, "larger than"),
        (tmp_path / "missing.json", "no such mapping file"),
        (tmp_path / "map.yaml", "must be .json or .toml"),
    ):
        with pytest.raises(InputError, match=reason):
            uwazi_mapping.load_mapping(path)
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        uwazi_mapping.load_mapping(link)


def test_a_mapping_that_is_not_utf8_or_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_bytes(b'{"source": "\xff"}')
    with pytest.raises(InputError, match="UTF-8"):
        uwazi_mapping.load_mapping(path)
    path.write_text("{" * 100_000)
    with pytest.raises(InputError, match="not valid JSON"):
        uwazi_mapping.load_mapping(path)


def test_a_toml_mapping_reads_like_json(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text(
        'source = "Partner"\ndate_format = "YYYY-MM-DD"\n[columns]\nTitle = "name_latin"\n'
        '[columns.Sex]\nfield = "sex"\ntype = "select"\nvalues = { Woman = "F" }\n',
        encoding="utf-8",
    )
    mapping = uwazi_mapping.load_mapping(path)
    assert mapping.source == "Partner"
    assert [(c.column, c.target, c.type) for c in mapping.columns] == [
        ("Title", "name_latin", "text"),
        ("Sex", "sex", "select"),
    ]


# -- hostile Uwazi files ---------------------------------------------------------------------


def test_a_mapped_column_missing_from_the_file_is_an_error_before_any_row(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "Situation"]
    path = uwazi_csv(tmp_path / "u.csv", [["\xff broken row"]], header)
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.file, caught.value.row, caught.value.column) == ("u.csv", 1, "Situation")
    assert "names column(s) the file lacks" in str(caught.value)


def test_bytes_that_are_not_utf8_are_named_by_row_and_column_and_a_name_is_not_shown(
    tmp_path: Path,
) -> None:
    path = tmp_path / "u.csv"
    good = ",".join(entity())
    bad_origin = ",".join(entity(Origin="Musan")).replace("Musan", "Mu\xe7an")
    path.write_bytes(
        (",".join(HEADER) + "\n" + good + "\n").encode() + bad_origin.encode("latin-1")
    )
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.row, caught.value.column) == (3, "Origin")
    assert "UTF-8" in str(caught.value) and caught.value.value is not None
    secret = "Kim Secretname"
    bad_name = ",".join(entity(Title=secret + "\xe9"))
    path.write_bytes((",".join(HEADER) + "\n").encode() + bad_name.encode("latin-1"))
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.row, caught.value.column) == (2, "Title")
    assert caught.value.value is None and "Secretname" not in str(caught.value)


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"Sex": "Alien"}, "Sex", "does not list"),
        ({"Vulnerabilities": "Minor|Tall"}, "Vulnerabilities", "does not list"),
        ({"Date of arrest": "31/02/2017"}, "Date of arrest", "not a date"),
        ({"Date of arrest": "01/07/2017~"}, "Date of arrest", "open end"),
        ({"Date of arrest": "01/08/2017~01/07/2017"}, "Date of arrest", "ends before"),
        ({"Date of arrest": "01/07/2017|02/07/2017"}, "Date of arrest", "several dates"),
        ({"place_of_arrest_geolocation": "abc"}, "Place of arrest", "not a geolocation"),
        ({"place_of_arrest_geolocation": "95|129"}, "Place of arrest", "out of range"),
        ({"place_of_arrest_geolocation": "0|0"}, "Place of arrest", "no gazetteer place"),
        ({"Template": "Organisation"}, "Template", "one template at a time"),
        ({"Title": "=" + "x" * 20_001}, "Title", "longer than"),
    ],
)
def test_a_bad_cell_names_file_row_and_uwazi_column(
    tmp_path: Path, cells: dict[str, str], column: str, reason: str
) -> None:
    path = uwazi_csv(tmp_path / "u.csv", [entity(), entity(**{"Entity id": "abc2", **cells})])
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.file, caught.value.row) == ("u.csv", 3)
    assert caught.value.column == column
    assert reason in str(caught.value)


def test_a_case_list_error_names_the_uwazi_column_and_its_field(tmp_path: Path) -> None:
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "Origin": "age"}}
    path = uwazi_csv(tmp_path / "u.csv", [entity(Origin="very old")])
    parsed = uwazi_mapping.parse_mapping(json.dumps(mapping).encode())
    with pytest.raises(InputError) as caught:
        uwazi.read_records(path.name, path.read_bytes(), parsed)
    assert (caught.value.row, caught.value.column) == (2, "Origin (→ age)")


def test_a_repeated_entity_id_is_refused(tmp_path: Path) -> None:
    path = uwazi_csv(tmp_path / "u.csv", [entity(), entity()])
    parsed = uwazi_mapping.parse_mapping(json.dumps(MAPPING).encode())
    with pytest.raises(InputError, match="repeats row 2"):
        uwazi.read_records(path.name, path.read_bytes(), parsed)


def test_an_oversized_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = uwazi_csv(tmp_path / "u.csv", [entity() for _ in range(5)])
    monkeypatch.setattr(uwazi, "MAX_FILE_BYTES", path.stat().st_size - 1)
    parsed = uwazi_mapping.parse_mapping(json.dumps(MAPPING).encode())
    with pytest.raises(InputError, match="larger than"):
        uwazi.read_records(path.name, path.read_bytes(), parsed)
    with pytest.raises(InputError, match="larger than"):
        list(reader("uwazi").read(path, ReadOptions(mapping_file=mapping_file(tmp_path))))


def test_a_malformed_csv_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text(",".join(HEADER) + '\n"unterminated,' + "," * 11 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"well-formed|cells"):
        read(path)


# -- what a good file gives ---------------------------------------------------------------


def test_uwazi_cells_become_case_list_cells(tmp_path: Path) -> None:
    path = uwazi_csv(
        tmp_path / "u.csv",
        [
            entity(
                **{
                    "Title__ko": "김합성",
                    "Sex": " woman ",
                    "Date of arrest": "01/07/2017~31/08/2017",
                    "place_of_arrest_geolocation": "42.96|129.83",
                    "Situation": "Sent back",
                    "Vulnerabilities": "Minor|Sick|None",
                    "Origin": "Hamgyongbuk-do, Musan",
                }
            ),
            entity(**{"Entity id": "abc2", "Date of arrest": "2017", "Situation": "Other"}),
            entity(**{"Entity id": "abc3", "Date of arrest": "1499904000"}),
            entity(**{"Entity id": "abc4", "Date of arrest": "13/07/2017:13/07/2017"}),
        ],
    )
    rows = read(path)
    first = rows[0].cells
    assert first["source"] == "Partner NGO (Uwazi)" and first["source_type"] == "ngo_list"
    assert first["record_id"] == "abc1" and first["name_hangul"] == "김합성"
    assert first["sex"] == "F" and first["status"] == "returned"
    assert first["apprehended_on"] == "2017-07-01/2017-08-31"
    assert first["apprehended_at"] == "Tumen"  # the nearest gazetteer place
    assert first["flags"] == "child;ill"
    assert rows[1].cells["apprehended_on"] == "2017" and rows[1].cells["status"] is None
    assert rows[2].cells["apprehended_on"] == "2017-07-13"  # Uwazi's own timestamp
    assert rows[3].cells["apprehended_on"] == "2017-07-13"


def test_a_point_becomes_the_nearest_facility_for_held_at_and_a_town_for_origin(
    tmp_path: Path,
) -> None:
    columns = {
        "Entity id": "record_id",
        "place_of_arrest_geolocation": {"field": "held_at", "type": "geolocation"},
        "Origin": {"field": "origin", "type": "geolocation", "max_km": 5},
    }
    mapping = {"source": "Partner", "columns": columns}
    path = uwazi_csv(
        tmp_path / "u.csv",
        [entity(**{"place_of_arrest_geolocation": "42.97|129.85", "Origin": "42.23|129.21"})],
    )
    (only,) = read(path, mapping)
    assert only.cells["held_at"] == "Tumen border detention center"
    assert only.cells["origin"] == "Musan"


def test_a_semicolon_separated_file_with_safe_names_reads_the_same(tmp_path: Path) -> None:
    header = [uwazi_mapping.safe_name(h) if h != "Title__ko" else h for h in HEADER]
    path = tmp_path / "u.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerow(entity(Sex="Man", Origin="Musan"))
    (only,) = read(path)
    assert only.cells["sex"] == "M" and only.cells["origin"] == "Musan"


def test_an_uwazi_import_goes_through_the_importer_and_a_reimport_changes_nothing(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    rows = [
        entity(Sex="Woman", **{"Date of arrest": "13/07/2017", "Situation": "In custody"}),
        entity(**{"Entity id": "abc2", "Title": "Second Synthetic", "Situation": "Sent back"}),
    ]
    path = uwazi_csv(tmp_path / "u.csv", rows)
    mapping = mapping_file(tmp_path)
    first = uwazi.import_uwazi(workspace, cipher, path, mapping, actor="tester")
    assert (first.rows, first.new, first.updated, first.unchanged) == (2, 2, 0, 0)
    again = uwazi.import_uwazi(workspace, cipher, path, mapping, actor="tester")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    rows[1] = entity(
        **{"Entity id": "abc2", "Title": "Second Synthetic", "Situation": "In custody"}
    )
    edited = uwazi.import_uwazi(workspace, cipher, uwazi_csv(path, rows), mapping, actor="tester")
    assert (edited.new, edited.updated, edited.unchanged) == (0, 1, 1)
    with workspace.read() as conn:
        people = {p.person_id: p for p in profiles(conn, None, frozenset())}
    assert set(people) == {"P-000001", "P-000002"}
    assert people["P-000002"].status == "detained"
    assert "Second Synthetic" not in repr(people)  # no cipher, no names


def test_a_bad_row_imports_nothing(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    rows = [entity(), entity(**{"Entity id": "abc2", "Sex": "Alien"})]
    path = uwazi_csv(tmp_path / "u.csv", rows)
    with pytest.raises(InputError):
        uwazi.import_uwazi(workspace, cipher, path, mapping_file(tmp_path), actor="tester")
    with workspace.read() as conn:
        assert profiles(conn, None, frozenset()) == []


# -- RefWatch's Uwazi import file ---------------------------------------------------------


def _export(workspace: Workspace, cipher: FieldCipher | None) -> str:
    buffer = io.StringIO()
    with workspace.read() as conn:
        nameless = frozenset(names_consent(conn).withheld) if cipher else frozenset()
        uwazi_export.write_persons_csv(conn, buffer, cipher=cipher, nameless=nameless)
    return buffer.getvalue()


def test_the_export_without_names_consent_carries_no_name(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    sample_rows[0]["consent"] = "none"  # no_use: withheld even from a names export
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    plain = _export(workspace, None).encode()
    for name in ("Gim Songkook", "김송국", "Ri Myong-hui", "박영희", "canary-note-Zq81"):
        assert name.encode() not in plain
    named = _export(workspace, cipher).encode()
    assert b"Ri Myong-hui" in named and "박영희".encode() in named
    assert b"Gim Songkook" not in named and "김송국".encode() not in named


def test_exported_cells_that_start_a_formula_are_defused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    hostile = [
        row(source='=HYPERLINK("http://x")', record_id="F-1", apprehended_at="+cmd|' /C calc'!A0"),
        row(source="Fine", record_id="F-2", group="@SUM(A1)", origin="-2+3", birth_year="1970"),
    ]
    import_file(workspace, cipher, write_csv(tmp_path / "h.csv", hostile))
    cells = [c for r in csv.reader(io.StringIO(_export(workspace, None))) for c in r]
    assert '\'=HYPERLINK("http://x")' in cells
    assert "'+cmd|' /C calc'!A0" in cells and "'@SUM(A1)" in cells and "'-2+3" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_uwazi_export_then_import_through_the_mapping_gives_the_same_persons(
    tmp_path: Path,
    make_workspace: WorkspaceFactory,
    secret: Secret,
    sample_rows: list[dict[str, str]],
) -> None:
    origin = make_workspace("origin")
    cipher = FieldCipher(origin.unlock(secret))
    import_file(origin, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    exported = tmp_path / "persons.csv"
    exported.write_text(_export(origin, cipher), encoding="utf-8")
    mapping = tmp_path / "refwatch.json"
    mapping.write_text(
        json.dumps(uwazi_export.export_mapping("Origin workspace")), encoding="utf-8"
    )
    target = make_workspace("target")
    target_cipher = FieldCipher(target.unlock(secret))
    summary = uwazi.import_uwazi(target, target_cipher, exported, mapping, actor="tester")
    assert summary.new == 3

    def persons(ws: Workspace, c: FieldCipher) -> dict[str, tuple[object, ...]]:
        with ws.read() as conn:
            found = profiles(conn, c, frozenset())
        return {
            p.name_latin or p.name_hangul or "": (
                p.name_hangul,
                p.sex,
                p.birth_year,
                p.age,
                p.origin,
                p.apprehended_at,
                p.held_at,
                p.status,
                tuple(sorted(p.flags)),
                p.group,
                _days(p.mentions[0]["apprehended_on"]),
                _days(p.status_on),
            )
            for p in found
        }

    assert persons(target, target_cipher) == persons(origin, cipher)
    again = uwazi.import_uwazi(target, target_cipher, exported, mapping, actor="tester")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)


def _days(edtf: str | None) -> tuple[str, str] | None:
    from refwatch.domain.dates import parse_date

    if edtf is None:
        return None
    interval = parse_date(edtf)
    return interval.earliest.isoformat(), interval.latest.isoformat()


# -- docs/interop.md stays true ---------------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "interop.md"


def _blocks(language: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [b.split("\n", 1)[1] for b in text.split("```")[1::2] if b.startswith(language)]


def test_the_documented_mappings_parse_and_the_round_trip_mapping_is_the_code_s() -> None:
    example, round_trip = (json.loads(b) for b in _blocks("json"))
    assert round_trip == uwazi_export.export_mapping("Our Uwazi")
    parsed = uwazi_mapping.parse_mapping(json.dumps(example).encode())
    assert {c.target for c in parsed.columns} >= {"record_id", "apprehended_at", "flags"}
    (toml,) = _blocks("toml")
    assert uwazi_mapping.parse_mapping(toml.encode(), toml=True).source == "Partner NGO (Uwazi)"


def test_the_documented_uwazi_columns_are_the_ones_written() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## An Uwazi CSV import file of persons", 1)[1].split("\n\n")[2]
    labels = [line.split("|")[1].strip() for line in section.splitlines()[2:]]
    written = [
        "Apprehension location" if c.endswith("_geolocation") else c
        for c in uwazi_export.UWAZI_COLUMNS
    ]
    assert labels == written
