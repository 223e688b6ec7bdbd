"""Record and read consents (per person, per report); the rule is `refwatch.domain.consent`.

Why here: recording a consent is a write with a history and an audit entry in one
transaction, like a status pin; reading the effective consent of many persons at once is
a query every outlet (case files, releases, exports) runs before anything leaves. The
basis and the exception are sealed (they may name a relative); the audit entry carries
ids and levels, never their text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from refwatch.domain.consent import (
    ConsentLevel,
    ConsentRecord,
    EffectiveConsent,
    check_exception,
    effective,
)
from refwatch.domain.errors import ConflictError, InputError, RefWatchError
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.ids import new_id
from refwatch.store.queries import current_mentions, latest_of_each, links, mentions
from refwatch.store.schema import Person, Report, table_of
from refwatch.store.schema_consent import ConsentEntry
from refwatch.store.schema_linkage import PersonRetirement
from refwatch.store.timeutil import now_utc
from refwatch.store.workspace import Workspace

TEXT_MAX = 2000
consents_table = table_of(ConsentEntry)
persons_table = table_of(Person)
reports_table = table_of(Report)
retirements_table = table_of(PersonRetirement)


class UnknownSubjectError(RefWatchError):
    """No person or report has this id (the web answers 404)."""


def subject_key(kind: str, subject_id: str) -> str:
    return f"{kind}:{subject_id}"


def _record_of(row: Mapping[Any, Any]) -> ConsentRecord:
    person_id = row["person_id"]
    return ConsentRecord(
        id=str(row["id"]),
        subject_kind="person" if person_id is not None else "report",
        subject_id=str(person_id if person_id is not None else row["report_id"]),
        revision=int(row["revision"]),
        level=ConsentLevel(row["level"]),
        exception_level=(
            None if row["exception_level"] is None else ConsentLevel(row["exception_level"])
        ),
        recorded_by=str(row["recorded_by"]),
        recorded_at=row["recorded_at"],
        basis_enc=None if row["basis_enc"] is None else bytes(row["basis_enc"]),
        exception_enc=None if row["exception_enc"] is None else bytes(row["exception_enc"]),
    )


@dataclass(frozen=True, slots=True)
class OpenedConsent:
    """A record with its sealed texts opened, for those allowed to read them."""

    record: ConsentRecord
    basis: str | None
    exception: str | None


def open_texts(cipher: FieldCipher, record: ConsentRecord) -> OpenedConsent:
    return OpenedConsent(
        record,
        cipher.open("consents", "basis", record.id, record.basis_enc),
        cipher.open("consents", "exception", record.id, record.exception_enc),
    )


def _checked_text(value: str | None, column: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InputError(f"a consent needs its {column}", column=column)
        return None
    if len(text) > TEXT_MAX:
        raise InputError(f"the {column} is longer than {TEXT_MAX} characters", column=column)
    if "\x00" in text:
        raise InputError(f"the {column} contains a NUL character", column=column)
    return text


def _impossible(subject_id: str) -> bool:
    # PostgreSQL refuses NUL in text: such an id must not reach a query.
    return "\x00" in subject_id or len(subject_id) > 36


def _checked_exception(
    level: ConsentLevel, exception_level: ConsentLevel | None, exception: str | None
) -> str | None:
    """The exception's reason, checked: an exception has a level and a reason, or
    neither, and allows no more than an exception may."""
    exception_text = _checked_text(exception, "exception", required=False)
    if exception_level is not None and exception_text is None:
        raise InputError(
            "an exception needs its reason (e.g. the person is held and a relative asks "
            "for action)",
            column="exception",
        )
    if exception_level is None and exception_text is not None:
        raise InputError("say what the exception allows (its level)", column="exception_level")
    problem = check_exception(level, exception_level)
    if problem is not None:
        raise InputError(problem, column="exception_level")
    return exception_text


def record_consent(
    workspace: Workspace,
    cipher: FieldCipher,
    *,
    level: ConsentLevel,
    basis: str,
    actor: str,
    person_id: str | None = None,
    report_id: str | None = None,
    exception_level: ConsentLevel | None = None,
    exception: str | None = None,
    now: datetime | None = None,
) -> ConsentRecord:
    """Record a new revision of the consent of one person or one report; return it.

    Raises InputError (no basis, an exception without its reason or beyond what an
    exception may allow), UnknownSubjectError, or ConflictError (someone recorded the
    same revision at the same moment; nothing written).
    """
    if (person_id is None) == (report_id is None):
        raise InputError("record a consent for one person or one report")
    basis_text = _checked_text(basis, "basis", required=True)
    exception_text = _checked_exception(level, exception_level, exception)
    kind = "person" if person_id is not None else "report"
    subject_id = person_id if person_id is not None else report_id
    assert subject_id is not None
    if _impossible(subject_id):
        raise UnknownSubjectError(f"there is no such {kind}")
    entry_id = new_id()
    moment = now or now_utc()
    subject = subject_key(kind, subject_id)
    try:
        with workspace.write() as conn:
            table = persons_table if kind == "person" else reports_table
            if conn.execute(select(table.c.id).where(table.c.id == subject_id)).first() is None:
                raise UnknownSubjectError(f"there is no {kind} {subject_id}")
            last = conn.execute(
                select(func.max(consents_table.c.revision)).where(
                    consents_table.c.subject == subject
                )
            ).scalar_one_or_none()
            record = ConsentRecord(
                id=entry_id,
                subject_kind=kind,
                subject_id=subject_id,
                revision=(last or 0) + 1,
                level=level,
                exception_level=exception_level,
                recorded_by=actor,
                recorded_at=moment,
                basis_enc=cipher.seal("consents", "basis", entry_id, basis_text),
                exception_enc=cipher.seal("consents", "exception", entry_id, exception_text),
            )
            conn.execute(insert(consents_table).values(**row_values(record)))
            audit.log(
                conn,
                actor,
                "consent.set",
                table_name="persons" if kind == "person" else "reports",
                record_id=subject_id,
                details={
                    "consent": entry_id,
                    "revision": record.revision,
                    "level": level.value,
                    "exception_level": None if exception_level is None else exception_level.value,
                },
            )
    except IntegrityError:
        raise ConflictError(
            f"someone recorded a consent for {kind} {subject_id} at the same moment; "
            "reload and record it again"
        ) from None
    return record


def row_values(record: ConsentRecord) -> dict[str, Any]:
    """The table row of a record (the importer inserts these in bulk)."""
    return {
        "id": record.id,
        "subject": subject_key(record.subject_kind, record.subject_id),
        "person_id": record.subject_id if record.subject_kind == "person" else None,
        "report_id": record.subject_id if record.subject_kind == "report" else None,
        "revision": record.revision,
        "level": record.level.value,
        "exception_level": None if record.exception_level is None else record.exception_level.value,
        "basis_enc": record.basis_enc,
        "exception_enc": record.exception_enc,
        "recorded_by": record.recorded_by,
        "recorded_at": record.recorded_at,
    }


def _latest_rows(conn: Connection, where: Any) -> list[ConsentRecord]:
    rows = conn.execute(latest_of_each(consents_table, "subject", "revision", where))
    return [_record_of(r._mapping) for r in rows]


def _successors(conn: Connection) -> dict[str, str]:
    """Each retired person id → the current person holding its mentions (chains followed:
    a person merged twice hands its consent on to the last holder)."""
    step = {
        str(r.person_id): str(r.successor_id)
        for r in conn.execute(
            select(retirements_table.c.person_id, retirements_table.c.successor_id).where(
                retirements_table.c.successor_id.is_not(None)
            )
        )
    }
    final: dict[str, str] = {}
    for start in step:
        seen = {start}
        current = step[start]
        while current in step and current not in seen:
            seen.add(current)
            current = step[current]
        final[start] = current
    return final


def _owners(conn: Connection, person_id: str) -> list[str]:
    """The person id and every retired id whose consent now belongs to it."""
    return [person_id, *(old for old, new in _successors(conn).items() if new == person_id)]


def history(conn: Connection, person_id: str) -> list[ConsentRecord]:
    """Every consent recorded for the person (and for ids merged into them) and for their
    current reports, oldest first."""
    if _impossible(person_id):
        return []
    report_ids = _current_report_ids(conn, [person_id]).get(person_id, set())
    where: Any = consents_table.c.person_id.in_(_owners(conn, person_id))
    if report_ids:
        where = where | consents_table.c.report_id.in_(sorted(report_ids))
    rows = conn.execute(
        select(consents_table)
        .where(where)
        .order_by(consents_table.c.recorded_at, consents_table.c.revision)
    )
    return [_record_of(r._mapping) for r in rows]


def _current_report_ids(conn: Connection, person_ids: Iterable[str] | None) -> dict[str, set[str]]:
    query = current_mentions().with_only_columns(links.c.person_id, mentions.c.report_id)
    if person_ids is not None:
        query = query.where(links.c.person_id.in_(list(person_ids)))
    found: dict[str, set[str]] = defaultdict(set)
    for row in conn.execute(query):
        found[str(row.person_id)].add(str(row.report_id))
    return found


def effective_consents(
    conn: Connection, person_ids: Iterable[str] | None = None
) -> dict[str, EffectiveConsent]:
    """The effective consent of each person (all persons with current evidence when
    `person_ids` is None; a listed id with nothing recorded gets an empty consent)."""
    wanted = None if person_ids is None else sorted({p for p in person_ids if not _impossible(p)})
    reports_of = _current_report_ids(conn, wanted)
    successors = _successors(conn)
    if wanted is None:
        person_where: Any = consents_table.c.person_id.is_not(None)
        report_where: Any = consents_table.c.report_id.is_not(None)
    else:
        all_reports = sorted({r for rs in reports_of.values() for r in rs})
        owners = set(wanted) | {old for old, new in successors.items() if new in set(wanted)}
        person_where = consents_table.c.person_id.in_(sorted(owners))
        report_where = consents_table.c.report_id.in_(all_reports)
    by_person: dict[str, list[ConsentRecord]] = defaultdict(list)
    for record in _latest_rows(conn, person_where):
        holder = successors.get(record.subject_id, record.subject_id)
        by_person[holder].append(record)
    by_report = {r.subject_id: r for r in _latest_rows(conn, report_where)}
    ids = set(reports_of) | set(by_person) if wanted is None else set(wanted)
    return {
        person: effective(
            person,
            by_person.get(person, []),
            [by_report[r] for r in sorted(reports_of.get(person, ())) if r in by_report],
        )
        for person in sorted(ids)
    }


def effective_consent(conn: Connection, person_id: str) -> EffectiveConsent:
    return effective_consents(conn, [person_id]).get(person_id, EffectiveConsent(person_id, None))


def report_levels(conn: Connection) -> dict[str, ConsentLevel]:
    """The latest consent level of every report that has one (the export writes it back)."""
    latest = _latest_rows(conn, consents_table.c.report_id.is_not(None))
    return {record.subject_id: record.level for record in latest}


def erase_report_texts(conn: Connection, report_ids: Iterable[str]) -> int:
    """Overwrite the sealed basis and exception of these reports' consents (a lawful
    deletion erases every free text that may quote the person); return how many."""
    ids = sorted(set(report_ids))
    if not ids:
        return 0
    return int(
        conn.execute(
            update(consents_table)
            .where(consents_table.c.report_id.in_(ids))
            .values(basis_enc=None, exception_enc=None)
        ).rowcount
    )
