"""Optimistic locking in the store, against a model: any interleaving of writers who read a
person and later write with the version they read gives exactly the model's winners, the
losers write nothing, and the history and audit trail hold every win once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from refwatch.domain.enums import Status
from refwatch.store import person_pins
from refwatch.store.crypto import FieldCipher
from refwatch.store.person_pins import UnknownPersonError, VersionConflictError
from refwatch.store.schema import AuditEntry, Person, table_of
from refwatch.store.workspace import Workspace

WRITERS = 4
person_numbers = itertools.count(1)
# (writer, True = read the person now, False = write with the version last read)
steps = st.lists(st.tuples(st.integers(0, WRITERS - 1), st.booleans()), min_size=1, max_size=12)


def new_person(workspace: Workspace) -> str:
    person_id = f"P-{next(person_numbers):06d}"
    with workspace.write() as conn:
        conn.execute(
            insert(table_of(Person)).values(id=person_id, created_at=datetime.now(UTC), version=1)
        )
    return person_id


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps)
def test_any_interleaving_of_readers_and_writers_loses_no_update(
    workspace: Workspace, cipher: FieldCipher, plan: list[tuple[int, bool]]
) -> None:
    person = new_person(workspace)
    stored = 1  # the model: the version in the database
    held = dict.fromkeys(range(WRITERS), 1)  # what each writer last read
    wins: list[tuple[int, str]] = []
    for step, (writer, reads) in enumerate(plan):
        if reads:
            with workspace.read() as conn:
                held[writer] = person_pins.person_version(conn, person)  # type: ignore[assignment]
            assert held[writer] == stored
            continue
        reason = f"writer {writer} step {step}"
        try:
            edit = person_pins.pin_status(
                workspace,
                cipher,
                person,
                expected_version=held[writer],
                status=Status.RETURNED,
                as_of="2017-08",
                reason=reason,
                actor=f"writer-{writer}",
            )
        except VersionConflictError as exc:
            assert held[writer] != stored, "a writer holding the current version must win"
            assert exc.current == stored
            continue
        assert held[writer] == stored, "a writer holding a stale version must lose"
        stored += 1
        held[writer] = stored
        assert edit.version == stored
        wins.append((stored, reason))
    with workspace.read() as conn:
        state = person_pins.pin_state(conn, person)
    assert state is not None
    version, edits = state
    assert version == stored == 1 + len(wins)
    assert [(e.version, e.reason(cipher)) for e in edits] == wins
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        pins = conn.execute(
            select(entries.c.seq).where(
                entries.c.action == "person.pin", entries.c.record_id == person
            )
        ).all()
    assert len(pins) == len(wins)
    assert workspace.verify_audit().ok


def test_pinning_a_person_that_does_not_exist_says_so(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    with pytest.raises(UnknownPersonError, match="no person P-424242"):
        person_pins.pin_status(
            workspace,
            cipher,
            "P-424242",
            expected_version=1,
            status=Status.SAFE,
            as_of="2018",
            reason="r",
            actor="t",
        )
    with workspace.read() as conn:
        assert person_pins.pin_state(conn, "P-424242") is None
