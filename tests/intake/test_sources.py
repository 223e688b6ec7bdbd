"""Sources' grades and contacts (`refwatch.intake.sources`), on both engines: a wrong grade,
an unknown source or an oversized contact changes nothing; a contact is sealed at rest and
never in the audit trail; every change is one audit entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.domain.errors import InputError
from refwatch.intake import sources
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import sources as sources_table
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv

CONTACT = "canary-contact-Qx7 +82 10 0000 0000"


def audited(workspace: Workspace, action: str) -> list[dict[str, object]]:
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        rows = conn.execute(
            select(entries.c.record_id, entries.c.details)
            .where(entries.c.action == action)
            .order_by(entries.c.seq)
        )
        return [dict(r._mapping) for r in rows]


def details_of(entry: dict[str, object]) -> dict[str, object]:
    details = entry["details"]
    found = json.loads(details) if isinstance(details, str) else details
    assert isinstance(found, dict)
    return found


@pytest.fixture
def source_id(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> str:
    rows = [row(source="Family contacts", source_type="family", record_id="1", status="detained")]
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", rows), actor="tester")
    with workspace.read() as conn:
        (found,) = sources.source_rows(conn)
    assert found.name == "Family contacts" and found.reports == 1
    return str(found.id)


@pytest.mark.parametrize("grade", ["Z", "AB", "1", "a b", "é"])
def test_a_grade_outside_a_to_f_is_refused_and_changes_nothing(
    workspace: Workspace, source_id: str, grade: str
) -> None:
    with pytest.raises(InputError, match="A, B, C, D, E, F"):
        sources.set_reliability(workspace, source_id, grade, "tester")
    with workspace.read() as conn:
        assert sources.source_row(conn, source_id).reliability is None
    assert audited(workspace, "source.reliability") == []


def test_an_unknown_source_is_refused_for_a_grade_and_a_contact(
    workspace: Workspace, cipher: FieldCipher, source_id: str
) -> None:
    with pytest.raises(sources.UnknownSource):
        sources.set_reliability(workspace, "no-such-source", "A", "tester")
    with pytest.raises(sources.UnknownSource):
        sources.set_contact(workspace, cipher, "' OR 1=1 --", CONTACT, "tester")
    assert audited(workspace, "source.reliability") == audited(workspace, "source.contact") == []


def test_an_oversized_contact_is_refused_and_nothing_is_stored(
    workspace: Workspace, cipher: FieldCipher, source_id: str
) -> None:
    with pytest.raises(InputError, match="at most"):
        sources.set_contact(workspace, cipher, source_id, "x" * (sources.MAX_CONTACT + 1), "t")
    with workspace.read() as conn:
        assert sources.contact_of(conn, cipher, source_id) is None


def test_a_grade_is_set_and_cleared_with_the_old_and_new_grade_audited(
    workspace: Workspace, source_id: str
) -> None:
    sources.set_reliability(workspace, source_id, " b ", "tester")
    sources.set_reliability(workspace, source_id, None, "tester")
    assert [details_of(e) for e in audited(workspace, "source.reliability")] == [
        {"from": None, "to": "B"},
        {"from": "B", "to": None},
    ]


def test_a_contact_is_sealed_at_rest_opened_with_the_key_and_never_audited(
    workspace: Workspace, cipher: FieldCipher, source_id: str
) -> None:
    sources.set_contact(workspace, cipher, source_id, f"  {CONTACT}\n", "tester")
    with workspace.read() as conn:
        blob = conn.execute(
            select(sources_table.c.contact_enc).where(sources_table.c.id == source_id)
        ).scalar_one()
        assert CONTACT.encode() not in blob
        assert sources.contact_of(conn, cipher, source_id) == CONTACT
        assert sources.contacts_of(conn, cipher) == {source_id: CONTACT}
        assert sources.source_row(conn, source_id).has_contact
    sources.set_contact(workspace, cipher, source_id, "  ", "tester")
    with workspace.read() as conn:
        assert sources.contact_of(conn, cipher, source_id) is None
        assert sources.contacts_of(conn, cipher) == {}
    entries = audited(workspace, "source.contact")
    assert [details_of(e) for e in entries] == [{"set": True}, {"set": False}]
    assert all(CONTACT not in json.dumps(e, default=str) for e in entries)
