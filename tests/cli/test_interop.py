"""Other tools through the CLI: `refwatch import FILE --format uwazi --mapping MAP` and
`refwatch export persons|events --format huridocs-json|huridocs-csv|uwazi-csv`. Hostile
input first; workspace fixtures run on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.intake.uwazi_export import export_mapping
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import PASSPHRASE, write_csv

runner = CliRunner()
SECRETS = ("Gim Songkook", "김송국", "Ri Myong-hui", "박영희", "canary-note-Zq81")
MAPPING = {
    "source": "Partner NGO (Uwazi)",
    "columns": {
        "id": "record_id",
        "Title": "name_latin",
        "Date of arrest": {"field": "apprehended_on", "type": "date"},
        "Situation": {"field": "status", "type": "select", "values": {"In custody": "detained"}},
    },
}


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cli_env(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace.path))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    for name in ("REFWATCH_DB", "REFWATCH_KEYFILE", "REFWATCH_NEW_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return workspace


def one_line_error(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


def uwazi_file(tmp_path: Path, rows: list[str], name: str = "uwazi.csv") -> Path:
    path = tmp_path / name
    path.write_text(
        "Title,id,Date of arrest,Situation,Template\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    return path


def mapping(tmp_path: Path, content: object = MAPPING) -> Path:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def count_persons(workspace: Workspace) -> int:
    code, out, err = invoke("export", "persons", "--format", "jsonl")
    assert code == 0, err
    return len(out.splitlines())


# -- hostile input -------------------------------------------------------------------------


def test_an_uwazi_import_needs_a_mapping_and_takes_no_column_renames(
    cli_env: Workspace, tmp_path: Path
) -> None:
    path = uwazi_file(tmp_path, ["Synthetic A,u1,2017-07-13,In custody,Person"])
    code, _, err = invoke("import", str(path), "--format", "uwazi")
    assert code == 2 and "--mapping FILE" in one_line_error(err)
    args = ("--format", "uwazi", "--mapping", str(mapping(tmp_path)), "--map", "id=record_id")
    code, _, err = invoke("import", str(path), *args)
    assert code == 2 and "--map does not apply" in one_line_error(err)
    assert count_persons(cli_env) == 0


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("/dev/zero", "must be .json or .toml"),
        ("zero.json", "not a regular file"),
        ("../../../../etc/passwd.json", "no such mapping file"),
        ("folder.json", "not a regular file"),
    ],
)
def test_a_mapping_path_trick_fails_in_one_line_and_imports_nothing(
    cli_env: Workspace, tmp_path: Path, target: str, reason: str
) -> None:
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "folder.json").mkdir()
    path = uwazi_file(tmp_path, ["Synthetic A,u1,2017-07-13,In custody,Person"])
    where = target if target.startswith("/") else str(tmp_path / target)
    code, _, err = invoke("import", str(path), "--format", "uwazi", "--mapping", where)
    assert code == 2 and reason in one_line_error(err)
    assert count_persons(cli_env) == 0


def test_a_mapping_naming_a_missing_column_or_an_unknown_key_fails_before_any_row(
    cli_env: Workspace, tmp_path: Path
) -> None:
    path = uwazi_file(tmp_path, ["Synthetic A,u1,not a date,In custody,Person"])
    columns = {"Nationality": "origin", "Title": "name_latin"}
    lacking = {**MAPPING, "columns": columns}
    code, _, err = invoke(
        "import", str(path), "--format", "uwazi", "--mapping", str(mapping(tmp_path, lacking))
    )
    line = one_line_error(err)
    assert code == 2 and "uwazi.csv, row 1, column 'Nationality'" in line
    unknown = {**MAPPING, "script": "rm -rf /"}
    code, _, err = invoke(
        "import", str(path), "--format", "uwazi", "--mapping", str(mapping(tmp_path, unknown))
    )
    assert code == 2 and "column 'script'" in one_line_error(err)
    assert count_persons(cli_env) == 0


def test_a_bad_cell_names_row_and_uwazi_column_and_nothing_is_imported(
    cli_env: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "uwazi.csv"
    path.write_bytes(
        b"Title,id,Date of arrest,Situation\n"
        b"Synthetic A,u1,2017-07-13,In custody\n"
        b"Synthetic B,u2,2017-07-13,In custody\xff\n"
    )
    code, _, err = invoke(
        "import", str(path), "--format", "uwazi", "--mapping", str(mapping(tmp_path))
    )
    line = one_line_error(err)
    assert code == 2 and "row 3, column 'Situation'" in line and "UTF-8" in line
    assert count_persons(cli_env) == 0


def test_binary_and_named_exports_are_refused_where_they_do_not_belong(
    cli_env: Workspace, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    assert invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))[0] == 0
    code, out, err = invoke("export", "persons", "--format", "huridocs-csv")
    assert code == 2 and "give --out FILE" in one_line_error(err) and out == ""
    code, _, err = invoke("export", "persons", "--format", "csv", "--include-names")
    line = one_line_error(err)
    assert code == 2 and "not to persons as csv" in line
    assert "huridocs-json, huridocs-csv, uwazi-csv" in line
    code, _, err = invoke("export", "mentions", "--format", "huridocs-json")
    assert code == 2 and "does not export mentions" in one_line_error(err)


NAMED_FORMATS = ("uwazi-csv", "huridocs-json", "huridocs-csv")


def _export_bytes(tmp_path: Path, kind: str, fmt: str, *extra: str) -> tuple[bytes, str]:
    """The export's bytes (a zip unpacked: every file's bytes) and its stderr."""
    target = tmp_path / f"{kind}-{fmt}.out"
    target.unlink(missing_ok=True)
    code, _, err = invoke("export", kind, "--format", fmt, "--out", str(target), *extra)
    assert code == 0, err
    data = target.read_bytes()
    if fmt == "huridocs-csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(n) for n in archive.namelist())
    return data, err


def _names_audits(workspace: Workspace) -> list[dict[str, object]]:
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        found = conn.execute(
            select(entries.c.details).where(entries.c.action == "export.names")
        ).scalars()
        return [json.loads(details) for details in found]


@pytest.mark.parametrize("fmt", NAMED_FORMATS)
def test_no_name_byte_leaves_without_include_names_nor_for_a_no_use_person(
    cli_env: Workspace, tmp_path: Path, sample_rows: list[dict[str, str]], fmt: str
) -> None:
    sample_rows[0]["consent"] = "none"  # no_use: Gim Songkook / 김송국 never leave
    assert invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))[0] == 0
    plain, _ = _export_bytes(tmp_path, "persons", fmt)
    for secret in SECRETS:
        assert secret.encode() not in plain
    assert _names_audits(cli_env) == []
    named, err = _export_bytes(tmp_path, "persons", fmt, "--include-names")
    for secret in ("Gim Songkook", "김송국", "canary-note-Zq81"):
        assert secret.encode() not in named
    assert "names withheld for 1 person(s)" in err and "P-000001" in err


def test_names_exports_need_the_key(
    cli_env: Workspace,
    tmp_path: Path,
    sample_rows: list[dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))[0] == 0
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "not the passphrase")
    for fmt in NAMED_FORMATS:
        target = tmp_path / f"wrong-{fmt}"
        code, out, err = invoke(
            "export", "persons", "--format", fmt, "--out", str(target), "--include-names"
        )
        assert code != 0 and "Traceback" not in err
        written = target.read_bytes() if target.exists() else b""
        for secret in SECRETS:
            assert secret.encode() not in written and secret not in out + err
    assert _names_audits(cli_env) == []


# -- what works ----------------------------------------------------------------------------


def test_an_uwazi_import_reports_its_summary_and_a_reimport_changes_nothing(
    cli_env: Workspace, tmp_path: Path
) -> None:
    rows = ["Synthetic A,u1,01/07/2017~31/08/2017,In custody,Person", "Synthetic B,u2,,,Person"]
    path = uwazi_file(tmp_path, rows)
    content = {**MAPPING, "date_format": "DD/MM/YYYY"}
    args = ("--format", "uwazi", "--mapping", str(mapping(tmp_path, content)), "--json")
    code, out, err = invoke("import", str(path), *args)
    assert code == 0, err
    first = json.loads(out)
    assert (first["rows"], first["new"], first["unchanged"]) == (2, 2, 0)
    code, out, err = invoke("import", str(path), *args)
    assert code == 0, err
    assert (json.loads(out)["new"], json.loads(out)["unchanged"]) == (0, 2)
    code, out, _ = invoke("export", "mentions", "--format", "jsonl")
    dates = {json.loads(line)["apprehended_on"] for line in out.splitlines()}
    assert dates == {"2017-07-01/2017-08-31", None}


def test_the_three_exports_write_their_formats_without_names(
    cli_env: Workspace, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    assert invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))[0] == 0
    code, out, err = invoke("export", "events", "--format", "huridocs-json")
    assert code == 0, err
    document = json.loads(out)
    assert len(document["events"]) == 3 and document["names"] is False
    zipped = tmp_path / "esf.zip"
    code, out, err = invoke(
        "export", "persons", "--format", "huridocs-csv", "--out", str(zipped), "--json"
    )
    assert code == 0, err
    assert json.loads(out)["rows"] == 3
    with zipfile.ZipFile(zipped) as archive:
        assert "act.csv" in archive.namelist()
        unzipped = b"".join(archive.read(n) for n in archive.namelist())
    code, uwazi_out, err = invoke("export", "persons", "--format", "uwazi-csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(uwazi_out)))
    assert [r["Title"] for r in rows] == ["P-000001", "P-000002", "P-000003"]
    for secret in SECRETS:
        assert secret not in out and secret.encode() not in unzipped and secret not in uwazi_out


def test_refwatch_s_uwazi_file_reads_back_through_its_mapping(
    cli_env: Workspace, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    assert invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))[0] == 0
    exported = tmp_path / "persons.csv"
    assert invoke("export", "persons", "--format", "uwazi-csv", "--out", str(exported))[0] == 0
    content = export_mapping("Our Uwazi")
    args = ("--format", "uwazi", "--mapping", str(mapping(tmp_path, content)), "--json")
    code, out, err = invoke("import", str(exported), *args)
    assert code == 0, err
    assert json.loads(out)["new"] == 3
    assert count_persons(cli_env) == 6  # one more mention each, unlinked until linkage runs


@pytest.mark.parametrize("fmt", NAMED_FORMATS)
def test_include_names_carries_names_in_the_esf_and_uwazi_exports_and_is_audited(
    cli_env: Workspace, tmp_path: Path, sample_rows: list[dict[str, str]], fmt: str
) -> None:
    assert invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))[0] == 0
    named, err = _export_bytes(tmp_path, "persons", fmt, "--include-names")
    for secret in ("Gim Songkook", "Ri Myong-hui", "박영희"):
        assert secret.encode() in named
    assert b"canary-note-Zq81" not in named  # notes have no place in these formats
    assert "keep this file inside it" in err
    (entry,) = _names_audits(cli_env)
    assert entry["format"] == fmt and entry["kind"] == "persons" and entry["rows"] == 3
