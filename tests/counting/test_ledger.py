"""The number ledger: stored with query, snapshot and persons; reproduced; changes named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.counting import count_persons, ledger_show
from refwatch.counting.snapshot import load_snapshot
from refwatch.domain.errors import InputError
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.schema_ledger import LedgerEntry
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows, link_by_truth

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
JULY = {"event": "detention", "period_from": "2017-07", "period_to": "2017-07"}


def test_a_recorded_count_keeps_its_query_snapshot_numbers_and_persons(
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
                name_latin="Canary Name",
                apprehended_on="2017-07-13",
                status="detained",
                notes="canary-note",
            ),
            row(**SDC, record_id="2", apprehended_on="2017-07/2017-08", status="detained"),
        ],
    )
    result = count_persons(workspace, **JULY, record=True, actor="analyst", purpose="test")
    assert result.ledger_id == "L-000001"
    second = count_persons(workspace, **JULY, by="month", record=True, actor="analyst")
    assert second.ledger_id == "L-000002"
    with workspace.read() as conn:
        stored = conn.execute(select(table_of(LedgerEntry))).mappings().all()
        actions = conn.execute(select(table_of(AuditEntry).c.action)).scalars().all()
    first = stored[0]
    assert json.loads(first["query"])["from"] == "2017-07"
    assert first["snapshot_hash"] == result.snapshot_hash == load_snapshot(workspace).snapshot_hash
    assert (first["at_least"], first["at_most"]) == (1, 2)
    persons = json.loads(first["persons"])
    assert sorted(persons["certain"] + persons["uncertain"]) == sorted(result.persons)
    assert stored[1]["kind"] == "breakdown" and json.loads(stored[1]["numbers"])["cells"]
    assert actions.count("ledger.record") == 2
    everything = json.dumps([dict(r) for r in stored], default=str)
    assert "Canary" not in everything and "canary-note" not in everything


def test_ledger_show_says_the_same_data_gives_the_same_number(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [row(**SDC, record_id="1", apprehended_on="2017-07-13", status="detained")],
    )
    entry = count_persons(workspace, **JULY, record=True).ledger_id
    assert entry is not None
    check = ledger_show(workspace, entry)
    assert check.same_numbers and check.same_snapshot and check.same_rules
    assert check.added == check.removed == []


def test_ledger_show_names_the_persons_that_changed_after_new_evidence_and_linkage(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07-13", status="detained"),
            row(**SDC, record_id="2", apprehended_on="2017-07", status="detained"),
        ],
    )
    entry = count_persons(workspace, **JULY, by="month", record=True).ledger_id
    assert entry is not None
    before = ledger_show(workspace, entry).now.persons
    import_rows(
        workspace,
        cipher,
        tmp_path / "more",
        [row(**SDC, record_id="3", apprehended_on="2017-07/2017-08", status="detained")],
    )
    check = ledger_show(workspace, entry)
    assert not check.same_snapshot and not check.same_numbers
    assert (check.entry["at_least"], check.entry["at_most"]) == (2, 2)
    assert (check.now.at_least, check.now.at_most) == (2, 3)
    assert len(check.added) == 1 and check.added[0] not in before
    assert check.changed_cells == [{"cell": ["2017-07"], "then": [2, 2], "now": [2, 3]}]

    link_by_truth(
        workspace,
        {(SDC["source"], "1"): "T", (SDC["source"], "2"): "T", (SDC["source"], "3"): "U"},
    )
    merged = ledger_show(workspace, entry)
    assert (merged.now.at_least, merged.now.at_most) == (1, 2)
    assert len(merged.removed) == 1 and len(merged.no_longer_certain) == 1


def test_an_unknown_ledger_id_is_an_input_error(workspace: Workspace) -> None:
    with pytest.raises(InputError, match="no ledger entry"):
        ledger_show(workspace, "L-999999")


def test_ledger_ids_keep_counting_past_six_digits(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert

    with workspace.write() as conn:
        conn.execute(
            insert(table_of(LedgerEntry)).values(
                id="L-999999",
                kind="count",
                query="{}",
                snapshot_hash="0" * 64,
                rules_version="1",
                link_runs="[]",
                at_least=0,
                at_most=0,
                numbers="{}",
                persons='{"certain": [], "uncertain": []}',
                purpose=None,
                actor="t",
                created_at=datetime.now(UTC),
            )
        )
    assert count_persons(workspace, record=True).ledger_id == "L-1000000"
    assert count_persons(workspace, record=True).ledger_id == "L-1000001"
