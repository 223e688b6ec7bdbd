"""Recording consents: history with revisions, sealed texts, audit without text, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.domain.consent import ConsentLevel
from refwatch.domain.errors import InputError
from refwatch.intake.deletion import delete_report
from refwatch.intake.importer import import_file
from refwatch.store import consents
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry
from refwatch.store.schema_consent import ConsentEntry
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
L = ConsentLevel


@pytest.fixture
def people(tmp_path: Path, workspace: Workspace, cipher: FieldCipher) -> Workspace:
    rows = [row(**SDC, record_id=f"S-{i}", consent="statistics") for i in range(2)]
    import_file(workspace, cipher, write_csv(tmp_path / "p.csv", rows))
    return workspace


def test_a_person_consent_has_revisions_sealed_texts_and_an_audit_entry_without_them(
    people: Workspace, cipher: FieldCipher
) -> None:
    first = consents.record_consent(
        people, cipher, person_id="P-000001", level=L.ADVOCACY, basis="canary-basis", actor="a"
    )
    second = consents.record_consent(
        people,
        cipher,
        person_id="P-000001",
        level=L.INTERNAL,
        basis="phone call with canary-sister",
        exception_level=L.ADVOCACY,
        exception="held in Tumen; canary-sister asks for action",
        actor="b",
    )
    assert (first.revision, second.revision) == (1, 2)
    with people.read() as conn:
        now = consents.effective_consent(conn, "P-000001")
        past = consents.history(conn, "P-000001")
        raw = conn.execute(select(ConsentEntry.__table__)).all()
        details = conn.execute(
            select(AuditEntry.__table__.c.details).where(
                AuditEntry.__table__.c.action == "consent.set"
            )
        ).scalars()
        logged = " ".join(details)
    assert now.record == second and now.level is L.INTERNAL
    assert [r.revision for r in past if r.subject_kind == "person"] == [1, 2]
    assert len([r for r in past if r.subject_kind == "report"]) == 1
    assert all(b"canary" not in (r.basis_enc or b"") + (r.exception_enc or b"") for r in raw)
    assert "canary" not in logged and '"level":"internal"' in logged
    opened = consents.open_texts(cipher, second)
    assert opened.exception == "held in Tumen; canary-sister asks for action"
    assert people.verify_audit().ok


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"basis": "  "}, "needs its basis"),
        ({"exception_level": L.ADVOCACY}, "needs its reason"),
        ({"exception": "a relative asks"}, "its level"),
        ({"exception_level": L.PUBLICATION, "exception": "x"}, "never publication"),
        ({"level": L.ADVOCACY, "exception_level": L.INTERNAL, "exception": "x"}, "more than"),
        ({"basis": "x" * 3000}, "longer than"),
    ],
)
def test_a_consent_that_cannot_be_used_is_refused_and_nothing_is_written(
    people: Workspace, cipher: FieldCipher, kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {"level": L.INTERNAL, "basis": "family call", **kwargs}
    with pytest.raises(InputError, match=message):
        consents.record_consent(people, cipher, person_id="P-000001", actor="a", **arguments)  # type: ignore[arg-type]
    with people.read() as conn:
        assert consents.effective_consent(conn, "P-000001").level is L.STATISTICS


@pytest.mark.parametrize("person", ["P-999999", "P-000001\x00", "x" * 80])
def test_a_consent_for_no_such_person_is_refused(
    people: Workspace, cipher: FieldCipher, person: str
) -> None:
    with pytest.raises(consents.UnknownSubjectError):
        consents.record_consent(
            people, cipher, person_id=person, level=L.INTERNAL, basis="b", actor="a"
        )


def test_a_lawful_deletion_erases_the_consent_texts_of_the_report(
    people: Workspace, cipher: FieldCipher
) -> None:
    with people.read() as conn:
        record = consents.effective_consent(conn, "P-000001").record
    assert record is not None and record.basis_enc is not None
    delete_report(people, record.subject_id, "request REF-1", "admin")
    with people.read() as conn:
        left = conn.execute(
            select(ConsentEntry.__table__.c.basis_enc).where(
                ConsentEntry.__table__.c.id == record.id
            )
        ).scalar_one()
        logged = conn.execute(
            select(AuditEntry.__table__.c.details).where(
                AuditEntry.__table__.c.action == "report.delete"
            )
        ).scalar_one()
    assert left is None
    assert json.loads(logged)["consent_texts_erased"] == 1


def test_a_consent_follows_a_merged_person_and_the_narrower_one_holds(
    people: Workspace, cipher: FieldCipher
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert, update

    from refwatch.store.queries import links
    from refwatch.store.schema_linkage import PersonRetirement

    consents.record_consent(
        people, cipher, person_id="P-000001", level=L.ADVOCACY, basis="b", actor="a"
    )
    consents.record_consent(
        people, cipher, person_id="P-000002", level=L.NO_USE, basis="b", actor="a"
    )
    # As a linkage run that merges P-000002 into P-000001 leaves it.
    with people.write() as conn:
        conn.execute(update(links).values(person_id="P-000001"))
        conn.execute(
            insert(PersonRetirement.__table__).values(
                person_id="P-000002",
                retired_at=datetime.now(UTC),
                run_id=None,
                successor_id="P-000001",
                reason="merged",
            )
        )
    with people.read() as conn:
        now = consents.effective_consent(conn, "P-000001")
        every = consents.effective_consents(conn)
        past = consents.history(conn, "P-000001")
    assert now.level is L.NO_USE and every["P-000001"].level is L.NO_USE
    assert "P-000002" not in every
    assert {r.subject_id for r in past if r.subject_kind == "person"} == {"P-000001", "P-000002"}


def test_concurrent_writers_never_share_a_revision(people: Workspace, cipher: FieldCipher) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from refwatch.domain.errors import ConflictError

    def write(i: int) -> str:
        try:
            consents.record_consent(
                people, cipher, person_id="P-000001", level=L.INTERNAL, basis=f"b{i}", actor="a"
            )
        except ConflictError:
            return "conflict"
        return "ok"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(write, range(12)))
    with people.read() as conn:
        revisions = [
            r.revision for r in consents.history(conn, "P-000001") if r.subject_kind == "person"
        ]
    assert outcomes.count("ok") == len(revisions) >= 1
    assert sorted(revisions) == list(range(1, len(revisions) + 1))
    assert people.verify_audit().ok
