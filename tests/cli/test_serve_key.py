"""Where `refwatch serve` finds the key, and what it hands to the workers.

The server itself is replaced by a stand-in that records the handover (the real server,
with two workers, is tested in tests/web/test_workers.py). Tried: a keyfile; a systemd
credential holding a keyfile or a passphrase; a credential keyfile planted inside the
workspace (refused); a wrong passphrase (stops before any worker); no key at all (served
locked); the handover never showing its keys in its repr.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.keys import Secret, create_keyfile
from refwatch.store.workspace import Workspace, init_workspace
from refwatch.web import serving
from tests.conftest import PASSPHRASE, TEST_KDF

runner = CliRunner()


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> list[serving.Handover]:
    seen: list[serving.Handover] = []

    def stand_in(handover: serving.Handover, **_: object) -> None:
        seen.append(handover)

    monkeypatch.setattr(serving, "serve", stand_in)
    for name in ("REFWATCH_PASSPHRASE", "REFWATCH_KEYFILE", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("REFWATCH_DB", raising=False)
    return seen


def _keyfile_workspace(tmp_path: Path) -> tuple[Path, Path]:
    keyfile = tmp_path / "keys" / "refwatch.key"
    keyfile.parent.mkdir()
    create_keyfile(keyfile)
    init_workspace(tmp_path / "ws", Secret(keyfile=keyfile), actor="t", kdf=TEST_KDF).close()
    return tmp_path / "ws", keyfile


def _serve(path: Path, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--workspace", str(path), *extra, "serve", "--workers", "2"])
    return result.exit_code, result.stdout, result.stderr


def test_a_keyfile_unlocks_and_only_the_keys_go_to_the_workers(
    tmp_path: Path, handed: list[serving.Handover]
) -> None:
    path, keyfile = _keyfile_workspace(tmp_path)
    code, out, err = _serve(path, "--keyfile", str(keyfile))
    assert code == 0, err
    (handover,) = handed
    assert handover.keys is not None and handover.keys.versions == [1]
    assert len(handover.csrf_key) == 32
    assert "with 2 workers" in out
    assert repr(handover).count("unlocked=True") == 1
    assert handover.keys.key(1).hex() not in repr(handover)


def test_a_systemd_credential_keyfile_unlocks(
    tmp_path: Path, handed: list[serving.Handover], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, keyfile = _keyfile_workspace(tmp_path)
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "refwatch-key").write_bytes(keyfile.read_bytes())
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    code, _, err = _serve(path)
    assert code == 0, err
    assert handed[0].keys is not None


def test_a_systemd_credential_passphrase_unlocks(
    workspace: Workspace,
    tmp_path: Path,
    handed: list[serving.Handover],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "refwatch-passphrase").write_text(PASSPHRASE + "\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    code, _, err = _serve(workspace.path)
    assert code == 0, err
    assert handed[0].keys is not None


def test_a_credential_keyfile_inside_the_workspace_is_refused(
    tmp_path: Path, handed: list[serving.Handover], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, keyfile = _keyfile_workspace(tmp_path)
    planted = path / "credentials"
    planted.mkdir()
    (planted / "refwatch-key").write_bytes(keyfile.read_bytes())
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(planted))
    code, _, err = _serve(path)
    assert code == 2 and "inside the workspace folder" in err
    assert handed == []


def test_a_wrong_passphrase_stops_serve_before_any_worker(
    workspace: Workspace, handed: list[serving.Handover], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "not the passphrase at all")
    code, _, err = _serve(workspace.path)
    assert code == 2 and "does not open this workspace" in err
    assert handed == []


def test_without_a_key_it_serves_locked(
    workspace: Workspace, handed: list[serving.Handover]
) -> None:
    code, out, _ = _serve(workspace.path)
    assert code == 0 and handed[0].keys is None and "stay locked" in out


def test_ask_passphrase_without_a_terminal_says_so(
    workspace: Workspace, handed: list[serving.Handover]
) -> None:
    result = runner.invoke(app, ["--workspace", str(workspace.path), "serve", "--ask-passphrase"])
    assert result.exit_code == 2 and "run in a terminal" in result.stderr


def test_the_passphrase_leaves_the_environment_before_workers_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """serving.serve removes REFWATCH_PASSPHRASE before uvicorn spawns a worker (spawned
    processes inherit the environment)."""
    import os

    import uvicorn

    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    seen: list[str | None] = []

    class Server:
        def __init__(self, config: object) -> None:
            pass

        def run(self) -> None:
            seen.append(os.environ.get("REFWATCH_PASSPHRASE"))

    monkeypatch.setattr(uvicorn, "Server", Server)
    # No logging configuration in the test process (it would outlive this test).
    monkeypatch.setattr(serving, "log_config", lambda _format: None)
    handover = serving.Handover(tmp_path, None, None, b"k" * 32)
    serving.serve(handover, host="127.0.0.1", port=0, workers=1)
    assert seen == [None]
