"""Pin a person's status by hand, safely under concurrent writers (optimistic locking).

Why optimistic: two researchers may edit the same person at once, from pages or scripts.
Each sends the person `version` they read; the change is applied by
`UPDATE persons SET version = version + 1 WHERE id = :id AND version = :version`, so
exactly one of two writers who read the same version wins and the other is told, with
the version now stored, instead of silently overwriting it (a lost update). No lock is
held between the read and the write, so nothing can deadlock on a user who walked away.
The version bump, the history row and the audit entry are one transaction.

A pin is how "latest credible report wins unless a human pinned it" gets its human: the
counting engine can read `current_pins`. Evidence is never touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from refwatch.domain.dates import DateInterval, parse_date
from refwatch.domain.enums import Status
from refwatch.domain.errors import (
    ConflictError,
    DateError,
    DecryptionError,
    InputError,
    RefWatchError,
)
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.ids import new_id
from refwatch.store.queries import latest_of_each
from refwatch.store.schema import Person, table_of
from refwatch.store.schema_person_edits import PersonEdit
from refwatch.store.timeutil import now_utc
from refwatch.store.workspace import Workspace

REASON_MAX = 1000
persons_table = table_of(Person)
edits_table = table_of(PersonEdit)


class UnknownPersonError(RefWatchError):
    """No person has this id (the web answers 404)."""


class VersionConflictError(ConflictError):
    """Someone else changed the person after the caller read it."""

    def __init__(self, person_id: str, sent: int, current: int) -> None:
        self.person_id = person_id
        self.sent = sent
        self.current = current
        super().__init__(
            f"person {person_id} was changed by someone else: you sent version {sent}, "
            f"it is now at version {current}; reload it and make your change again"
        )


@dataclass(frozen=True, slots=True)
class PinEdit:
    """One change of a person's pin (`status` None: the pin was removed)."""

    id: str
    person_id: str
    version: int
    status: str | None
    as_of: str | None
    as_of_earliest: date | None
    as_of_latest: date | None
    reason_enc: bytes
    actor: str
    edited_at: datetime

    def reason(self, cipher: FieldCipher) -> str:
        opened = cipher.open("person_edits", "reason", self.id, self.reason_enc)
        if opened is None:  # the column is NOT NULL: only a damaged row gets here
            raise DecryptionError(f"person_edits.reason of row {self.id} is missing")
        return opened


def _edit_of(r: Mapping[Any, Any]) -> PinEdit:
    return PinEdit(
        id=r["id"],
        person_id=r["person_id"],
        version=int(r["version"]),
        status=r["pinned_status"],
        as_of=r["as_of"],
        as_of_earliest=r["as_of_earliest"],
        as_of_latest=r["as_of_latest"],
        reason_enc=bytes(r["reason_enc"]),
        actor=r["actor"],
        edited_at=r["edited_at"],
    )


def _impossible(person_id: str) -> bool:
    """True for an id no person can have; PostgreSQL refuses NUL in text, so such an id must
    not reach a query (it would be a server error instead of "no such person")."""
    return "\x00" in person_id


def person_version(conn: Connection, person_id: str) -> int | None:
    """The person's current version, or None when there is no such person."""
    if _impossible(person_id):
        return None
    found = conn.execute(
        select(persons_table.c.version).where(persons_table.c.id == person_id)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def pin_state(conn: Connection, person_id: str) -> tuple[int, list[PinEdit]] | None:
    """The person's version and every pin change, oldest first, read in one statement (so
    one snapshot on every engine); None when there is no such person."""
    if _impossible(person_id):
        return None
    edit_columns = [c.label(f"e_{c.name}") for c in edits_table.c]
    rows = conn.execute(
        select(persons_table.c.version, *edit_columns)
        .select_from(
            persons_table.outerjoin(edits_table, edits_table.c.person_id == persons_table.c.id)
        )
        .where(persons_table.c.id == person_id)
        .order_by(edits_table.c.version)
    ).all()
    if not rows:
        return None
    edits = [
        _edit_of({c.name: getattr(r, f"e_{c.name}") for c in edits_table.c})
        for r in rows
        if r.e_id is not None
    ]
    return int(rows[0].version), edits


def current_pins(conn: Connection) -> dict[str, PinEdit]:
    """The pin in force for every pinned person (their latest change, if it pins)."""
    rows = conn.execute(latest_of_each(edits_table, "person_id", "version"))
    edits = (_edit_of(r._mapping) for r in rows)
    return {e.person_id: e for e in edits if e.status is not None}


def _checked(status: Status | None, as_of: str | None, reason: str) -> DateInterval | None:
    """The date the pin holds (None when the pin is removed); InputError when unusable."""
    if not reason.strip():
        raise InputError("a pin needs a reason", column="reason")
    if len(reason) > REASON_MAX:
        raise InputError(f"the reason is longer than {REASON_MAX} characters", column="reason")
    if status is None:
        if as_of:
            raise InputError("removing a pin takes no date", column="as_of", value=as_of)
        return None
    if not as_of or not as_of.strip():
        raise InputError("a pinned status needs the date it held (EDTF)", column="as_of")
    try:
        return parse_date(as_of)
    except DateError as exc:
        raise InputError(str(exc), column="as_of", value=as_of) from None


def pin_status(
    workspace: Workspace,
    cipher: FieldCipher,
    person_id: str,
    *,
    expected_version: int,
    status: Status | None,
    as_of: str | None,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> PinEdit:
    """Pin (or, with `status` None, unpin) the person's status if nobody changed the person
    since the caller read `expected_version`; return the change, which carries the new version.

    Raises InputError (bad date or reason), UnknownPersonError, or VersionConflictError
    (nothing written; `.current` says which version to reload).
    """
    held = _checked(status, as_of, reason)
    if _impossible(person_id):
        raise UnknownPersonError("there is no such person")
    edit_id = new_id()
    sealed = cipher.seal("person_edits", "reason", edit_id, reason) or b""
    moment = now or now_utc()
    pinned = None if status is None else status.value
    with workspace.write() as conn:
        bumped = conn.execute(
            update(persons_table)
            .where(persons_table.c.id == person_id, persons_table.c.version == expected_version)
            .values(version=persons_table.c.version + 1)
        )
        if bumped.rowcount != 1:
            current = person_version(conn, person_id)
            if current is None:
                raise UnknownPersonError(f"there is no person {person_id}")
            raise VersionConflictError(person_id, expected_version, current)
        edit = PinEdit(
            id=edit_id,
            person_id=person_id,
            version=expected_version + 1,
            status=pinned,
            as_of=None if held is None else held.edtf,
            as_of_earliest=None if held is None else held.earliest,
            as_of_latest=None if held is None else held.latest,
            reason_enc=sealed,
            actor=actor,
            edited_at=moment,
        )
        conn.execute(
            insert(edits_table).values(
                id=edit.id,
                person_id=person_id,
                version=edit.version,
                pinned_status=edit.status,
                as_of=edit.as_of,
                as_of_earliest=edit.as_of_earliest,
                as_of_latest=edit.as_of_latest,
                reason_enc=sealed,
                actor=actor,
                edited_at=moment,
            )
        )
        audit.log(
            conn,
            actor,
            "person.pin" if pinned else "person.unpin",
            table_name="persons",
            record_id=person_id,
            details={"version": edit.version, "status": pinned, "as_of": edit.as_of},
        )
    return edit
