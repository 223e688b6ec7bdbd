"""After a change to who is whom only, the snapshot reads the links again and keeps the
mentions: the result must be exactly what a full read gives, hash included, and any
other change must still read everything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from refwatch.counting import diskcache
from refwatch.counting import snapshot as snapshot_module
from refwatch.counting.evidence import Evidence, load_evidence, relink
from refwatch.counting.snapshot import forget, load_snapshot
from refwatch.linkage import run_linkage
from refwatch.linkage.edits import merge_persons, split_person
from refwatch.linkage.review import decide, undo_decision
from refwatch.store import changes
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import assert_same_evidence, import_rows

NGO = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
PRESS = {"source": "Press monitor", "source_type": "media"}


def _rows() -> list[dict[str, str]]:
    common = {"sex": "F", "apprehended_at": "Tumen", "birth_year": "1990", "status": "detained"}
    return [
        row(**NGO, **common, record_id="1", name_latin="Kim Sun-hui", apprehended_on="2017-07"),
        row(**PRESS, **common, record_id="a", name_latin="Kim Sunhui", apprehended_on="2017-07"),
        row(**NGO, **common, record_id="2", name_latin="Ri Myong-ok", apprehended_on="2017-08"),
        row(**PRESS, **common, record_id="b", name_latin="Ri Myongok", apprehended_on="2017-08"),
        row(**NGO, record_id="3", name_latin="Pak Chol", sex="M", apprehended_on="2016-12"),
    ]


@pytest.fixture(autouse=True)
def quiet_store() -> Iterator[None]:
    """No after-commit listeners (the alert rules, installed when the CLI is imported),
    which would load the snapshot themselves and hide which read each step made."""
    was = changes.listeners()
    for listener in was:
        changes.unsubscribe(listener)
    yield
    for listener in was:
        changes.subscribe(listener)


class Reads:
    """Counts the full reads of the evidence the snapshot makes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = 0
        real = snapshot_module.load_evidence

        def counted(conn: object) -> Evidence:
            self.full += 1
            return real(conn)  # type: ignore[arg-type]

        monkeypatch.setattr(snapshot_module, "load_evidence", counted)


def _same_as_a_full_read(workspace: Workspace, evidence: Evidence) -> None:
    with workspace.engine.connect() as conn:
        full = load_evidence(conn)
    assert evidence.snapshot_hash == full.snapshot_hash
    assert_same_evidence(evidence, full)


def _mention(workspace: Workspace, source: str, record_id: str) -> tuple[str, str]:
    """(mention id, person id) of a record's current mention."""
    cm = current_mentions().subquery()
    with workspace.read() as conn:
        found = conn.execute(
            select(cm.c.id, cm.c.person_id)
            .where(cm.c.source == source)
            .where(cm.c.record_id == record_id)
        ).one()
    return str(found.id), str(found.person_id)


def test_link_changes_read_only_the_links_and_match_a_full_read(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_rows(workspace, cipher, tmp_path, _rows())
    reads = Reads(monkeypatch)
    before = load_snapshot(workspace)
    assert reads.full == 1 and before.evidence.persons == 5

    run_linkage(workspace, cipher, "test")
    linked = load_snapshot(workspace)
    assert reads.full == 1  # the run changed links only
    assert linked.evidence.link_runs and linked.snapshot_hash != before.snapshot_hash
    _same_as_a_full_read(workspace, linked.evidence)

    _, kim_person = _mention(workspace, NGO["source"], "1")
    pak, pak_person = _mention(workspace, NGO["source"], "3")
    merged = merge_persons(workspace, [kim_person, pak_person], "test")
    assert merged.decisions
    after_merge = load_snapshot(workspace)
    assert after_merge.evidence.persons < linked.evidence.persons
    _same_as_a_full_read(workspace, after_merge.evidence)

    for decision_id in merged.decisions:  # a split may not undo a decision by itself
        undo_decision(workspace, decision_id, "test")
    _same_as_a_full_read(workspace, load_snapshot(workspace).evidence)
    _, person = _mention(workspace, NGO["source"], "3")
    split_person(workspace, person, [pak], "test")
    after_split = load_snapshot(workspace).evidence
    _same_as_a_full_read(workspace, after_split)

    ri, _ = _mention(workspace, NGO["source"], "2")
    ri_press, _ = _mention(workspace, PRESS["source"], "b")
    decision = decide(workspace, ri, ri_press, False, "test")
    decided = load_snapshot(workspace).evidence
    assert len(decided.diff_a) == len(after_split.diff_a) + 1
    _same_as_a_full_read(workspace, decided)
    undo_decision(workspace, decision.id, "test")
    _same_as_a_full_read(workspace, load_snapshot(workspace).evidence)
    assert reads.full == 1

    import_rows(workspace, cipher, tmp_path / "more", [row(**NGO, record_id="4", sex="M")])
    grown = load_snapshot(workspace)
    assert reads.full == 2  # an import changes the evidence: read it all
    assert grown.evidence.mentions == before.evidence.mentions + 1


def test_a_new_process_relinks_from_the_file_on_disk(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_rows(workspace, cipher, tmp_path, _rows())
    monkeypatch.setattr(diskcache, "MIN_SECONDS", -1.0)  # keep every load on disk
    load_snapshot(workspace)
    assert diskcache.cache_path(workspace).exists()
    run_linkage(workspace, cipher, "test")
    forget(workspace)  # as if a new process: only the file remains
    reads = Reads(monkeypatch)
    relinked = load_snapshot(workspace)
    assert reads.full == 0
    _same_as_a_full_read(workspace, relinked.evidence)
    forget(workspace)
    assert load_snapshot(workspace).snapshot_hash == relinked.snapshot_hash  # saved again
    assert reads.full == 0


def test_a_mention_without_a_link_means_a_full_read(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(workspace, cipher, tmp_path, _rows())
    with workspace.engine.connect() as conn:
        evidence = load_evidence(conn)
    mention, _ = _mention(workspace, PRESS["source"], "a")
    with workspace.write() as conn:
        conn.execute(delete(links).where(links.c.mention_id == mention))
    with workspace.engine.connect() as conn:
        assert relink(conn, evidence) is None
        assert load_evidence(conn).mentions == evidence.mentions - 1
