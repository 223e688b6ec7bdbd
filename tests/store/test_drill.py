"""The restore drill and the upgrade path, on SQLite and PostgreSQL.

What they try to break: a drill that touches the live workspace (its files, its audit
chain); a damaged or cut-off backup reported as fine; a backup whose restore lost rows
(the drill must compare table by table); a schema migrated without a verified backup
(opening an outdated workspace must refuse); an upgrade while someone is still writing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.domain.errors import WorkspaceError
from refwatch.intake.importer import import_file
from refwatch.store import drill, migrate
from refwatch.store.backup import BackupError, create_backup
from refwatch.store.crypto import FieldCipher
from refwatch.store.drill import upgrade_workspace, verify_backup
from refwatch.store.keys import Secret
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import UpgradeNeeded, Workspace, open_workspace
from tests.conftest import PASSPHRASE, write_csv

runner = CliRunner()
entries = table_of(AuditEntry)


def _files(path: Path) -> dict[str, tuple[int, float]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime) for p in path.iterdir() if p.is_file()}


def _load(workspace: Workspace, secret: Secret, tmp_path: Path) -> None:
    cipher = FieldCipher(workspace.unlock(secret))
    rows = [
        {
            "source": "Northern rescue network",
            "source_type": "network",
            "record_id": f"r{i}",
            "reported_on": "2017-07",
            "name_latin": f"Test Person {i}",
            "sex": "F",
            "status": "detained",
        }
        for i in range(5)
    ]
    import_file(workspace, cipher, write_csv(tmp_path / "list.csv", rows))


def _backed_up(workspace: Workspace, secret: Secret, tmp_path: Path) -> Path:
    _load(workspace, secret, tmp_path)
    out = tmp_path / "ws.rwbackup"
    create_backup(workspace, secret, out, "tester")
    return out


def test_the_drill_proves_a_backup_restores_and_touches_no_workspace(
    workspace: Workspace, secret: Secret, tmp_path: Path
) -> None:
    backup = _backed_up(workspace, secret, tmp_path)
    before_files, before_chain = _files(workspace.path), workspace.verify_audit().entries
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    report = verify_backup(backup, secret, scratch)
    assert report.ok, report.problem
    assert report.audit_ok and report.mismatches == []
    assert report.tables["mentions"] >= 1 and report.rows == sum(report.tables.values())
    assert report.workspace_id == workspace.workspace_id
    assert list(scratch.iterdir()) == [], "the scratch folder is deleted"
    assert _files(workspace.path) == before_files
    assert workspace.verify_audit().entries == before_chain


def test_a_damaged_backup_fails_the_drill(
    workspace: Workspace, secret: Secret, tmp_path: Path
) -> None:
    backup = _backed_up(workspace, secret, tmp_path)
    data = bytearray(backup.read_bytes())
    data[-40] ^= 0x01
    flipped = tmp_path / "flipped.rwbackup"
    flipped.write_bytes(bytes(data))
    with pytest.raises(BackupError):
        verify_backup(flipped, secret)
    cut = tmp_path / "cut.rwbackup"
    cut.write_bytes(backup.read_bytes()[:-100])
    with pytest.raises(BackupError):
        verify_backup(cut, secret)


def test_a_restore_that_loses_rows_is_reported(
    workspace: Workspace, secret: Secret, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = _backed_up(workspace, secret, tmp_path)
    real = drill.backup_row_counts

    def inflated(path: Path, given: Secret) -> tuple[str, str, dict[str, int]]:
        workspace_id, revision, counts = real(path, given)
        return workspace_id, revision, {**counts, "mentions": counts["mentions"] + 1}

    monkeypatch.setattr(drill, "backup_row_counts", inflated)
    report = verify_backup(backup, secret)
    assert not report.ok
    assert any(m.startswith("mentions:") for m in report.mismatches)


def test_the_cli_drill_needs_no_workspace_and_exits_1_on_failure(
    workspace: Workspace, secret: Secret, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = _backed_up(workspace, secret, tmp_path)
    monkeypatch.delenv("REFWATCH_WORKSPACE", raising=False)
    monkeypatch.delenv("REFWATCH_KEYFILE", raising=False)
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    good = runner.invoke(app, ["restore", "--verify-only", str(backup), "--json"])
    assert good.exit_code == 0, good.stderr
    assert json.loads(good.stdout)["ok"] is True
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "not the passphrase at all")
    wrong = runner.invoke(app, ["restore", "--verify-only", str(backup)])
    assert wrong.exit_code == 2 and "does not open" in wrong.stderr


def _behind(workspace: Workspace) -> str:
    """Put the schema one revision behind, as an older RefWatch left it."""
    migrate.downgrade(workspace.engine, "-1")
    current = migrate.current_revision(workspace.engine)
    assert current is not None and current != migrate.head_revision()
    return current


def test_an_outdated_schema_is_never_migrated_on_open(
    workspace: Workspace, secret: Secret, tmp_path: Path
) -> None:
    _load(workspace, secret, tmp_path)
    old = _behind(workspace)
    with pytest.raises(UpgradeNeeded, match="refwatch upgrade --backup"):
        open_workspace(workspace.path, workspace.url)
    assert migrate.current_revision(workspace.engine) == old


def test_upgrade_backs_up_proves_the_backup_then_migrates(
    workspace: Workspace, secret: Secret, tmp_path: Path
) -> None:
    _load(workspace, secret, tmp_path)
    with workspace.read() as conn:
        mentions = conn.exec_driver_sql("SELECT count(*) FROM mentions").scalar_one()
    old = _behind(workspace)
    backup = tmp_path / "before-upgrade.rwbackup"
    report = upgrade_workspace(workspace.path, workspace.url, secret, backup, "tester")
    assert report.upgraded and report.from_revision == old
    assert report.drill is not None and report.drill["ok"]
    assert oct(os.stat(backup).st_mode & 0o777) == "0o600"
    with open_workspace(workspace.path, workspace.url) as opened:
        assert migrate.current_revision(opened.engine) == migrate.head_revision()
        assert opened.verify_audit().ok
        with opened.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM mentions").scalar_one() == mentions
            actions = list(conn.execute(select(entries.c.action).order_by(entries.c.seq)).scalars())
    assert actions[-1] == "schema.upgrade" and "backup.create" in actions[-3:]
    # The backup taken at the old revision restores (into a scratch folder, at its revision).
    assert verify_backup(backup, secret).ok
    # Nothing left to do: no second backup.
    again = upgrade_workspace(workspace.path, workspace.url, secret, tmp_path / "x", "tester")
    assert not again.upgraded and not (tmp_path / "x").exists()


def test_no_migration_when_the_backup_does_not_restore(
    workspace: Workspace, secret: Secret, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _behind(workspace)

    def broken(path: Path, given: Secret, scratch: Path | None = None) -> drill.DrillReport:
        return drill.DrillReport(False, str(path), "", "", 0, problem="simulated failure")

    monkeypatch.setattr(drill, "verify_backup", broken)
    with pytest.raises(WorkspaceError, match="nothing was migrated"):
        upgrade_workspace(workspace.path, workspace.url, secret, tmp_path / "b", "tester")
    assert migrate.current_revision(workspace.engine) == old


def test_no_migration_when_someone_writes_during_the_backup(
    workspace: Workspace, secret: Secret, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _behind(workspace)
    real = drill.verify_backup

    def while_writing(path: Path, given: Secret, scratch: Path | None = None) -> drill.DrillReport:
        from refwatch.store import audit

        with workspace.write() as conn:
            audit.log(conn, "web:someone", "source.add")
        return real(path, given, scratch)

    monkeypatch.setattr(drill, "verify_backup", while_writing)
    with pytest.raises(WorkspaceError, match="changed while it was being backed up"):
        upgrade_workspace(workspace.path, workspace.url, secret, tmp_path / "b", "tester")
    assert migrate.current_revision(workspace.engine) == old
    with workspace.read() as conn:
        assert conn.execute(select(func.count()).select_from(entries)).scalar_one() > 0
