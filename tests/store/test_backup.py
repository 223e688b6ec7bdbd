"""Backups: a restore gives back everything; a damaged or tampered backup is refused."""

from __future__ import annotations

import io
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from refwatch.domain.errors import WrongPassphraseError
from refwatch.intake.export import export
from refwatch.intake.importer import import_file
from refwatch.store.backup import BackupError, create_backup, restore_backup
from refwatch.store.crypto import FieldCipher
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.schema import Mention, Report, table_of
from refwatch.store.workspace import Workspace, open_workspace
from tests.conftest import pg_url_or_skip, row, write_csv

CANARY = "Canaryperson Xqvz"


def _named_export(workspace: Workspace, secret: Secret) -> str:
    buffer = io.StringIO()
    export(workspace, "mentions", "jsonl", buffer, cipher=FieldCipher(workspace.unlock(secret)))
    return buffer.getvalue()


def _fill(tmp_path: Path, workspace: Workspace, secret: Secret, rows: list[dict[str, str]]) -> None:
    rows = [
        *rows,
        row(
            source="Family contacts",
            record_id="C-1",
            name_latin=CANARY,
            notes="canary note 9911",
            apprehended_on="2017-07",
        ),
    ]
    import_file(
        workspace, FieldCipher(workspace.unlock(secret)), write_csv(tmp_path / "l.csv", rows)
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def restore_target(request: pytest.FixtureRequest):
    """Where to restore: a SQLite folder, or a PostgreSQL schema (dropped afterwards)."""
    if request.param == "sqlite":
        yield None, None
        return
    url = pg_url_or_skip()
    schema = f"rwrestore_{uuid.uuid4().hex[:12]}"
    try:
        yield url, schema
    finally:
        drop_pg_schema(url, schema)


def test_a_restore_gives_back_every_value_and_the_audit_chain_on_either_engine(
    tmp_path: Path,
    workspace: Workspace,
    secret: Secret,
    sample_rows: list[dict[str, str]],
    restore_target: tuple[str | None, str | None],
) -> None:
    _fill(tmp_path, workspace, secret, sample_rows)
    backup = tmp_path / "ws.rwbackup"
    summary = create_backup(workspace, secret, backup, "tester")
    assert summary.rows > 0
    before = _named_export(workspace, secret)

    url, schema = restore_target
    restore_backup(backup, tmp_path / "restored", secret, db_url=url, schema=schema, actor="tester")
    with open_workspace(tmp_path / "restored", url) as restored:
        assert _named_export(restored, secret) == before
        report = restored.verify_audit()
        assert report.ok and report.entries >= 8
        assert restored.workspace_id == workspace.workspace_id


def test_a_backup_holds_no_plaintext_canary(
    tmp_path: Path, workspace: Workspace, secret: Secret, sample_rows: list[dict[str, str]]
) -> None:
    _fill(tmp_path, workspace, secret, sample_rows)
    backup = tmp_path / "b"
    create_backup(workspace, secret, backup, "tester")
    data = backup.read_bytes()
    for text in (CANARY, "canary note 9911", "Gim Songkook", "김송국", "SEO-00001", "Tumen"):
        assert text.encode() not in data


@pytest.mark.parametrize("damage", ["body_bit", "header_bit", "truncate", "append", "swap"])
def test_a_damaged_or_tampered_backup_is_refused(
    tmp_path: Path,
    workspace: Workspace,
    secret: Secret,
    sample_rows: list[dict[str, str]],
    damage: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import refwatch.store.backup as backup_module

    monkeypatch.setattr(backup_module, "CHUNK", 256)  # several chunks, to reorder them
    many = [row(source="S", record_id=str(n), name_latin=f"Name {n}") for n in range(200)]
    _fill(tmp_path, workspace, secret, [*sample_rows, *many])
    backup = tmp_path / "b"
    create_backup(workspace, secret, backup, "tester")
    data = bytearray(backup.read_bytes())
    header_end = len(backup_module.MAGIC) + 4 + int.from_bytes(data[16:20], "big")
    if damage == "body_bit":
        data[-10] ^= 0x01
    elif damage == "header_bit":
        data[header_end - 5] ^= 0x01
    elif damage == "truncate":
        data = data[: len(data) - 300]
    elif damage == "append":
        data += data[header_end : header_end + 300]
    else:
        first_len = 4 + 12 + int.from_bytes(data[header_end : header_end + 4], "big")
        assert len(data) > header_end + 3 * first_len, "needs several chunks to swap"
        first = data[header_end : header_end + first_len]
        second = data[header_end + first_len : header_end + 2 * first_len]
        data[header_end : header_end + 2 * first_len] = second + first
    backup.write_bytes(bytes(data))
    with pytest.raises((BackupError, WrongPassphraseError)) as info:
        restore_backup(backup, tmp_path / "restored", secret, actor="tester")
    assert "Traceback" not in str(info.value)
    assert not (tmp_path / "restored" / "workspace.json").exists()
    assert not (tmp_path / "restored" / "refwatch.db").exists()


def test_a_backup_opens_only_with_the_workspace_secret(
    tmp_path: Path, workspace: Workspace, secret: Secret
) -> None:
    backup = tmp_path / "b"
    create_backup(workspace, secret, backup, "tester")
    with pytest.raises(WrongPassphraseError):
        restore_backup(backup, tmp_path / "r", Secret(passphrase="not the passphrase"))
    assert not (tmp_path / "r" / "workspace.json").exists()


def test_a_backup_taken_during_imports_is_a_consistent_snapshot(
    tmp_path: Path, workspace: Workspace, secret: Secret
) -> None:
    cipher = FieldCipher(workspace.unlock(secret))
    files = [
        write_csv(
            tmp_path / f"batch{i}.csv",
            [row(source=f"S{i}", record_id=str(n), name_latin=f"N{n}", sex="F") for n in range(40)],
        )
        for i in range(8)
    ]
    done = threading.Event()

    def keep_importing() -> None:
        for path in files:
            import_file(workspace, cipher, path)
        done.set()

    worker = threading.Thread(target=keep_importing)
    worker.start()
    backups = []
    while not done.is_set() and len(backups) < 4:
        path = tmp_path / f"snap{len(backups)}"
        create_backup(workspace, secret, path, "tester")
        backups.append(path)
    worker.join()
    for i, path in enumerate(backups):
        target = tmp_path / f"restored{i}"
        restore_backup(path, target, secret)
        with open_workspace(target) as restored, restored.read() as conn:
            reports = conn.execute(select(func.count()).select_from(table_of(Report))).scalar_one()
            mentions = conn.execute(
                select(func.count()).select_from(table_of(Mention))
            ).scalar_one()
            assert reports == mentions and reports % 40 == 0
        assert restored.verify_audit().ok


def test_restore_refuses_a_folder_that_holds_a_workspace(
    tmp_path: Path, workspace: Workspace, secret: Secret
) -> None:
    backup = tmp_path / "b"
    create_backup(workspace, secret, backup, "tester")
    with pytest.raises(Exception, match="already holds a workspace"):
        restore_backup(backup, workspace.path, secret)
