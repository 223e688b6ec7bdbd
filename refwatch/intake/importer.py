"""Import case lists: each file is one transaction, validated completely before any write.

Evidence is append-only. A row whose `source` + `record_id` was imported before is
compared by its keyed content fingerprint: identical means unchanged (nothing written);
different means a new report and mention that supersede the old ones and keep its person.
A row without a record id is unchanged when the same source already gave identical
content. Until record linkage runs, every new mention starts as its own person.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from refwatch.domain.caserecord import CaseRecord
from refwatch.domain.dates import DateInterval
from refwatch.domain.enums import AFTER_RETURN, STATUS_EVENT, EventType, Flag, Status
from refwatch.domain.errors import InputError
from refwatch.intake.gc_pause import gc_paused
from refwatch.intake.places import PlaceResolver, ensure_places
from refwatch.intake.readers import Upload, read_rows
from refwatch.intake.registry import ImportJob, ReadOptions, find_reader
from refwatch.intake.validate import RowValidator
from refwatch.store import audit
from refwatch.store.bulk import bulk_insert
from refwatch.store.crypto import FieldCipher
from refwatch.store.ids import new_id
from refwatch.store.locks import lock_evidence_writes
from refwatch.store.queries import not_superseded
from refwatch.store.schema import (
    Event,
    Group,
    ImportBatch,
    Mention,
    Person,
    PersonLink,
    Report,
    Source,
    table_of,
)
from refwatch.store.schema_consent import ConsentEntry
from refwatch.store.workspace import Workspace

Progress = Callable[[int, int], None]

T = {
    "sources": table_of(Source),
    "reports": table_of(Report),
    "mentions": table_of(Mention),
    "events": table_of(Event),
    "persons": table_of(Person),
    "groups": table_of(Group),
    "batches": table_of(ImportBatch),
    "links": table_of(PersonLink),
    "consents": table_of(ConsentEntry),
}


@dataclass
class FileSummary:
    file: str
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    unknown_places: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    batch_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "unknown_places": self.unknown_places,
            "warnings": self.warnings,
            "batch_id": self.batch_id,
        }


@dataclass
class ImportSummary:
    files: list[FileSummary] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.total("rows"),
            "new": self.total("new"),
            "updated": self.total("updated"),
            "unchanged": self.total("unchanged"),
            "unknown_places": sorted({p for f in self.files for p in f.unknown_places}),
            "warnings": [w for f in self.files for w in f.warnings],
            "files": [f.as_dict() for f in self.files],
        }


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """`--map old=new` options into a dict; a malformed pair is an error."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InputError(f"--map takes OLD=NEW, got {pair!r}")
        mapping[old.strip()] = new.strip()
    return mapping


def read_records(
    path: Path | Upload,
    mapping: Mapping[str, str] | None = None,
    fmt: str | None = None,
    mapping_file: Path | None = None,
) -> list[tuple[int, CaseRecord]]:
    """Read and validate a whole file; the first bad cell raises InputError. `fmt` names
    the reader (default: found by the registry), `mapping_file` is for readers that
    need one (refwatch.intake.registry)."""
    validator = RowValidator(path.name)
    records = [
        (row.number, validator.validate(row.number, row.cells))
        for row in read_rows(path, mapping, fmt, mapping_file)
    ]
    seen: dict[tuple[str, str], int] = {}
    for number, record in records:
        if record.record_id is None:
            continue
        key = (record.source, record.record_id)
        if key in seen:
            raise InputError(
                f"record_id repeats row {seen[key]} for the same source; give each row its own id",
                file=path.name,
                row=number,
                column="record_id",
                value=record.record_id,
            )
        seen[key] = number
    return records


