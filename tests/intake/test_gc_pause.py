"""The import's garbage-collection pause: on for the import, restored after, whatever
happens, and shared by nested or concurrent imports."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from refwatch.intake import importer
from refwatch.intake.gc_pause import gc_paused
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace


@pytest.fixture(autouse=True)
def collection_on() -> Iterator[None]:
    """Collection on for each test, and after it as it was before (some tests switch it off:
    left off, it would leak into the next test of the same worker)."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_collection_is_off_inside_and_back_on_after_even_on_an_error() -> None:
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_pause_inside_a_pause_ends_with_the_outer_one() -> None:
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collection_left_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_concurrent_pauses_end_when_the_last_one_does() -> None:
    inside, release = threading.Barrier(2), threading.Event()

    def long_import() -> None:
        with gc_paused():
            inside.wait()
            release.wait(timeout=10)

    worker = threading.Thread(target=long_import)
    worker.start()
    with gc_paused():
        inside.wait()
    assert not gc.isenabled(), "the other import is still running"
    release.set()
    worker.join()
    assert gc.isenabled()


def test_an_import_runs_with_collection_paused_and_restores_it(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real_read = importer.read_records

    def spying_read(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real_read(*args, **kwargs)

    monkeypatch.setattr(importer, "read_records", spying_read)
    path = tmp_path / "cases.csv"
    path.write_text(
        "source,record_id,name_latin,apprehended_on\nS,1,Kim Ok,2017-07\n", encoding="utf-8"
    )
    assert import_file(workspace, cipher, path).new == 1
    assert seen == [False]
    assert gc.isenabled()
