from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from refwatch.domain.errors import KeyMaterialError, WorkspaceError, WrongPassphraseError
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret, create_keyfile
from refwatch.store.schema import Base, DataKey
from refwatch.store.workspace import Workspace, init_workspace
from tests.conftest import PASSPHRASE, TEST_KDF, write_csv


def _key_rows(workspace: Workspace) -> list[tuple[int, bytes]]:
    with workspace.read() as conn:
        table = DataKey.__table__
        return [
            (r.version, r.wrapped) for r in conn.execute(select(table.c.version, table.c.wrapped))
        ]


def test_the_shipped_argon2id_cost_is_at_least_rfc9106_second_option() -> None:
    params = KdfParams()
    assert params.memory_cost_kib >= 65536 and params.iterations >= 3


def _row_counts(workspace: Workspace) -> dict[str, int]:
    with workspace.read() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }


def test_a_wrong_passphrase_gives_a_clear_error_and_changes_nothing(
    tmp_path: Path, workspace: Workspace, secret: Secret, sample_rows: list[dict[str, str]]
) -> None:
    import_file(
        workspace, FieldCipher(workspace.unlock(secret)), write_csv(tmp_path / "l.csv", sample_rows)
    )
    keys, rows, chain = _key_rows(workspace), _row_counts(workspace), workspace.verify_audit()
    anchor = workspace.anchor()
    assert rows["mentions"] == 3 and chain.ok and chain.entries > 1
    wrong = Secret(passphrase="not the passphrase")
    with pytest.raises(WrongPassphraseError, match="does not open this workspace"):
        workspace.unlock(wrong)
    with pytest.raises(WrongPassphraseError, match="nothing was changed"):
        workspace.rotate_key(wrong, Secret(passphrase="a brand new passphrase"), "t", kdf=TEST_KDF)
    assert _key_rows(workspace) == keys
    assert _row_counts(workspace) == rows
    after = workspace.verify_audit()
    assert (after.ok, after.entries) == (True, chain.entries)
    assert workspace.anchor() == anchor


def test_the_passphrase_is_never_shown_by_repr() -> None:
    assert PASSPHRASE not in repr(Secret(passphrase=PASSPHRASE))


def test_a_short_passphrase_is_refused() -> None:
    with pytest.raises(KeyMaterialError, match="at least 8"):
        Secret(passphrase="short")


def test_the_workspace_folder_holds_no_key_material(workspace: Workspace, secret: Secret) -> None:
    ring = workspace.unlock(secret)
    raw_key = ring.key(1)
    for path in workspace.path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert raw_key not in data
            assert PASSPHRASE.encode() not in data


def test_rotating_the_key_keeps_data_readable_and_locks_out_the_old_passphrase(
    workspace: Workspace, secret: Secret
) -> None:
    cipher = FieldCipher(workspace.unlock(secret))
    sealed = cipher.seal("mentions", "notes", "row-9", "held since July")
    new = Secret(passphrase="a brand new passphrase")
    workspace.rotate_key(secret, new, "tester", kdf=TEST_KDF)
    with pytest.raises(WrongPassphraseError):
        workspace.unlock(secret)
    reopened = FieldCipher(workspace.unlock(new))
    assert reopened.open("mentions", "notes", "row-9", sealed) == "held since July"


def test_after_rotation_the_old_wrapped_key_is_gone_from_the_sqlite_files(
    tmp_path: Path, secret: Secret
) -> None:
    workspace = init_workspace(tmp_path / "ws", secret, kdf=TEST_KDF)
    old_wrapped = _key_rows(workspace)[0][1]
    workspace.rotate_key(secret, Secret(passphrase="another long passphrase"), "t", kdf=TEST_KDF)
    workspace.close()
    for path in workspace.path.iterdir():
        assert old_wrapped not in path.read_bytes(), path.name


def test_a_keyfile_protects_the_workspace_and_can_replace_the_passphrase(
    tmp_path: Path, workspace: Workspace, secret: Secret
) -> None:
    keyfile = tmp_path / "keys" / "refwatch.key"
    keyfile.parent.mkdir()
    create_keyfile(keyfile)
    assert keyfile.stat().st_mode & 0o077 == 0
    workspace.rotate_key(secret, Secret(keyfile=keyfile), "tester")
    assert workspace.unlock(Secret(keyfile=keyfile)).versions == [1]
    with pytest.raises(WorkspaceError, match="protected by a keyfile"):
        workspace.unlock(secret)
    other = tmp_path / "keys" / "other.key"
    create_keyfile(other)
    with pytest.raises(WrongPassphraseError):
        workspace.unlock(Secret(keyfile=other))


def test_a_keyfile_inside_the_workspace_is_refused(workspace: Workspace, secret: Secret) -> None:
    inside = workspace.path / "refwatch.key"
    create_keyfile(inside)
    with pytest.raises(KeyMaterialError, match="inside the workspace"):
        workspace.rotate_key(secret, Secret(keyfile=inside), "tester")


def test_create_keyfile_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "k"
    create_keyfile(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(FileExistsError):
        create_keyfile(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
