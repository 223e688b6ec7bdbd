"""A count asked again of the same evidence shares its persons with the earlier entry:
every entry is still written and audited, reads back the same persons, and a deletion
still finds it."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

import refwatch.counting.ledger as ledger_module
from refwatch.counting import count_persons, ledger_show
from refwatch.counting.ledger import read_entry
from refwatch.domain.errors import RefWatchError
from refwatch.intake.deletion import delete_report
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, Report, table_of
from refwatch.store.schema_ledger import PERSONS_SAME_AS, LedgerEntry
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
JULY = {"event": "detention", "period_from": "2017-07", "period_to": "2017-07"}
ledger = table_of(LedgerEntry)


def _rows(workspace: Workspace, cipher: FieldCipher, folder: Path) -> None:
    import_rows(
        workspace,
        cipher,
        folder,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07-13", status="detained"),
            row(**SDC, record_id="2", apprehended_on="2017-07/2017-08", status="detained"),
            row(**SDC, record_id="3", apprehended_on="2017-07-02", status="detained"),
        ],
    )


def _stored(workspace: Workspace, entry_id: str) -> object:
    with workspace.read() as conn:
        raw = conn.execute(select(ledger.c.persons).where(ledger.c.id == entry_id)).scalar_one()
    return json.loads(raw)


def test_a_repeated_count_is_written_audited_and_reads_back_the_same_persons(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    _rows(workspace, cipher, tmp_path)
    first = count_persons(workspace, **JULY, record=True, actor="analyst")
    again = [count_persons(workspace, **JULY, record=True, actor="analyst") for _ in range(3)]
    ids = [first.ledger_id, *(r.ledger_id for r in again)]
    assert ids == ["L-000001", "L-000002", "L-000003", "L-000004"]
    full = _stored(workspace, "L-000001")
    assert isinstance(full, dict) and PERSONS_SAME_AS not in full
    for entry_id in ids[1:]:
        shared = _stored(workspace, str(entry_id))
        assert isinstance(shared, dict) and shared[PERSONS_SAME_AS] == "L-000001"
    for entry_id in ids:
        entry = read_entry(workspace, str(entry_id))
        assert (entry["certain"], entry["uncertain"]) == (full["certain"], full["uncertain"])
        assert sorted(entry["certain"] + entry["uncertain"]) == sorted(first.persons)
        assert ledger_show(workspace, str(entry_id)).same_numbers
    with workspace.read() as conn:
        actions = conn.execute(select(table_of(AuditEntry).c.action)).scalars().all()
    assert actions.count("ledger.record") == 4


def test_another_question_or_new_evidence_stores_its_own_list(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    _rows(workspace, cipher, tmp_path)
    count_persons(workspace, **JULY, record=True)
    other = count_persons(workspace, event="detention", record=True).ledger_id
    assert PERSONS_SAME_AS not in json.dumps(_stored(workspace, str(other)))
    import_rows(
        workspace,
        cipher,
        tmp_path / "more",
        [row(**SDC, record_id="4", apprehended_on="2017-07-20", status="detained")],
    )
    later = count_persons(workspace, **JULY, record=True)
    stored = _stored(workspace, str(later.ledger_id))
    assert isinstance(stored, dict) and PERSONS_SAME_AS not in stored
    assert len(stored["certain"]) + len(stored["uncertain"]) == later.at_most == 4


def test_an_entry_no_longer_there_is_not_referred_to(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    """A replaced database may hold another entry under the remembered id (simulated by
    removing the row behind the application's back)."""
    _rows(workspace, cipher, tmp_path)
    count_persons(workspace, **JULY, record=True)
    with workspace.engine.begin() as conn:
        conn.execute(delete(ledger).where(ledger.c.id == "L-000001"))
    later = count_persons(workspace, **JULY, record=True).ledger_id
    stored = _stored(workspace, str(later))
    assert isinstance(stored, dict) and PERSONS_SAME_AS not in stored


def test_a_changed_list_behind_a_reference_is_an_error_not_another_answer(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    _rows(workspace, cipher, tmp_path)
    count_persons(workspace, **JULY, record=True)
    second = str(count_persons(workspace, **JULY, record=True).ledger_id)
    forged = json.dumps({"certain": ["P-999999"], "uncertain": []})
    with workspace.engine.begin() as conn:
        conn.execute(update(ledger).where(ledger.c.id == "L-000001").values(persons=forged))
    with pytest.raises(RefWatchError, match="L-000001"):
        read_entry(workspace, second)


def test_a_deletion_names_the_entries_that_share_a_list(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    _rows(workspace, cipher, tmp_path)
    ids = [str(count_persons(workspace, **JULY, record=True).ledger_id) for _ in range(3)]
    with workspace.read() as conn:
        report = conn.execute(
            select(table_of(Report).c.id).where(table_of(Report).c.record_id == "1")
        ).scalar_one()
    result = delete_report(workspace, str(report), "request REF-9", "admin")
    assert result.ledger_entries == ids


def test_counts_recorded_at_once_by_many_threads_are_each_written_numbered_and_audited(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Group commit: entries arriving while one is written go in together, in the next
    transaction; each caller gets its own committed entry."""
    _rows(workspace, cipher, tmp_path)
    real = ledger_module._write_group
    groups: list[int] = []
    started = threading.Event()

    def slow_group(ws: Workspace, batch: list[object]) -> None:
        groups.append(len(batch))
        started.set()
        time.sleep(0.3)  # the others queue meanwhile (no timing is asserted)
        real(ws, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger_module, "_write_group", slow_group)
    answers: dict[str, str] = {}

    def ask(n: int) -> None:
        if n:
            started.wait(10)
        result = count_persons(workspace, **JULY, record=True, actor=f"analyst-{n}")
        answers[f"analyst-{n}"] = str(result.ledger_id)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers.values()) == [f"L-{n:06d}" for n in range(1, 9)]
    assert sum(groups) == 8 and len(groups) < 8
    for actor, entry_id in answers.items():
        entry = read_entry(workspace, entry_id)
        assert entry["actor"] == actor
        assert sorted(entry["certain"] + entry["uncertain"]) == ["P-000001", "P-000002", "P-000003"]
    with workspace.read() as conn:
        actions = conn.execute(select(table_of(AuditEntry).c.action)).scalars().all()
    assert actions.count("ledger.record") == 8


def test_a_group_that_cannot_be_written_fails_every_caller_in_it(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rows(workspace, cipher, tmp_path)

    def broken(conn: object, pending: object, written: object) -> None:
        raise RefWatchError("disk full (simulated)")

    monkeypatch.setattr(ledger_module, "_write_one", broken)
    with pytest.raises(RefWatchError, match="simulated"):
        count_persons(workspace, **JULY, record=True)
    monkeypatch.undo()
    assert count_persons(workspace, **JULY, record=True).ledger_id == "L-000001"
