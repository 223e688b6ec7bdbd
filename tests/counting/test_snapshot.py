"""The evidence snapshot: reused while evidence is unchanged, rebuilt when it changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.counting import count_persons
from refwatch.counting.days import from_day
from refwatch.counting.evidence import EVENT_CODES
from refwatch.counting.snapshot import forget, load_snapshot
from refwatch.intake.deletion import delete_report
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows, link_by_truth

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}


def test_the_snapshot_is_reused_until_evidence_or_links_change(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [row(**SDC, record_id="1", apprehended_on="2017-07", status="detained")],
    )
    first = load_snapshot(workspace)
    assert load_snapshot(workspace) is first
    count_persons(workspace, record=True)  # a ledger write is not an evidence change
    assert load_snapshot(workspace) is first

    import_rows(
        workspace,
        cipher,
        tmp_path / "2",
        [row(**SDC, record_id="2", apprehended_on="2017-08", status="detained")],
    )
    second = load_snapshot(workspace)
    assert second is not first and second.snapshot_hash != first.snapshot_hash
    assert second.evidence.persons == 2

    link_by_truth(workspace, {(SDC["source"], "1"): "T", (SDC["source"], "2"): "T"})
    third = load_snapshot(workspace)
    assert third.evidence.persons == 1 and third.snapshot_hash != second.snapshot_hash


def test_the_snapshot_hash_depends_only_on_the_evidence(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [row(**SDC, record_id="1", apprehended_on="2017-07", status="detained")],
    )
    assert (
        load_snapshot(workspace, fresh=True).snapshot_hash
        == load_snapshot(workspace, fresh=True).snapshot_hash
    )


def test_no_name_or_note_enters_the_snapshot(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(
                **SDC,
                record_id="1",
                name_hangul="김카나리",
                name_latin="Canary Kim",
                notes="canary-note-7",
                apprehended_on="2017-07",
                status="detained",
            )
        ],
    )
    evidence = load_snapshot(workspace).evidence
    text = repr([getattr(evidence, f.name) for f in dataclasses.fields(evidence)])
    for secret in ("카나리", "Canary", "canary-note-7"):
        assert secret not in text


def test_a_slow_load_is_kept_on_disk_for_the_next_process_until_the_evidence_changes(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refwatch.counting import diskcache, snapshot

    monkeypatch.setattr(diskcache, "MIN_SECONDS", 0.0)
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(
                **SDC,
                record_id="1",
                name_latin="Canary Kim",
                notes="canary-note-7",
                apprehended_on="2017-07",
                status="detained",
            )
        ],
    )
    first = load_snapshot(workspace)
    path = diskcache.cache_path(workspace)
    assert path.exists() and path.stat().st_mode & 0o077 == 0
    assert b"Canary" not in path.read_bytes() and b"canary-note" not in path.read_bytes()

    forget(workspace)

    def no_database(*_: object) -> None:
        raise AssertionError("read the database although the saved arrays were current")

    monkeypatch.setattr(snapshot, "load_evidence", no_database)
    again = load_snapshot(workspace)
    assert again.snapshot_hash == first.snapshot_hash
    assert count_persons(workspace).at_least == 1

    monkeypatch.undo()
    monkeypatch.setattr(diskcache, "MIN_SECONDS", 0.0)
    import_rows(
        workspace,
        cipher,
        tmp_path / "2",
        [row(**SDC, record_id="2", apprehended_on="2017-08", status="detained")],
    )
    forget(workspace)
    assert load_snapshot(workspace).evidence.persons == 2


def test_reading_names_or_reasons_for_review_does_not_count_as_an_evidence_change() -> None:
    from refwatch.counting.snapshot import changes_evidence

    for action in ("linkage.read_names", "linkage.read_reasons", "names.read", "login"):
        assert not changes_evidence(action), action
    for action in ("linkage.run", "linkage.decide", "import", "mention.create"):
        assert changes_evidence(action), action


def test_only_current_mentions_bring_their_events(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    """Each event sits on its own mention's row; a corrected row's old version and a
    deleted report bring none (the events are matched to current mentions in Python, not
    by a join, since the load at a million mentions)."""
    first = [
        row(**SDC, record_id="1", apprehended_on="2017-07", status="detained"),
        row(**SDC, record_id="2", apprehended_on="2017-08", status="detained"),
        row(**SDC, record_id="3", apprehended_on="2016-01", status="detained"),
    ]
    import_rows(workspace, cipher, tmp_path, first)
    corrected = [dict(first[0], apprehended_on="2018-03"), first[1], first[2]]
    import_rows(workspace, cipher, tmp_path / "2", corrected)
    with workspace.read() as conn:
        cm = current_mentions().subquery()
        current = dict(conn.execute(select(cm.c.record_id, cm.c.report_id)).all())
    delete_report(workspace, current["3"], "request R-1", "admin")

    ev = load_snapshot(workspace, fresh=True).evidence
    with workspace.read() as conn:
        cm = current_mentions().subquery()
        record_of = dict(conn.execute(select(cm.c.id, cm.c.record_id)).all())
    apprehended = ev.e_type == EVENT_CODES["apprehension"]
    seen = {
        record_of[ev.mention_ids[m]]: str(lo)
        for m, lo in zip(ev.e_mention[apprehended], ev.e_lo[apprehended], strict=True)
    }
    assert {k: from_day(int(v)).isoformat()[:7] for k, v in seen.items()} == {
        "1": "2018-03",
        "2": "2017-08",
    }
    assert int(ev.e_mention.max()) < ev.mentions
