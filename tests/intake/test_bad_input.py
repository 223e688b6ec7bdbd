"""Hostile and broken input: every importer either accepts a file correctly or refuses it
with an InputError, and a refused file writes nothing."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

import refwatch.intake.readers as readers
from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.domain.errors import InputError
from refwatch.intake.export import export
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.schema import Report, table_of
from refwatch.store.workspace import Workspace, init_workspace
from tests import figures
from tests.conftest import TEST_KDF, row, write_csv

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _reports(workspace: Workspace) -> int:
    with workspace.read() as conn:
        return conn.execute(select(func.count()).select_from(table_of(Report))).scalar_one()


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".jsonl"]))
def test_random_bytes_are_refused_cleanly_or_imported(
    tmp_path: Path,
    workspace: Workspace,
    cipher: FieldCipher,
    tried: list[int],
    data: bytes,
    suffix: str,
) -> None:
    tried[0] += 1
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    before = _reports(workspace)
    try:
        summary = import_file(workspace, cipher, path)
    except InputError as error:
        assert error.file is not None
        assert _reports(workspace) == before
    else:
        assert _reports(workspace) == before + summary.new + summary.updated


@FUZZ
@given(
    header=st.lists(st.sampled_from([*CASE_COLUMNS, "x", ""]), min_size=1, max_size=6),
    cells=st.lists(st.text(max_size=30), max_size=6),
)
def test_random_csv_shapes_are_refused_cleanly_or_imported(
    tmp_path: Path,
    workspace: Workspace,
    cipher: FieldCipher,
    tried: list[int],
    header: list[str],
    cells: list[str],
) -> None:
    tried[0] += 1
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(cells)
    path = tmp_path / "shape.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    before = _reports(workspace)
    try:
        import_file(workspace, cipher, path)
    except InputError:
        assert _reports(workspace) == before


names = (
    st.text(
        alphabet=st.sampled_from("김이박최리림류영철희순명 -ABCDEFGHIJKLMNOPabcdeoyŏŭ'"),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
dates = st.sampled_from(["", "2016-07", "2017-07-13", "2017-07/2017-08", "2017-07-15~", "2017"])
records = st.fixed_dictionaries(
    {
        "name_hangul": names,
        "name_latin": names,
        "sex": st.sampled_from(["", "F", "M"]),
        "apprehended_on": dates,
        "apprehended_at": st.sampled_from(["", "Tumen", "长白", "연길"]),
        "status": st.sampled_from(["", "detained", "unknown"]),
        "flags": st.sampled_from(["", "child", "guide", "ill;older"]),
        "notes": st.text(
            alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40
        ).map(str.strip),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(records, min_size=1, max_size=6))
def test_import_then_export_with_names_gives_back_the_same_rows(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, str]]
) -> None:
    folder = tmp_path_factory.mktemp("roundtrip")
    secret = Secret(passphrase="round trip passphrase")
    given_rows = [row(source="Round trip", record_id=f"R-{i}", **r) for i, r in enumerate(rows)]
    given_rows = [{k: _as_exported(v) for k, v in r.items()} for r in given_rows]
    with init_workspace(folder / "ws", secret, kdf=TEST_KDF) as workspace:
        cipher = FieldCipher(workspace.unlock(secret))
        import_file(workspace, cipher, write_csv(folder / "in.csv", given_rows))
        out = io.StringIO()
        export(workspace, "mentions", "csv", out, cipher=cipher)
    exported = [
        {c: r[c] for c in CASE_COLUMNS} for r in csv.DictReader(io.StringIO(out.getvalue()))
    ]
    assert sorted(exported, key=lambda r: r["record_id"]) == sorted(
        given_rows, key=lambda r: r["record_id"]
    )


def _as_exported(value: str) -> str:
    """What survives a CSV round trip: stripped cells, formulas defused by the export (any
    cell starting with = + - @ or their full-width forms, unless it is a plain negative
    number such as -12)."""
    value = value.strip()
    starts_formula = value[:1] in ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
    plain_negative = re.fullmatch(r"-[0-9]+(\.[0-9]+)?", value) is not None
    return "'" + value if starts_formula and not plain_negative else value


def test_a_formula_in_a_name_is_defused_in_the_csv_export(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_csv(
        tmp_path / "f.csv", [row(source="S", record_id="1", name_latin='=HYPERLINK("http://x")')]
    )
    import_file(workspace, cipher, path)
    out = io.StringIO()
    export(workspace, "mentions", "csv", out, cipher=cipher)
    assert "'=HYPERLINK" in out.getvalue()


def test_an_xlsx_that_unpacks_too_far_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(CASE_COLUMNS))
    for n in range(2000):
        sheet.append(["Zip bomb source", None, None, f"Z-{n}"] + ["A" * 50] * 3)
    path = tmp_path / "bomb.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    monkeypatch.setattr(readers, "XLSX_MAX_UNCOMPRESSED", unpacked // 2)
    with pytest.raises(InputError, match="unpacks to more than"):
        import_file(workspace, cipher, path)
    assert _reports(workspace) == 0


def test_deeply_nested_json_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps({"source": "S"}) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(InputError, match="row 2"):
        import_file(workspace, cipher, path)
    assert _reports(workspace) == 0


def test_a_huge_cell_is_refused_naming_its_cell(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_csv(tmp_path / "huge.csv", [row(source="S", origin="x" * 300_000)])
    with pytest.raises(InputError, match=r"row 2, column 'origin'"):
        import_file(workspace, cipher, path)


# -- mutated valid files, encodings, huge fields, zip bombs --------------------------------
# Every input below is counted; each test records its count (figures: "inputs fuzzed").

MUTATE = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SHEET = "xl/worksheets/sheet1.xml"
# Bytes that break parsers in interesting ways: NUL, not UTF-8, a BOM, a UTF-8-encoded
# surrogate, a line separator, XML and JSON syntax, a long number.
SPICE = (
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",
    b"\xe2\x80\xa8",
    b"<",
    b"&",
    b'"',
    b"\\u",
    b"{",
    b"\n",
    b"9" * 600,
    b'<!DOCTYPE x [<!ENTITY e "e">]>',
)
mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete", "replace"]),
        st.floats(0, 1, exclude_max=True),
        st.sampled_from(SPICE) | st.binary(min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=4,
)


TRIED: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _record_inputs_fuzzed() -> Iterator[None]:
    """Figures: inputs tried per test (parametrized cases added up) and in all."""
    TRIED.clear()
    yield
    for test, count in TRIED.items():
        figures.record(f"test_bad_input::{test}", "inputs fuzzed", count)
    if TRIED:
        figures.record("test_bad_input (all)", "inputs fuzzed", sum(TRIED.values()))


@pytest.fixture
def tried(request: pytest.FixtureRequest) -> Iterator[list[int]]:
    """A counter of inputs tried by this test, added to the module's figures."""
    box = [0]
    yield box
    name = request.node.originalname
    TRIED[name] = TRIED.get(name, 0) + box[0]


