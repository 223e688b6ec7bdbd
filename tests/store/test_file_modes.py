"""Issue 17, item 7: a workspace and everything RefWatch writes for it are its owner's only.

The attack: another local user reads refwatch.db, its -wal and -shm, the anchor, a
backup or a fact sheet, all created 0644 before. Each test runs under a permissive umask
(022), as a default shell has, so the modes come from RefWatch itself."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store import audit
from refwatch.store.backup import create_backup
from refwatch.store.keys import Secret
from refwatch.store.workspace import init_workspace, open_workspace
from tests.conftest import PASSPHRASE, TEST_KDF

runner = CliRunner()


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _others_can_read(path: Path) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


def _everything_in(folder: Path) -> list[Path]:
    return [folder, *sorted(folder.rglob("*"))]


def test_local_users_cannot_read_a_new_workspace_or_its_wal(tmp_path: Path, secret: Secret) -> None:
    path = tmp_path / "ws"
    workspace = init_workspace(path, secret, actor="tester", kdf=TEST_KDF)
    try:
        with workspace.engine.connect() as keep_open, workspace.write() as conn:
            audit.log(conn, "tester", "test.write")
            assert keep_open is not None
            names = {p.name for p in path.iterdir()}
            assert {"refwatch.db", "refwatch.db-wal", "refwatch.db-shm"} <= names
            readable = [p for p in _everything_in(path) if _others_can_read(p)]
            assert readable == []
    finally:
        workspace.close()
    assert [p for p in _everything_in(path) if _others_can_read(p)] == []


def test_an_old_world_readable_workspace_is_narrowed_when_opened(
    tmp_path: Path, secret: Secret
) -> None:
    path = tmp_path / "ws"
    init_workspace(path, secret, actor="tester", kdf=TEST_KDF).close()
    for item in _everything_in(path):
        os.chmod(item, 0o755 if item.is_dir() else 0o644)
    open_workspace(path).close()
    assert [p for p in _everything_in(path) if _others_can_read(p)] == []


def test_local_users_cannot_read_a_backup(tmp_path: Path, secret: Secret) -> None:
    workspace = init_workspace(tmp_path / "ws", secret, actor="tester", kdf=TEST_KDF)
    try:
        out = tmp_path / "ws.backup"
        create_backup(workspace, secret, out, actor="tester")
    finally:
        workspace.close()
    assert not _others_can_read(out)


def test_local_users_cannot_read_what_the_command_line_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`refwatch init`, `backup` and `factsheet` under umask 022."""
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    for name in ("REFWATCH_DB", "REFWATCH_KEYFILE"):
        monkeypatch.delenv(name, raising=False)
    for args in (
        ["init"],
        ["backup", str(tmp_path / "cli.backup")],
        ["factsheet", "--from", "2017", "--to", "2018", "--out", str(tmp_path / "sheet")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    assert os.umask(0o022) == 0o022  # the command put the caller's umask back
    written = [
        *_everything_in(tmp_path / "ws"),
        tmp_path / "cli.backup",
        *_everything_in(tmp_path / "sheet"),
    ]
    assert [p for p in written if _others_can_read(p)] == []
