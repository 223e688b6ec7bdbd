"""Folders the workspace keeps under random ids (`refwatch.store.saved`): an id that is not
an id never reaches the file system, a folder without its record is nothing, and the list
is the newest records that the caller keeps, at most `LISTED`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refwatch.store import saved

RECORD = "thing.json"


def save(root: Path, created_at: str, **more: object) -> str:
    saved_id, folder = saved.new_folder(root)
    record = {"id": saved_id, "created_at": created_at, **more}
    (folder / RECORD).write_text(json.dumps(record), encoding="utf-8")
    return saved_id


def test_a_new_folder_is_owner_only_under_a_fresh_id(tmp_path: Path) -> None:
    root = tmp_path / "things"
    first, folder = saved.new_folder(root)
    second, _ = saved.new_folder(root)
    assert first != second
    assert saved.SAVED_ID.match(first) and folder == root / first
    assert folder.stat().st_mode & 0o077 == 0 and root.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("bad", ["", "..", "../things", "0" * 23, "0" * 25, "G" * 24])
def test_an_id_that_is_not_an_id_finds_nothing(tmp_path: Path, bad: str) -> None:
    (tmp_path / RECORD).write_text(json.dumps({"created_at": "x"}), encoding="utf-8")
    root = tmp_path / "things"
    save(root, "2026-01-01 00:00:00 UTC")
    assert saved.load_record(root, bad, RECORD) is None


def test_a_folder_without_its_record_or_with_no_record_in_it_is_nothing(tmp_path: Path) -> None:
    root = tmp_path / "things"
    empty, _ = saved.new_folder(root)
    listed, folder = saved.new_folder(root)
    (folder / RECORD).write_text(json.dumps(["not", "a", "record"]), encoding="utf-8")
    assert saved.load_record(root, empty, RECORD) is None
    assert saved.load_record(root, listed, RECORD) is None
    assert saved.load_record(root, "0" * 24, RECORD) is None
    assert saved.recent_records(root, RECORD) == []
    assert saved.recent_records(tmp_path / "never made", RECORD) == []


def test_the_list_is_the_newest_kept_records_first(tmp_path: Path) -> None:
    root = tmp_path / "things"
    days = [f"2026-01-{day:02d} 00:00:00 UTC" for day in range(1, saved.LISTED + 6)]
    ids = {save(root, day, odd=int(day[8:10]) % 2 == 1): day for day in days}
    everything = saved.recent_records(root, RECORD)
    assert [r["created_at"] for r in everything] == sorted(days, reverse=True)[: saved.LISTED]
    assert all(ids[r["id"]] == r["created_at"] for r in everything)
    odd = saved.recent_records(root, RECORD, keep=lambda r: bool(r["odd"]))
    assert odd and all(r["odd"] for r in odd)
    assert [r["created_at"] for r in odd] == sorted(
        (day for day in days if int(day[8:10]) % 2 == 1), reverse=True
    )