def _mutate(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    out = bytearray(data)
    for op, where, spice in ops:
        at = int(where * len(out)) if out else 0
        if op == "flip" and out:
            out[min(at, len(out) - 1)] ^= spice[0] or 1
        elif op == "insert":
            out[at:at] = spice
        elif op == "delete":
            del out[at : at + len(spice)]
        else:
            out[at : at + len(spice)] = spice
    return bytes(out)


def _valid_rows() -> list[list[object]]:
    return [
        [
            *("Mutation source", "ngo_list", "2017-08-16", f"M-{n}", "김송국", "Gim Songkook"),
            *("M", 1971, 46, "Musan", "2017-07-13", "Tumen", None, "detained", None, "G1"),
            *("child", "n"),
        ]
        for n in range(3)
    ]


def _xlsx(rows: list[list[object]], header: tuple[str, ...] = CASE_COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@functools.cache
def _base_xlsx() -> bytes:
    return _xlsx(_valid_rows())


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _base_jsonl() -> bytes:
    lines = [
        {
            "source": "JSON source",
            "source_type": "ngo_list",
            "record_id": f"J-{n}",
            "name_hangul": "박영희",
            "sex": "F",
            "birth_year": 1950,
            "apprehended_on": "2017-07",
            "apprehended_at": "연길",
            "status": "detained",
            "flags": ["older", "ill"],
            "notes": "line\u2028separator",
        }
        for n in range(3)
    ]
    return "".join(json.dumps(x, ensure_ascii=False) + "\r\n" for x in lines).encode()


def _outcome(workspace: Workspace, cipher: FieldCipher, path: Path) -> str:
    """ "refused" (an InputError naming the file, nothing written) or "accepted" (the
    report rows written are exactly the new and updated ones)."""
    before = _reports(workspace)
    try:
        summary = import_file(workspace, cipher, path)
    except InputError as error:
        assert error.file == path.name
        assert _reports(workspace) == before
        return "refused"
    assert _reports(workspace) == before + summary.new + summary.updated
    return "accepted"


def _try(tmp_path: Path, workspace: Workspace, cipher: FieldCipher, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return _outcome(workspace, cipher, path)


def test_the_valid_bases_import_as_they_are(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    assert _try(tmp_path, workspace, cipher, "base.xlsx", _base_xlsx()) == "accepted"
    assert _try(tmp_path, workspace, cipher, "base.jsonl", _base_jsonl()) == "accepted"
    assert _reports(workspace) == 6


@MUTATE
@given(ops=mutations)
def test_mutated_xlsx_bytes_are_refused_cleanly_or_imported(
    tmp_path: Path,
    workspace: Workspace,
    cipher: FieldCipher,
    tried: list[int],
    ops: list[tuple[str, float, bytes]],
) -> None:
    tried[0] += 1
    _try(tmp_path, workspace, cipher, "mutated.xlsx", _mutate(_base_xlsx(), ops))


@MUTATE
@given(
    member=st.sampled_from(
        [
            *(SHEET, SHEET, SHEET, "xl/workbook.xml", "[Content_Types].xml", "xl/styles.xml"),
            *("xl/_rels/workbook.xml.rels", "_rels/.rels"),
        ]
    ),
    ops=mutations,
)
def test_mutated_xml_inside_a_rezipped_xlsx_is_refused_cleanly_or_imported(
    tmp_path: Path,
    workspace: Workspace,
    cipher: FieldCipher,
    tried: list[int],
    member: str,
    ops: list[tuple[str, float, bytes]],
) -> None:
    tried[0] += 1
    members = _members(_base_xlsx())
    members[member] = _mutate(members[member], ops)
    _try(tmp_path, workspace, cipher, "rezipped.xlsx", _rezip(members))


def test_a_sheet_the_reader_meets_damaged_mid_way_is_an_input_error(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, tried: list[int]
) -> None:
    """openpyxl parses the sheet while the rows are read: a damaged one used to escape as
    ParseError, BadZipFile (CRC), zlib.error or ValueError, a crash (500 on the web)."""
    members = _members(_base_xlsx())
    cases = {
        "xml": members[SHEET].replace(b"</row>", b"</rw>", 1),
        "number": members[SHEET].replace(b'r="2"', b'r="x"', 1),
    }
    for label, sheet in cases.items():
        tried[0] += 1
        data = _rezip({**members, SHEET: sheet})
        path = tmp_path / f"{label}.xlsx"
        path.write_bytes(data)
        with pytest.raises(InputError, match="not a readable XLSX file"):
            import_file(workspace, cipher, path)
    # A flipped bit in the compressed sheet: a CRC or zlib error while reading.
    data = bytearray(_base_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    refused = 0
    for offset in range(start + 8, start + info.compress_size - 8, 97):
        tried[0] += 1
        damaged = bytearray(data)
        damaged[offset] ^= 0x10
        if _try(tmp_path, workspace, cipher, "crc.xlsx", bytes(damaged)) == "refused":
            refused += 1
    assert refused > 0
    assert _reports(workspace) == 0


@MUTATE
@given(ops=mutations)
def test_mutated_json_lines_are_refused_cleanly_or_imported(
    tmp_path: Path,
    workspace: Workspace,
    cipher: FieldCipher,
    tried: list[int],
    ops: list[tuple[str, float, bytes]],
) -> None:
    tried[0] += 1
    _try(tmp_path, workspace, cipher, "mutated.jsonl", _mutate(_base_jsonl(), ops))


def _text_of(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


ONE = {"source": "Encoded source", "record_id": "E-1", "name_hangul": "김송국", "sex": "M"}


@pytest.mark.parametrize(
    ("label", "data", "expected"),
    [
        pytest.param(
            "UTF-8 with a BOM",
            b"\xef\xbb\xbf" + _text_of([ONE]).encode(),
            "accepted",
            id="UTF-8 with a BOM",
        ),
        pytest.param(
            "a BOM on line 2",
            (_text_of([ONE]) + "\ufeff" + _text_of([ONE])).encode(),
            "refused",
            id="a BOM on line 2",
        ),
        pytest.param(
            "UTF-16 LE with a BOM",
            _text_of([ONE]).encode("utf-16"),
            "refused",
            id="UTF-16 LE with a BOM",
        ),
        pytest.param(
            "UTF-16 BE without a BOM",
            _text_of([ONE]).encode("utf-16-be"),
            "refused",
            id="UTF-16 BE without a BOM",
        ),
        pytest.param("UTF-32", _text_of([ONE]).encode("utf-32"), "refused", id="UTF-32"),
        pytest.param(
            "CP949 (Korean Windows)",
            _text_of([ONE]).encode("cp949"),
            "refused",
            id="CP949 (Korean Windows)",
        ),
        pytest.param("EUC-KR", _text_of([ONE]).encode("euc-kr"), "refused", id="EUC-KR"),
        pytest.param(
            "Latin-1",
            _text_of([{**ONE, "name_hangul": "Séo"}]).encode("latin-1"),
            "refused",
            id="Latin-1",
        ),
        pytest.param(
            "CESU-8 surrogate pair",
            _text_of([ONE]).encode()[:-2] + b'\xed\xa0\x80"}\n',
            "refused",
            id="CESU-8 surrogate pair",
        ),
        pytest.param(
            "a lone surrogate escaped in JSON",
            b'{"source":"S","record_id":"\\ud800"}\n',
            "refused",
            id="a lone surrogate escaped in JSON",
        ),
        pytest.param(
            "a lone surrogate as a key",
            b'{"source":"S","\\udfff":"x"}\n',
            "refused",
            id="a lone surrogate as a key",
        ),
        pytest.param(
            "a 5000-digit number",
            b'{"source":"S","age":' + b"9" * 5000 + b"}\n",
            "refused",
            id="a 5000-digit number",
        ),
        pytest.param(
            "U+2028 inside a string",
            '{"source":"S\u2028T","record_id":"1"}\n'.encode(),
            "accepted",
            id="U+2028 inside a string",
        ),
        pytest.param(
            "CR LF line ends",
            _text_of([ONE]).replace("\n", "\r\n").encode(),
            "accepted",
            id="CR LF line ends",
        ),
    ],
)
def test_json_lines_in_other_encodings_or_with_boms_are_read_right_or_refused(
    tmp_path: Path,
    workspace: Workspace,
    cipher: FieldCipher,
    tried: list[int],
    label: str,
    data: bytes,
    expected: str,
) -> None:
    tried[0] += 1
    assert _try(tmp_path, workspace, cipher, "encoded.jsonl", data) == expected, label
    if expected == "accepted":
        out = io.StringIO()
        export(workspace, "mentions", "jsonl", out, cipher=cipher)
        exported = [json.loads(line) for line in out.getvalue().split("\n") if line]
        assert len(exported) == 1
        if label == "U+2028 inside a string":
            assert exported[0]["source"] == "S\u2028T"
        else:
            assert exported[0]["name_hangul"] == "김송국"


def _sheet_rows_exported(workspace: Workspace, cipher: FieldCipher) -> list[tuple[str, str]]:
    out = io.StringIO()
    export(workspace, "mentions", "jsonl", out, cipher=cipher)
    rows = [json.loads(line) for line in out.getvalue().split("\n") if line]
    return sorted((r["record_id"], r["name_hangul"]) for r in rows)


def test_an_xlsx_sheet_in_utf16_or_with_a_bom_reads_the_same_and_a_wrong_encoding_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, tried: list[int]
) -> None:
    members = _members(_base_xlsx())
    # openpyxl writes non-ASCII as character references when lxml is installed: write the
    # name as text, so that a wrong encoding really changes the bytes of the sheet.
    text = re.sub(
        r"&#(\d+);", lambda m: chr(int(m.group(1))), members[SHEET].decode("utf-8")
    )
    assert "김송국" in text
    declared = '<?xml version="1.0" encoding="{}"?>\n'
    readable = {
        "bom.xlsx": b"\xef\xbb\xbf" + members[SHEET],
        "utf16.xlsx": (declared.format("UTF-16") + text).encode("utf-16"),
    }
    expected = [(f"M-{n}", "김송국") for n in range(3)]
    for name, sheet in readable.items():
        tried[0] += 1
        outcome = _try(tmp_path, workspace, cipher, name, _rezip({**members, SHEET: sheet}))
        assert outcome == "accepted", name
        assert _sheet_rows_exported(workspace, cipher) == expected
    unreadable = {
        "cp949-said-utf8.xlsx": (declared.format("UTF-8") + text).encode("cp949"),
        "utf16-said-utf8.xlsx": (declared.format("UTF-8") + text).encode("utf-16"),
    }
    for name, sheet in unreadable.items():
        tried[0] += 1
        data = _rezip({**members, SHEET: sheet})
        assert _try(tmp_path, workspace, cipher, name, data) == "refused", name
    assert _reports(workspace) == 3


def test_huge_fields_in_json_lines_and_xlsx_are_refused_naming_their_cell(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, tried: list[int]
) -> None:
    limit = readers.MAX_CELL_CHARS
    base = {"source": "Huge", "source_type": "ngo_list", "record_id": "H-1"}
    cases = {
        "notes.jsonl": _text_of([{**base, "notes": "x" * 3_000_000}]).encode(),
        "origin.jsonl": _text_of([base, {**base, "record_id": "H-2", "origin": "가" * 200_000}]),
        "key.jsonl": _text_of([{**base, "k" * 100_000: "x"}]),
    }
    where = {
        "notes.jsonl": r"row 1, column 'notes'",
        "origin.jsonl": r"row 2, column 'origin'",
        "key.jsonl": r"row 1.*unknown column",
    }
    for name, data in cases.items():
        tried[0] += 1
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        with pytest.raises(InputError, match=where[name]):
            import_file(workspace, cipher, path)
    values = _valid_rows()[0]
    huge = tmp_path / "huge.xlsx"
    huge.write_bytes(_xlsx([values, [*values[:3], "H-2", *values[4:9], "y" * 100_000]]))
    tried[0] += 1
    with pytest.raises(InputError, match=r"row 3, column 'origin': cell is longer than"):
        import_file(workspace, cipher, huge)
    assert _reports(workspace) == 0
    # At the limit exactly, a notes cell is accepted whole (place columns stop at 200).
    tried[0] += 2
    edge = _text_of([{**base, "notes": "o" * limit}])
    assert _try(tmp_path, workspace, cipher, "edge.jsonl", edge.encode()) == "accepted"
    values[CASE_COLUMNS.index("notes")] = "p" * limit
    assert _try(tmp_path, workspace, cipher, "edge.xlsx", _xlsx([values])) == "accepted"
    assert _reports(workspace) == 2


def _raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, deflated data, CRC-32, compressed size, size as declared)."""
    out = io.BytesIO()
    central = io.BytesIO()
    for name, data, crc, compressed, size in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                compressed,
                size,
                len(encoded),
                0,
            )
        )
        out.write(encoded)
        out.write(data)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                compressed,
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        central.write(encoded)
    start = out.tell()
    out.write(central.getvalue())
    count = len(entries)
    out.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central.getvalue()), start, 0)
    )
    return out.getvalue()


def _deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _bomb(spaces_mib: int, declare: int | None = None) -> bytes:
    """A valid XLSX whose sheet XML holds `spaces_mib` MiB of blanks between its rows.

    The deflate stream is built the way zip bombs are: 1 MiB of blanks compressed once
    (with a full flush, so the block stands alone) and that block repeated, so the file is
    made in a second and the sheet really inflates to its full size with a correct CRC."""
    members = _members(_base_xlsx())
    sheet = members.pop(SHEET)
    head, tail = sheet.split(b"<sheetData>", 1)
    head += b"<sheetData>"
    blanks = b" " * 2**20

    def alone(data: bytes, mode: int) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(mode)

    block = alone(blanks, zlib.Z_FULL_FLUSH)
    stream = alone(head, zlib.Z_FULL_FLUSH) + block * spaces_mib + alone(tail, zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(spaces_mib):
        crc = zlib.crc32(blanks, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + spaces_mib * 2**20 + len(tail)
    entries = [
        (name, _deflated(body), zlib.crc32(body), len(_deflated(body)), len(body))
        for name, body in members.items()
    ]
    entries.append((SHEET, stream, crc, len(stream), size if declare is None else declare))
    return _raw_zip(entries)


def test_a_real_zip_bomb_xlsx_is_refused_without_unpacking_it(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, tried: list[int]
) -> None:
    """1.1 GiB of sheet XML in about 1 MiB of file (a ratio near deflate's maximum,
    1032:1), with the library's own limit (1 GiB unpacked) left as it is."""
    data = _bomb(1100)
    tried[0] += 1
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(SHEET)
        assert info.file_size > readers.XLSX_MAX_UNCOMPRESSED
        with archive.open(SHEET) as sheet:  # it is real: it inflates to blanks
            assert sheet.read(2**20).endswith(b" " * 1000)
    ratio = info.file_size / len(data)
    assert len(data) < 1.2 * 2**20 and ratio > 900
    figures.record(
        "test_a_real_zip_bomb_xlsx_is_refused_without_unpacking_it", "ratio", round(ratio)
    )
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    started = time.monotonic()
    with pytest.raises(InputError, match="unpacks to more than 1 GiB"):
        import_file(workspace, cipher, path)
    assert time.monotonic() - started < 10
    assert _reports(workspace) == 0


def test_a_zip_bomb_that_lies_about_its_size_is_refused_when_the_sheet_overflows(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, tried: list[int]
) -> None:
    """The central directory says 1 MiB, the data inflates to 200 MiB: zipfile stops at
    the declared size and the CRC then fails, which must reach the user as an InputError."""
    tried[0] += 1
    path = tmp_path / "liar.xlsx"
    path.write_bytes(_bomb(200, declare=2**20))
    started = time.monotonic()
    with pytest.raises(InputError, match="not a readable XLSX file"):
        import_file(workspace, cipher, path)
    assert time.monotonic() - started < 10
    assert _reports(workspace) == 0


def test_entity_expansion_in_the_sheet_xml_is_refused(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, tried: list[int]
) -> None:
    """A "billion laughs" sheet: ten levels of ten entities, 10^10 characters if expanded."""
    members = _members(_base_xlsx())
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 11)
    )
    sheet = members[SHEET].replace(b"<t>Mutation source</t>", b"<t>&l10;</t>", 1)
    sheet = f"<!DOCTYPE worksheet [{entities}]>".encode() + sheet
    tried[0] += 1
    started = time.monotonic()
    assert _try(tmp_path, workspace, cipher, "laughs.xlsx", _rezip({**members, SHEET: sheet})) == (
        "refused"
    )
    assert time.monotonic() - started < 10


def test_a_workbook_with_no_sheet_is_an_input_error_naming_the_file() -> None:
    """Found by the byte fuzzer: a workbook whose sheet list is empty made the reader index
    a missing sheet (IndexError) instead of refusing the file."""
    buffer = io.BytesIO()
    Workbook().save(buffer)
    original = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    emptied = io.BytesIO()
    with zipfile.ZipFile(emptied, "w") as archive:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data, flags=re.S)
            archive.writestr(info, data)
    with pytest.raises(InputError, match="no sheet") as refused:
        list(readers.read_rows(readers.Upload("nosheet.xlsx", emptied.getvalue())))
    assert "nosheet.xlsx" in str(refused.value)
