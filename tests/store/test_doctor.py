"""`refwatch doctor`: every check is made to fail on purpose, on SQLite and PostgreSQL,
and its output (human and JSON) never names a passphrase, a database password or a key."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.backup import create_backup
from refwatch.store.doctor import (
    DoctorInput,
    check_backup,
    check_database,
    check_disk,
    check_key,
    check_permissions,
    check_tls,
    judge_postgres,
    judge_sqlite,
    run_checks,
)
from refwatch.store.keys import Secret, create_keyfile
from refwatch.store.timeutil import now_utc
from refwatch.store.workspace import Workspace
from tests.conftest import PASSPHRASE

runner = CliRunner()


def test_a_fresh_workspace_fails_only_for_want_of_a_backup(
    workspace: Workspace, secret: Secret, tmp_path: Path
) -> None:
    checks = {
        c.name: c for c in run_checks(workspace, DoctorInput(public_url="https://rw.example"))
    }
    assert checks["backup"].level == "fail"
    assert checks["permissions"].level == "pass"
    assert checks["tls"].level == "pass"
    assert checks["database"].level in ("pass", "warn"), checks["database"].reason  # local PG
    create_backup(workspace, secret, tmp_path / "b.rwbackup", "tester")
    assert check_backup(workspace, DoctorInput()).level == "pass"
    later = DoctorInput(now=now_utc() + timedelta(days=3))
    assert check_backup(workspace, later).level == "warn"
    much_later = DoctorInput(now=now_utc() + timedelta(days=8))
    assert check_backup(workspace, much_later).level == "fail"
    assert "8 days" in check_backup(workspace, much_later).reason


def test_a_folder_other_users_can_read_fails(workspace: Workspace) -> None:
    os.chmod(workspace.path, 0o755)
    check = check_permissions(workspace)
    assert check.level == "fail" and "." in check.reason
    os.chmod(workspace.path, 0o700)
    os.chmod(workspace.path / "workspace.json", 0o644)
    assert check_permissions(workspace).level == "fail"
    assert "workspace.json" in check_permissions(workspace).reason


def test_a_keyfile_inside_the_workspace_or_open_to_others_fails(
    workspace: Workspace, tmp_path: Path
) -> None:
    inside = workspace.path / "key.bin"
    create_keyfile(inside)
    assert check_key(workspace, DoctorInput(keyfile=inside)).level == "fail"
    outside = tmp_path / "keys" / "refwatch.key"
    outside.parent.mkdir()
    create_keyfile(outside)
    assert check_key(workspace, DoctorInput(keyfile=outside)).level == "pass"
    os.chmod(outside, 0o644)
    assert check_key(workspace, DoctorInput(keyfile=outside)).level == "fail"
    missing = DoctorInput(keyfile=tmp_path / "nope")
    assert check_key(workspace, missing).level == "fail"
    in_env = DoctorInput(passphrase_in_environment=True)
    assert check_key(workspace, in_env).level == "warn"


def test_plain_http_to_a_remote_address_fails() -> None:
    assert check_tls(DoctorInput(public_url="http://rw.example.org")).level == "fail"
    assert check_tls(DoctorInput(public_url="http://127.0.0.1:8000")).level == "warn"
    assert check_tls(DoctorInput()).level == "warn"
    assert check_tls(DoctorInput(behind_proxy=True)).level == "pass"


def test_unsafe_engine_settings_fail() -> None:
    good_sqlite = {"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1"}
    assert judge_sqlite(good_sqlite).level == "pass"
    assert judge_sqlite({**good_sqlite, "journal_mode": "delete"}).level == "fail"
    assert judge_sqlite({**good_sqlite, "synchronous": "1"}).level == "fail"
    good_pg = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on", "ssl": "on"}
    assert judge_postgres(good_pg, "db.internal").level == "pass"
    assert judge_postgres({**good_pg, "fsync": "off"}, "db.internal").level == "fail"
    assert judge_postgres({**good_pg, "synchronous_commit": "off"}, None).level == "fail"
    assert judge_postgres({**good_pg, "synchronous_commit": "local"}, None).level == "warn"
    assert judge_postgres({**good_pg, "full_page_writes": "off"}, None).level == "fail"
    assert judge_postgres({**good_pg, "ssl": "off"}, "db.internal").level == "fail"
    assert judge_postgres({**good_pg, "ssl": "off"}, "127.0.0.1").level == "warn"


def test_the_live_engine_is_read(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live settings pass; the engine's own answer, made unsafe, fails. (The app sets
    WAL on every SQLite connection, so a file switched back to DELETE is put right at the
    next open: the unsafe answer is given by a stand-in for the engine.)"""
    from refwatch.store import doctor

    check = check_database(workspace)
    assert check.level in ("pass", "warn"), check.reason
    if workspace.dialect == "sqlite":
        unsafe = {"journal_mode": "delete", "synchronous": "1", "foreign_keys": "1"}
        monkeypatch.setattr(doctor, "sqlite_settings", lambda conn: unsafe)
    else:
        unsafe = {"fsync": "off", "synchronous_commit": "on", "full_page_writes": "on"}
        monkeypatch.setattr(doctor, "postgres_settings", lambda conn: {**unsafe, "ssl": "on"})
    assert check_database(workspace).level == "fail"


def test_a_nearly_full_disk_fails(workspace: Workspace) -> None:
    gib = 1 << 30
    assert check_disk(workspace, lambda _: (100 * gib, 0, 50 * gib)).level == "pass"
    assert check_disk(workspace, lambda _: (100 * gib, 0, 8 * gib)).level == "warn"
    assert check_disk(workspace, lambda _: (100 * gib, 0, 3 * gib)).level == "fail"
    assert check_disk(workspace, lambda _: (2 * gib, 0, gib // 2)).level == "fail"


def test_the_command_exits_1_on_failure_and_names_no_secret(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace.path))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_PUBLIC_URL", "http://user:hunter2-secret@rw.example.org")
    for name in ("REFWATCH_DB", "REFWATCH_KEYFILE", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    human = runner.invoke(app, ["doctor"])
    as_json = runner.invoke(app, ["doctor", "--json"])
    assert human.exit_code == 1 and as_json.exit_code == 1
    answer = json.loads(as_json.stdout)
    assert answer["status"] == "fail"
    names = {c["name"]: c["level"] for c in answer["checks"]}
    assert names == {
        "permissions": "pass",
        "key": "warn",
        "tls": "fail",
        "backup": "fail",
        "database": names["database"],
        "schema": "pass",
        "disk": names["disk"],
    }
    for text in (human.stdout, as_json.stdout, human.stderr, as_json.stderr):
        assert PASSPHRASE not in text
        assert "hunter2-secret" not in text
        if workspace.url.startswith("postgresql"):
            assert workspace.url not in text


def test_the_command_changes_nothing(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace.path))
    before = workspace.verify_audit().entries
    runner.invoke(app, ["doctor", "--json"])
    assert workspace.verify_audit().entries == before


def test_a_schema_behind_the_code_fails(workspace: Workspace) -> None:
    from refwatch.store import migrate
    from refwatch.store.doctor import check_schema

    assert check_schema(workspace).level == "pass"
    migrate.downgrade(workspace.engine, "-1")
    check = check_schema(workspace)
    assert check.level == "fail" and "refwatch upgrade --backup" in check.reason
