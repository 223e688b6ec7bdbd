"""The CLI end to end, through Typer's runner: the commands a user types in the README."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from tests.conftest import PASSPHRASE, write_csv

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = tmp_path / "ws"
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    return workspace


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_import_export_and_verify_from_the_command_line(
    env: Path, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    code, out, _ = invoke("init", "--json")
    assert code == 0 and json.loads(out)["engine"] == "sqlite"
    assert sorted(p.name for p in env.iterdir() if not p.name.startswith("refwatch.db")) == [
        "audit-anchor.json",
        "workspace.json",
    ]
    path = write_csv(tmp_path / "list.csv", sample_rows)
    code, out, err = invoke("import", str(path), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["rows"], summary["new"], summary["unknown_places"]) == (
        3,
        3,
        ["a village near the river"],
    )
    code, out, _ = invoke("import", str(path))
    assert code == 0 and "0 new, 0 updated, 3 unchanged" in out
    code, out, _ = invoke("export", "mentions", "--format", "csv")
    assert code == 0 and "SEO-00001" in out and "Gim Songkook" not in out
    target = tmp_path / "named.jsonl"
    code, out, _ = invoke(
        "export", "mentions", "--format", "jsonl", "--include-names", "--out", str(target), "--json"
    )
    assert code == 0 and json.loads(out)["rows"] == 3
    assert "Gim Songkook" in target.read_text(encoding="utf-8")
    code, out, _ = invoke("audit", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = invoke("status", "--json")
    assert json.loads(out)["mentions"] == 3


def test_a_bad_file_exits_2_with_one_line_naming_the_cell(
    env: Path, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    invoke("init")
    rows = [dict(r) for r in sample_rows]
    rows[1]["apprehended_on"] = "summer 2017"
    code, _, err = invoke("import", str(write_csv(tmp_path / "bad.csv", rows)))
    assert code == 2
    assert "bad.csv, row 3, column 'apprehended_on'" in err and "'summer 2017'" in err
    assert "Traceback" not in err


def test_a_wrong_passphrase_is_refused_without_a_traceback(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_rows: list[dict[str, str]]
) -> None:
    invoke("init")
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "wrong passphrase!")
    code, _, err = invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))
    assert code == 2 and "does not open this workspace" in err and "Traceback" not in err


def test_rotate_key_takes_the_new_passphrase_and_refuses_the_old(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("init")
    monkeypatch.setenv("REFWATCH_NEW_PASSPHRASE", "the new long passphrase")
    code, out, err = invoke("rotate-key", "--json")
    assert code == 0, err
    assert json.loads(out) == {"rewrapped_versions": [1], "key": "passphrase"}
    code, _, err = invoke("export", "mentions", "--include-names")
    assert code == 2 and "does not open" in err
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "the new long passphrase")
    code, _, err = invoke("export", "mentions", "--include-names")
    assert code == 0, err


def test_after_rotate_key_the_names_export_is_identical_and_the_old_passphrase_opens_nothing(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_rows: list[dict[str, str]]
) -> None:
    canary = "Canaryname Rotatewx"
    rows = [dict(r) for r in sample_rows]
    rows[1]["name_latin"], rows[1]["notes"] = canary, "canary-note-rotate-5521"
    invoke("init")
    code, _, err = invoke("import", str(write_csv(tmp_path / "l.csv", rows)))
    assert code == 0, err
    export = ("export", "mentions", "--format", "jsonl", "--include-names")
    code, before, err = invoke(*export)
    assert code == 0, err
    assert canary in before and "canary-note-rotate-5521" in before and "김송국" in before
    monkeypatch.setenv("REFWATCH_NEW_PASSPHRASE", "the new long passphrase")
    code, out, err = invoke("rotate-key", "--json")
    assert code == 0, err
    assert json.loads(out)["rewrapped_versions"] == [1]
    code, _, err = invoke(*export)
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines() == [
        "error: the passphrase or keyfile does not open this workspace; nothing was changed"
    ]
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "the new long passphrase")
    code, after, err = invoke(*export)
    assert code == 0, err
    assert after == before
    code, out, _ = invoke("audit", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_a_wrong_passphrase_changes_no_row_and_no_audit_entry(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_rows: list[dict[str, str]]
) -> None:
    invoke("init")
    invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))
    _, status_before, _ = invoke("status", "--json")
    _, chain_before, _ = invoke("audit", "verify", "--json")
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "wrong passphrase!")
    monkeypatch.setenv("REFWATCH_NEW_PASSPHRASE", "the new long passphrase")
    changed = [dict(r) for r in sample_rows]
    changed[0]["status"] = "released"
    for args in (
        ("import", str(write_csv(tmp_path / "l2.csv", changed))),
        ("export", "mentions", "--include-names"),
        ("rotate-key",),
        ("backup", str(tmp_path / "b.backup")),
        ("delete-report", "R-1", "--reason", "test"),
    ):
        code, _, err = invoke(*args)
        assert code == 2 and "does not open this workspace" in err, args
    assert not (tmp_path / "b.backup").exists()
    _, status_after, _ = invoke("status", "--json")
    _, chain_after, _ = invoke("audit", "verify", "--json")
    assert json.loads(status_after) == json.loads(status_before)
    assert json.loads(status_before)["mentions"] == 3
    assert json.loads(chain_after) == json.loads(chain_before)
    assert json.loads(chain_before)["entries"] > 1


def test_a_tampered_audit_chain_makes_verify_fail(env: Path) -> None:
    import sqlite3

    invoke("init")
    with sqlite3.connect(env / "refwatch.db") as conn:
        conn.execute("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1")
    code, out, _ = invoke("audit", "verify")
    assert code == 1 and "BROKEN at entry 1" in out


def test_commands_need_a_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REFWATCH_WORKSPACE", raising=False)
    code, _, err = invoke("status")
    assert code == 2 and "--workspace" in err


def test_a_missing_workspace_says_how_to_create_one(env: Path) -> None:
    code, _, err = invoke("status")
    assert code == 2 and "refwatch init" in err


def test_backup_and_restore_from_the_command_line(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_rows: list[dict[str, str]]
) -> None:
    invoke("init")
    invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))
    code, out, err = invoke("backup", str(tmp_path / "ws.backup"), "--json")
    assert code == 0, err
    assert json.loads(out)["rows"] > 0
    code, _, err = invoke("backup", str(tmp_path / "ws.backup"))
    assert code == 2 and "exists" in err
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "restored"))
    code, out, err = invoke("restore", str(tmp_path / "ws.backup"))
    assert code == 0, err
    code, out, _ = invoke("status", "--json")
    assert json.loads(out)["mentions"] == 3


def test_a_workspace_in_a_postgresql_schema_from_the_command_line(
    env: Path, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    import uuid

    from refwatch.store.database import drop_pg_schema
    from tests.conftest import pg_url_or_skip

    url = pg_url_or_skip()
    schema = f"rwcli_{uuid.uuid4().hex[:12]}"
    try:
        code, out, err = invoke("--db", url, "init", "--schema", schema, "--json")
        assert code == 0, err
        assert json.loads(out)["engine"] == "postgresql" and json.loads(out)["schema"] == schema
        assert not (env / "refwatch.db").exists()
        code, out, err = invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)), "--json")
        assert code == 0, err
        code, out, _ = invoke("status", "--json")
        assert json.loads(out)["engine"] == "postgresql" and json.loads(out)["mentions"] == 3
    finally:
        drop_pg_schema(url, schema)
