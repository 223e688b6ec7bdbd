"""Hostile and broken input: every importer either accepts a file correctly or refuses it
with an InputError, and a refused file writes nothing."""

from __future__ import annotations

import csv
import io
import json
import zipfile
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
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, data: bytes, suffix: str
) -> None:
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
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, header: list[str], cells: list[str]
) -> None:
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
    """What survives a CSV round trip: stripped cells, formulas defused by the export."""
    value = value.strip()
    return "'" + value if value[:1] in ("=", "+", "@", "-") and not value[1:2].isdigit() else value


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
