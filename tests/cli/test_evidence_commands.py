"""`refwatch init`, `import`, `export`, `rotate-key`, `backup` and `restore` through Typer's
runner: keyfiles that must not be left behind, the import summary, the audited name export,
progress bars and one-line errors. Workspace fixtures run on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import select
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import PASSPHRASE, write_csv

runner = CliRunner()
cli_app = importlib.import_module("refwatch.cli.app")  # the module, not the Typer object


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cli_env(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The CLI pointed at a fresh workspace (cheap key derivation; SQLite or PostgreSQL)."""
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace.path))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    for name in ("REFWATCH_DB", "REFWATCH_KEYFILE", "REFWATCH_NEW_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return workspace


@pytest.fixture
def new_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI pointed at a folder where no workspace exists yet (SQLite)."""
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    for name in ("REFWATCH_DB", "REFWATCH_KEYFILE", "REFWATCH_NEW_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "ws"


def one_line_error(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


# -- keyfiles ----------------------------------------------------------------------------


def test_init_refuses_a_keyfile_inside_the_workspace_and_writes_nothing(new_env: Path) -> None:
    keyfile = new_env / "x.key"
    code, _, err = invoke("--keyfile", str(keyfile), "init")
    assert code == 2 and "inside the workspace" in one_line_error(err)
    assert not keyfile.exists()
    assert not (new_env / "workspace.json").exists()


def test_init_with_a_keyfile_in_a_missing_folder_fails_in_one_line(
    new_env: Path, tmp_path: Path
) -> None:
    keyfile = tmp_path / "no-such-folder" / "x.key"
    code, _, err = invoke("--keyfile", str(keyfile), "init")
    line = one_line_error(err)
    assert code == 2 and "does not exist" in line and str(keyfile.parent) in line
    assert not keyfile.parent.exists()
    assert not (new_env / "workspace.json").exists()


def test_init_on_an_existing_workspace_creates_no_keyfile(
    cli_env: Workspace, tmp_path: Path
) -> None:
    keyfile = tmp_path / "keys.key"
    code, _, err = invoke("--keyfile", str(keyfile), "init")
    assert code == 2 and "already exists" in one_line_error(err)
    assert not keyfile.exists()


def test_init_with_a_new_keyfile_outside_creates_it_and_it_opens_the_workspace(
    new_env: Path, tmp_path: Path
) -> None:
    keyfile = tmp_path / "keys" / "refwatch.key"
    keyfile.parent.mkdir()
    code, out, err = invoke("--keyfile", str(keyfile), "init", "--json")
    assert code == 0, err
    assert json.loads(out)["key"] == "keyfile" and keyfile.stat().st_mode & 0o077 == 0
    code, out, err = invoke("--keyfile", str(keyfile), "export", "mentions", "--include-names")
    assert code == 0, err


def test_rotate_key_refuses_a_new_keyfile_inside_the_workspace_and_writes_nothing(
    cli_env: Workspace, tmp_path: Path
) -> None:
    keyfile = cli_env.path / "x.key"
    code, _, err = invoke("rotate-key", "--new-keyfile", str(keyfile))
    assert code == 2 and "inside the workspace" in one_line_error(err)
    assert not keyfile.exists()
    FieldCipher(cli_env.unlock(Secret(passphrase=PASSPHRASE)))  # still the passphrase's


def test_rotate_key_with_a_wrong_passphrase_or_missing_folder_leaves_no_keyfile(
    cli_env: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyfile = tmp_path / "new.key"
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "not the passphrase")
    code, _, err = invoke("rotate-key", "--new-keyfile", str(keyfile))
    assert code == 2 and "does not open this workspace" in one_line_error(err)
    assert not keyfile.exists()
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    missing = tmp_path / "gone" / "new.key"
    code, _, err = invoke("rotate-key", "--new-keyfile", str(missing))
    assert code == 2 and "does not exist" in one_line_error(err)
    assert not missing.parent.exists()
    code, out, err = invoke("rotate-key", "--new-keyfile", str(keyfile), "--json")
    assert code == 0, err
    assert json.loads(out) == {"rewrapped_versions": [1], "key": "keyfile"}
    assert cli_env.unlock(Secret(keyfile=keyfile)).versions == [1]


# -- import ------------------------------------------------------------------------------


def test_import_json_gives_new_updated_unchanged_and_warnings(
    cli_env: Workspace, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    rows = [dict(r) for r in sample_rows]
    rows[1]["source_type"] = "network"  # the same source, said to be of another type
    path = write_csv(tmp_path / "list.csv", rows)
    warning = (
        "list.csv, row 3: source 'Seoul Documentation Center' is of type ngo_list, "
        "this row says network; kept ngo_list"
    )
    code, out, err = invoke("import", str(path), "--json")
    assert code == 0, err
    first = json.loads(out)
    assert (first["rows"], first["new"], first["updated"], first["unchanged"]) == (3, 3, 0, 0)
    assert first["warnings"] == [warning] and first["files"][0]["warnings"] == [warning]
    code, out, _ = invoke("import", str(path), "--json")
    again = json.loads(out)
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert again["warnings"] == [warning]
    rows[0]["status"] = "released"
    code, out, _ = invoke("import", str(write_csv(tmp_path / "list.csv", rows)), "--json")
    updated = json.loads(out)
    assert (updated["new"], updated["updated"], updated["unchanged"]) == (0, 1, 2)
    assert updated["files"][0]["updated"] == 1 and updated["files"][0]["batch_id"]
    rows[0]["status"] = "safe"
    code, out, _ = invoke("import", str(write_csv(tmp_path / "list.csv", rows)))
    assert code == 0 and "0 new, 1 updated, 2 unchanged" in out
    assert f"warning: {warning}" in out


def test_import_maps_other_column_names(cli_env: Workspace, tmp_path: Path) -> None:
    header = ("organisation", "case", "romanised", "sex", "caught_on")
    path = tmp_path / "other.csv"
    path.write_text(
        ",".join(header) + "\nActivist reports,A-1,Kim Yongchol,M,2017-07\n", encoding="utf-8"
    )
    code, _, err = invoke("import", str(path))
    assert code == 2 and "column 'organisation'" in one_line_error(err)
    maps = ["organisation=source", "case=record_id", "romanised=name_latin", "caught_on"]
    args = [a for m in maps[:3] for a in ("--map", m)]
    code, _, err = invoke("import", str(path), *args, "--map", "caught_on=apprehended_on")
    assert code == 0, err
    code, out, err = invoke("export", "mentions", "--format", "jsonl", "--include-names")
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert (record["source"], record["record_id"], record["name_latin"]) == (
        "Activist reports",
        "A-1",
        "Kim Yongchol",
    )
    assert record["apprehended_on"] == "2017-07"
    code, _, err = invoke("import", str(path), "--map", "organisation")
    assert code == 2 and "--map takes OLD=NEW" in one_line_error(err)


# -- the audited name export -------------------------------------------------------------


def _audit(workspace: Workspace, action: str) -> list[dict[str, Any]]:
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        found = conn.execute(
            select(entries.c.details).where(entries.c.action == action).order_by(entries.c.seq)
        ).scalars()
        return [json.loads(details) for details in found]


def test_a_name_export_is_audited_with_its_kind_format_and_row_count(
    cli_env: Workspace, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))
    changed = [dict(r) for r in sample_rows]
    changed[0]["status"] = "released"  # a superseded version is not exported
    invoke("import", str(write_csv(tmp_path / "l2.csv", changed)))
    code, out, err = invoke("export", "mentions", "--format", "jsonl", "--include-names")
    assert code == 0, err
    assert len(out.splitlines()) == 3
    code, _, err = invoke(
        "export", "mentions", "--include-names", "--out", str(tmp_path / "n.csv"), "--json"
    )
    assert code == 0, err
    # The consent counts: nobody withheld (no no_use), 3 without consent to name outside.
    consent = {"names_withheld_persons": 0, "without_outside_consent_persons": 3}
    assert _audit(cli_env, "export.names") == [
        {"kind": "mentions", "format": "jsonl", "rows": 3, **consent},
        {"kind": "mentions", "format": "csv", "rows": 3, **consent},
    ]
    code, _, _ = invoke("export", "mentions")  # no names, no audit entry
    assert code == 0 and len(_audit(cli_env, "export.names")) == 2
    with cli_env.read() as conn:
        details = " ".join(conn.execute(select(table_of(AuditEntry).c.details)).scalars())
    for name in ("김송국", "Gim Songkook", "Ri Myong-hui", "박영희", "canary-note-Zq81"):
        assert name not in details


# -- progress bars -----------------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Standard error as a terminal: progress bars draw into this buffer."""
    screen = io.StringIO()
    monkeypatch.setattr(cli_app, "err", Console(file=screen, force_terminal=True, width=120))
    return screen


def test_long_commands_show_a_progress_bar_on_a_terminal_and_none_with_json(
    cli_env: Workspace, tmp_path: Path, terminal: io.StringIO, sample_rows: list[dict[str, str]]
) -> None:
    def shown(*args: str) -> str:
        terminal.seek(0)
        terminal.truncate()
        code, _, err = invoke(*args)
        assert code == 0, err + terminal.getvalue()
        return terminal.getvalue()

    assert "importing" in shown("import", str(write_csv(tmp_path / "l.csv", sample_rows)))
    assert "exporting mentions" in shown("export", "mentions", "--out", str(tmp_path / "m.csv"))
    assert shown("export", "events", "--out", str(tmp_path / "e.csv"), "--json") == ""
    assert shown("export", "events") == ""  # the data itself is on the terminal
    assert "backing up" in shown("backup", str(tmp_path / "a.backup"))
    assert shown("backup", str(tmp_path / "b.backup"), "--json") == ""
    restored = ("--workspace", str(tmp_path / "r1"), "restore")
    assert "restoring" in shown(*restored, str(tmp_path / "a.backup"))
    restored = ("--workspace", str(tmp_path / "r2"), "restore")
    assert shown(*restored, str(tmp_path / "a.backup"), "--json") == ""
    assert "re-wrapping" in shown("rotate-key", "--new-keyfile", str(tmp_path / "k1"))
    again = ("--keyfile", str(tmp_path / "k1"), "rotate-key", "--new-keyfile")
    assert shown(*again, str(tmp_path / "k2"), "--json") == ""


def test_demo_shows_a_progress_bar_on_a_terminal_and_none_with_json(
    new_env: Path, terminal: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def build_demo(path: Path, *_: Any, **__: Any) -> dict[str, Any]:
        calls.append(path)
        return {"mentions": 1, "sources": 1, "true_persons": 1, "persons_linked": None}

    monkeypatch.setattr("refwatch.simulate.load_demo.build_demo", build_demo)
    code, out, err = invoke("demo", "--no-link")
    assert code == 0, err
    assert "building the demo workspace" in terminal.getvalue() and "SYNTHETIC" in out
    terminal.truncate(0)
    terminal.seek(0)
    code, out, err = invoke("demo", "--no-link", "--json")
    assert code == 0 and terminal.getvalue() == "" and json.loads(out)["mentions"] == 1
    assert calls == [new_env, new_env]


def test_without_a_terminal_no_progress_bar_reaches_stderr(
    cli_env: Workspace, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    path = write_csv(tmp_path / "l.csv", sample_rows)
    for args in (
        ("import", str(path)),
        ("export", "mentions", "--out", str(tmp_path / "m.csv")),
        ("backup", str(tmp_path / "a.backup")),
    ):
        code, _, err = invoke(*args)
        assert code == 0 and err == "", (args, err)


# -- errors ------------------------------------------------------------------------------


def test_a_long_error_stays_on_one_line_when_stderr_is_not_a_terminal(
    cli_env: Workspace, tmp_path: Path
) -> None:
    missing = tmp_path / ("a-very-long-folder-name-" * 6) / "case-list.csv"
    code, _, err = invoke("import", str(missing))
    line = one_line_error(err)
    assert code == 2 and len(line) > 160 and line.endswith(f"{missing}: no such file")


def test_an_export_to_a_missing_folder_fails_in_one_line(
    cli_env: Workspace, tmp_path: Path
) -> None:
    target = tmp_path / "nowhere" / "m.csv"
    code, _, err = invoke("export", "mentions", "--out", str(target))
    line = one_line_error(err)
    assert code == 2 and "No such file or directory" in line and str(target) in line


def test_square_brackets_in_an_error_are_printed_as_written(
    cli_env: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("source,[bold]nickname\nA,B\n", encoding="utf-8")
    code, _, err = invoke("import", str(path))
    assert code == 2 and "column '[bold]nickname'" in one_line_error(err)


def test_an_export_whose_reader_stops_early_ends_quietly(tmp_path: Path) -> None:
    """`refwatch export … | head` is everyday use: a closed pipe is no error."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "REFWATCH_WORKSPACE": str(tmp_path / "ws"),
        "REFWATCH_PASSPHRASE": PASSPHRASE,
    }
    refwatch = [sys.executable, "-m", "refwatch.cli"]
    for args in (["init"], ["simulate", str(tmp_path / "world"), "--people", "600"]):
        subprocess.run([*refwatch, *args], env=env, check=True, capture_output=True)
    lists = sorted(str(p) for p in (tmp_path / "world").glob("*-synthetic.csv"))
    subprocess.run([*refwatch, "import", *lists], env=env, check=True, capture_output=True)
    with subprocess.Popen(
        [*refwatch, "export", "mentions", "--format", "jsonl"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as export:
        assert export.stdout is not None and export.stderr is not None
        first = export.stdout.readline()
        export.stdout.close()  # the reader goes away with most of the export unread
        err = export.stderr.read().decode()
        assert export.wait(timeout=120) == 0, err
    assert json.loads(first)["record_id"]
    assert err == ""
