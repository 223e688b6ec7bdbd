"""`refwatch form xlsform OUT.xlsx`, and `refwatch import` of a KoBo export, through Typer's
runner: paths it must refuse first, then the form it writes and the import it feeds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.intake.submission_exports import submission, write_kobo_csv

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_an_existing_file_is_kept_without_force(tmp_path: Path) -> None:
    out = tmp_path / "form.xlsx"
    out.write_bytes(b"a researcher's own workbook")
    code, _, err = invoke("form", "xlsform", str(out))
    assert code == 2 and "add --force" in err
    assert out.read_bytes() == b"a researcher's own workbook"


def test_a_symbolic_link_is_not_followed_even_with_force(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.xlsx"
    target.write_bytes(b"keep")
    link = tmp_path / "form.xlsx"
    os.symlink(target, link)
    code, _, err = invoke("form", "xlsform", str(link), "--force")
    assert code == 2 and "symbolic link" in err
    assert target.read_bytes() == b"keep" and link.is_symlink()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing/form.xlsx", "does not exist"),
        ("form.csv", "ending in .xlsx"),
        ("../form", "ending in .xlsx"),
        ("folder.xlsx", "not a file"),
    ],
)
def test_bad_paths_are_refused_and_nothing_is_written(
    tmp_path: Path, name: str, reason: str
) -> None:
    (tmp_path / "folder.xlsx").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = invoke("form", "xlsform", str(tmp_path / name), "--force")
    assert code == 2 and reason in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_the_form_is_written_and_force_replaces_it(tmp_path: Path) -> None:
    out = tmp_path / "form.xlsx"
    code, stdout, _ = invoke("form", "xlsform", str(out), "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["file"] == str(out) and data["form_id"] == "refwatch_case_list"
    assert data["questions"] > 20 and data["choice_lists"] == 8
    first = out.read_bytes()
    assert first[:2] == b"PK"
    out.write_bytes(b"old")
    code, stdout, _ = invoke("form", "xlsform", str(out), "--force")
    assert code == 0 and "Wrote" in stdout
    assert out.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["form.xlsx"]  # no temporary left


@pytest.fixture
def cli_env(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace.path))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    for name in ("REFWATCH_DB", "REFWATCH_KEYFILE", "REFWATCH_NEW_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return workspace


def test_import_of_a_kobo_export_with_a_traversal_name_fails_in_one_line(
    tmp_path: Path, cli_env: Workspace
) -> None:
    path = write_kobo_csv(tmp_path / "kobo.csv", [submission(1, document="../../etc/passwd")])
    code, _, err = invoke("import", str(path))
    assert code == 2
    assert err.count("\n") == 1 and "row 2, column 'document'" in err


def test_import_of_a_kobo_export_detected_or_named(tmp_path: Path, cli_env: Workspace) -> None:
    path = write_kobo_csv(tmp_path / "kobo.csv", [submission(1), submission(2)])
    code, _, err = invoke("import", str(path), "--format", "jsonl")
    assert code == 2 and "not a JSON object" in err  # the format named is the one used
    code, _, err = invoke("import", str(path), "--format", "surveycto")
    assert code == 2 and "choose" in err and "kobo" in err and "odk" in err
    code, stdout, _ = invoke("import", str(path), "--json")
    assert code == 0 and json.loads(stdout)["new"] == 2
    code, stdout, _ = invoke("import", str(path), "--format", "kobo", "--json")
    assert code == 0 and json.loads(stdout)["unchanged"] == 2