def import_files(
    workspace: Workspace,
    cipher: FieldCipher,
    paths: Sequence[Path],
    *,
    mapping: Mapping[str, str] | None = None,
    actor: str = "cli",
    progress: Progress | None = None,
    fmt: str | None = None,
    mapping_file: Path | None = None,
) -> ImportSummary:
    """Import each file in its own transaction; stop at the first file with an error
    (files before it stay imported, as their summaries said)."""
    summary = ImportSummary()
    for path in paths:
        summary.files.append(
            import_file(
                workspace,
                cipher,
                path,
                mapping=mapping,
                actor=actor,
                progress=progress,
                fmt=fmt,
                mapping_file=mapping_file,
            )
        )
    return summary


def import_file(
    workspace: Workspace,
    cipher: FieldCipher,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    actor: str = "cli",
    progress: Progress | None = None,
    fmt: str | None = None,
    mapping_file: Path | None = None,
) -> FileSummary:
    """Import one file in one transaction. A format with its own import (one whose files
    carry report texts or attachments, refwatch.intake.registry) does it instead."""
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    chosen = find_reader(path, fmt)
    if chosen.import_file is not None:
        options = ReadOptions(columns=mapping or {}, mapping_file=mapping_file)
        done = chosen.import_file(ImportJob(workspace, cipher, path, options, actor, progress))
        assert isinstance(done, FileSummary)
        return done
    with gc_paused():
        records = read_records(path, mapping, chosen.name, mapping_file)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with workspace.write() as conn:
            lock_evidence_writes(conn)
            ensure_places(conn)
            writer = FileWriter(conn, cipher, path.name, actor)
            summary = writer.run(records, digest, progress)
    return summary


@dataclass(frozen=True, slots=True)
class AddedRow:
    """A row a `FileWriter` has just built, as its `_row_added` hook receives it."""

    number: int
    record: CaseRecord
    report: dict[str, Any]
    """The report row about to be written (a hook may add cells to it)."""
    person_id: str
    previous: Any
    """The stored report this row supersedes, or None for a new report."""


