"""A request whose read saw an older audit head than the cached snapshot's (another thread
validated the cache against a later head in between) reuses the snapshot instead of
rebuilding it; a head that stays behind (another history) still rebuilds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection

import refwatch.counting.snapshot as snapshot_module
from refwatch.counting import count_persons
from refwatch.counting.snapshot import load_snapshot
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}


def _ready(workspace: Workspace, cipher: FieldCipher, folder: Path) -> snapshot_module.Snapshot:
    import_rows(
        workspace,
        cipher,
        folder,
        [row(**SDC, record_id="1", apprehended_on="2017-07-13", status="detained")],
    )
    first = load_snapshot(workspace)
    count_persons(workspace, event="detention", record=True)  # a quiet write moves the head
    assert load_snapshot(workspace) is first
    return first


def test_a_read_behind_the_cache_reuses_it(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _ready(workspace, cipher, tmp_path)
    real = snapshot_module._head
    calls: list[int] = []

    def behind_once(conn: Connection) -> tuple[int, str]:
        calls.append(1)
        seq, digest = real(conn)
        return (seq - 1, "an older head") if len(calls) == 1 else (seq, digest)

    monkeypatch.setattr(snapshot_module, "_head", behind_once)
    assert load_snapshot(workspace) is first
    assert len(calls) == 2


def test_a_head_that_stays_behind_rebuilds(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _ready(workspace, cipher, tmp_path)
    real = snapshot_module._head

    def behind(conn: Connection) -> tuple[int, str]:
        seq, _ = real(conn)
        return (seq - 1, "another history")

    monkeypatch.setattr(snapshot_module, "_head", behind)
    again = load_snapshot(workspace)
    assert again is not first
    assert again.clock[1] == "another history"