class FileWriter:
    """Builds the rows of one file's import in memory, then inserts them in bulk. Formats
    that carry more than rows (report texts, attachments) override `_row_added` and extend
    `_flush`."""

    def __init__(self, conn: Connection, cipher: FieldCipher, file: str, actor: str) -> None:
        self.conn = conn
        self.cipher = cipher
        self.file = file
        self.actor = actor
        self.now = datetime.now(UTC)
        self.places = PlaceResolver()
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in T}
        self.audit: list[audit.AuditRecord] = []
        self.summary = FileSummary(file)

    # -- look-ups ---------------------------------------------------------------------
    def _sources(self, records: list[tuple[int, CaseRecord]]) -> dict[str, str]:
        names = {record.source for _, record in records}
        src = T["sources"]
        existing = {
            row.name: (row.id, row.source_type)
            for row in self.conn.execute(
                select(src.c.id, src.c.name, src.c.source_type).where(src.c.name.in_(names))
            )
        }
        ids: dict[str, str] = {}
        clashes: dict[tuple[str, str, str], list[int]] = {}  # -> [first row, rows]
        for number, record in records:
            given = record.source_type.value if record.source_type else None
            if record.source in existing:
                # Known from an earlier row of this file or an earlier import: its type stays.
                source_id, known_type = existing[record.source]
                ids[record.source] = source_id
                if given and known_type and given != known_type:
                    clash = clashes.setdefault((record.source, known_type, given), [number, 0])
                    clash[1] += 1
                continue
            source_id = new_id()
            existing[record.source] = (source_id, given)
            ids[record.source] = source_id
            self.rows["sources"].append(
                {
                    "id": source_id,
                    "name": record.source,
                    "source_type": given,
                    "reliability": None,
                    "contact_enc": None,
                    "created_at": self.now,
                }
            )
            self.audit.append(audit.AuditRecord(self.actor, "source.create", "sources", source_id))
        for (name, known_type, given), (first, rows) in clashes.items():
            more = f" (and {rows - 1} more row{'s' if rows > 2 else ''})" if rows > 1 else ""
            self.summary.warnings.append(
                f"{self.file}, row {first}{more}: source {name!r} is of type {known_type}, "
                f"this row says {given}; kept {known_type}"
            )
        return ids

    def _current_reports(
        self, source_ids: Iterable[str]
    ) -> tuple[dict[tuple[str, str], Any], set[tuple[str, str]]]:
        """Current (not superseded) reports of these sources: by record id, and fingerprints."""
        rep, men = T["reports"], T["mentions"]
        query = (
            select(
                rep.c.id,
                rep.c.source_id,
                rep.c.record_id,
                rep.c.fingerprint,
                men.c.id.label("mention_id"),
                T["links"].c.person_id,
            )
            .join(men, men.c.report_id == rep.c.id)
            .join(T["links"], T["links"].c.mention_id == men.c.id)
            .where(rep.c.source_id.in_(list(source_ids)))
            .where(not_superseded(rep))
        )
        by_record: dict[tuple[str, str], Any] = {}
        fingerprints: set[tuple[str, str]] = set()
        for row in self.conn.execute(query):
            fingerprints.add((row.source_id, row.fingerprint))
            if row.record_id is not None:
                by_record[(row.source_id, row.record_id)] = row
        return by_record, fingerprints

    def _existing_groups(self, source_ids: Iterable[str]) -> dict[tuple[str, str], str]:
        grp = T["groups"]
        query = select(grp.c.id, grp.c.source_id, grp.c.label).where(
            grp.c.source_id.in_(list(source_ids))
        )
        return {(row.source_id, row.label): row.id for row in self.conn.execute(query)}

    def _group_id(
        self, source_id: str, label: str | None, known: dict[tuple[str, str], str]
    ) -> str | None:
        if label is None:
            return None
        key = (source_id, label)
        if key not in known:
            known[key] = new_id()
            self.rows["groups"].append(
                {
                    "id": known[key],
                    "source_id": source_id,
                    "label": label,
                    "size_min": None,
                    "size_max": None,
                    "flags": "",
                    "reported_on": None,
                    "description": None,
                }
            )
        return known[key]

    def _next_person_number(self) -> int:
        last = self.conn.execute(select(func.max(T["persons"].c.id))).scalar_one_or_none()
        return 1 if last is None else int(str(last).split("-")[1]) + 1

    # -- building ---------------------------------------------------------------------
    def run(
        self, records: list[tuple[int, CaseRecord]], digest: str, progress: Progress | None
    ) -> FileSummary:
        summary = self.summary
        summary.rows = len(records)
        if not records:
            return summary
        source_ids = self._sources(records)
        by_record, fingerprints = self._current_reports(set(source_ids.values()))
        groups = self._existing_groups(set(source_ids.values()))
        person_number = self._next_person_number()
        batch_id = new_id()
        total = len(records)
        for index, (number, record) in enumerate(records, start=1):
            source_id = source_ids[record.source]
            fingerprint = self.cipher.fingerprint(record.canonical())
            previous = None
            if record.record_id is not None:
                previous = by_record.get((source_id, record.record_id))
                if previous is not None and previous.fingerprint == fingerprint:
                    summary.unchanged += 1
                    continue
            elif (source_id, fingerprint) in fingerprints:
                summary.unchanged += 1
                continue
            fingerprints.add((source_id, fingerprint))
            if previous is None:
                person_id = f"P-{person_number:06d}"
                person_number += 1
                self.rows["persons"].append({"id": person_id, "created_at": self.now, "version": 1})
                summary.new += 1
            else:
                person_id = previous.person_id
                summary.updated += 1
            group_id = self._group_id(source_id, record.group, groups)
            self._add_row(
                number, record, source_id, fingerprint, batch_id, person_id, group_id, previous
            )
            if progress is not None and index % 2000 == 0:
                progress(index, total)
        summary.unknown_places = sorted(self.places.unknown)
        if summary.new or summary.updated:
            summary.batch_id = batch_id
            self.rows["batches"].append(
                {
                    "id": batch_id,
                    "file_name": self.file,
                    "file_sha256": digest,
                    "imported_at": self.now,
                    "actor": self.actor,
                    "rows": summary.rows,
                    "new": summary.new,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                }
            )
            self.audit.append(
                audit.AuditRecord(
                    self.actor,
                    "import.file",
                    "import_batches",
                    batch_id,
                    {
                        "sha256": digest,
                        "rows": summary.rows,
                        "new": summary.new,
                        "updated": summary.updated,
                        "unchanged": summary.unchanged,
                    },
                )
            )
            self._flush()
        if progress is not None:
            progress(total, total)
        return summary

    def _add_row(
        self,
        number: int,
        record: CaseRecord,
        source_id: str,
        fingerprint: str,
        batch_id: str,
        person_id: str,
        group_id: str | None,
        previous: Any,
    ) -> None:
        report_id, mention_id = new_id(), new_id()
        self.rows["reports"].append(
            {
                "id": report_id,
                "source_id": source_id,
                "record_id": record.record_id,
                **_date_cells("reported_on", "reported", record.reported_on),
                "text_enc": None,
                "language": None,
                "fingerprint": fingerprint,
                "supersedes_id": previous.id if previous is not None else None,
                "batch_id": batch_id,
                "row_number": number,
                "received_at": self.now,
            }
        )
        self.rows["mentions"].append(
            self._mention_row(mention_id, report_id, record, group_id, previous)
        )
        self.rows["links"].append(
            {
                "mention_id": mention_id,
                "person_id": person_id,
                "match_probability": None,
                "run_id": None,
                "linked_at": self.now,
            }
        )
        if record.consent is not None:
            self._add_consent(number, record, report_id)
        for event in claimed_events(record):
            self.rows["events"].append(
                {
                    "id": new_id(),
                    "mention_id": mention_id,
                    **event,
                    "place_id": self.places.place(event["place"]),
                    "facility_id": self.places.facility(event["facility"]),
                }
            )
        self.audit.append(
            audit.AuditRecord(
                self.actor,
                "import.update" if previous is not None else "import.new",
                "reports",
                report_id,
                {
                    "row": number,
                    "mention": mention_id,
                    "person": person_id,
                    "batch": batch_id,
                    "supersedes": previous.id if previous is not None else None,
                },
            )
        )
        self._row_added(AddedRow(number, record, self.rows["reports"][-1], person_id, previous))

    def _row_added(self, row: AddedRow) -> None:
        """Called once a row's report, mention, link and events are built, for writers
        that add to them: a report text, attachments, the outcome of each row."""

    def _mention_row(
        self,
        mention_id: str,
        report_id: str,
        record: CaseRecord,
        group_id: str | None,
        previous: Any,
    ) -> dict[str, Any]:
        """The mention a row describes, its names and notes sealed."""
        seal = self.cipher.seal
        return {
            "id": mention_id,
            "report_id": report_id,
            "supersedes_id": previous.mention_id if previous is not None else None,
            "name_hangul_enc": seal("mentions", "name_hangul", mention_id, record.name_hangul),
            "name_latin_enc": seal("mentions", "name_latin", mention_id, record.name_latin),
            "notes_enc": seal("mentions", "notes", mention_id, record.notes),
            "sex": record.sex.value if record.sex else None,
            **_date_cells("birth_year", "birth", record.birth_year),
            "age": record.age.text if record.age else None,
            "age_min": record.age.low if record.age else None,
            "age_max": record.age.high if record.age else None,
            "origin": record.origin,
            "origin_place_id": self.places.origin(record.origin),
            "status": record.status.value if record.status else None,
            **_date_cells("status_on", "status", record.status_on),
            "group_id": group_id,
            "flags": ";".join(flag.value for flag in record.flags),
        }

    def _add_consent(self, number: int, record: CaseRecord, report_id: str) -> None:
        """The row's `consent` cell as the report's first consent record (basis: the file
        and row it came from, sealed like every consent basis)."""
        assert record.consent is not None
        consent_id = new_id()
        basis = f"stated in the case list {self.file}, row {number}"
        self.rows["consents"].append(
            {
                "id": consent_id,
                "subject": f"report:{report_id}",
                "person_id": None,
                "report_id": report_id,
                "revision": 1,
                "level": record.consent.value,
                "exception_level": None,
                "basis_enc": self.cipher.seal("consents", "basis", consent_id, basis),
                "exception_enc": None,
                "recorded_by": self.actor,
                "recorded_at": self.now,
            }
        )
        self.audit.append(
            audit.AuditRecord(
                self.actor,
                "consent.set",
                "reports",
                report_id,
                {
                    "consent": consent_id,
                    "revision": 1,
                    "level": record.consent.value,
                    "row": number,
                },
            )
        )

    def _flush(self) -> None:
        order = (
            "batches",
            "sources",
            "groups",
            "persons",
            "reports",
            "mentions",
            "links",
            "events",
            "consents",
        )
        for name in order:
            bulk_insert(self.conn, T[name], self.rows[name])
        audit.append(self.conn, self.audit)


def _date_cells(edtf_column: str, prefix: str, date: DateInterval | None) -> dict[str, Any]:
    """A reported date as the three columns that keep it: the EDTF text as written, and the
    first and last day it allows (`<prefix>_earliest`, `<prefix>_latest`)."""
    if date is None:
        return {edtf_column: None, f"{prefix}_earliest": None, f"{prefix}_latest": None}
    return {
        edtf_column: date.edtf,
        f"{prefix}_earliest": date.earliest,
        f"{prefix}_latest": date.latest,
    }


def claimed_events(record: CaseRecord) -> list[dict[str, Any]]:
    """The events a case-list row claims, in the order they happened.

    A baby born in custody has a birth in detention, not an apprehension: its
    `apprehended_on` is the birth date. Detention begins at the apprehension (or birth)
    and names the facility; it is claimed when a facility is named or the status implies
    custody (detained, returned from custody, released from it, held in North Korea or
    disappeared after a return). A status other than detained or unknown is the event that
    ended or followed it, dated by `status_on`; after a return, it names `held_at`.
    """
    events: list[dict[str, Any]] = []
    when = record.apprehended_on
    born_inside = Flag.BORN_IN_DETENTION in record.flags

    def event(
        kind: EventType, date: Any, place: str | None, facility: str | None
    ) -> dict[str, Any]:
        return {
            "event_type": kind.value,
            "esf_code": kind.esf_code,
            **_date_cells("date_edtf", "date", date),
            "place": place,
            "facility": facility,
            "authority": None,
        }

    if born_inside:
        events.append(event(EventType.BIRTH, when, record.apprehended_at, record.held_at))
    elif when is not None or record.apprehended_at is not None:
        events.append(event(EventType.APPREHENSION, when, record.apprehended_at, None))
    held_statuses = (Status.DETAINED, Status.RETURNED, Status.RELEASED, *AFTER_RETURN)
    # After a return, `held_at` names where the person is held in North Korea (a kyohwaso,
    # a bowibu holding centre): it belongs to that imprisonment, not to custody in China.
    held_there = record.status in AFTER_RETURN
    china_facility = None if held_there else record.held_at
    if china_facility is not None or born_inside or record.status in held_statuses:
        events.append(event(EventType.DETENTION, when, None, china_facility))
    if record.status is not None and record.status not in (Status.DETAINED, Status.UNKNOWN):
        facility = record.held_at if held_there else None
        events.append(event(STATUS_EVENT[record.status], record.status_on, None, facility))
    return events
