"""Export the evidence in the shape of the HURIDOCS Events Standard Formats (ESF, 2001).

Why: documentation groups that use the ESF (or tools built on it, such as OpenEvSys) think
in Events made of Acts done to Victims, Involvements of perpetrators in those acts, and
Information records linking a Source to an Event. RefWatch's evidence maps onto them
(see /work/shared/ARCHITECTURE.md and docs/interop.md):

- one ESF **Event** per person: what happened to them, from the apprehension on;
- one **Act** per claimed event of a type the Micro-thesauri's "Types of acts" names
  (arrest, detention, refoulement, disappearance, death), with that source's dates and
  place; the victim is the person, and the act that ends a mention's story carries the
  mention's status as "Status at end of act";
- one **Involvement** per act whose authority is known (the perpetrator is a Person record
  of that authority);
- one **Information** record per mention: which source said it, and when;
- **Person** records for victims (pseudonymous ids; names only as below), sources and
  perpetrators.

The codes are those of the HURIDOCS Micro-thesauri (2001) as OpenEvSys ships them
(schema/mysql-dbpopulate-mt.sql of huridocs/OpenEvSys); docs/interop.md lists them.

Names: a victim's name (0903) and other names (0904) are written only when the caller
passes a cipher, and never for the persons in `nameless` (their consent is `no_use`):
both formats register with `names=True`, so `refwatch export persons|events --format
huridocs-json|huridocs-csv --include-names` gives them the cipher after the consent check
and the audit entry of every names export.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Connection, select

from refwatch.domain.enums import EventType, Status
from refwatch.domain.formulas import neutral_row
from refwatch.intake.export import mention_rows
from refwatch.intake.registry import ExportJob, register_export
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Event, table_of

STANDARD = "HURIDOCS Events Standard Formats (2001)"
THESAURUS = "HURIDOCS Micro-thesauri (2001)"

# Micro-thesaurus 4, Types of acts: kept on the enum (EventType.esf_act), read from it.
ACT_TYPES: dict[EventType, tuple[str, str]] = {
    kind: act for kind in EventType if (act := kind.esf_act) is not None
}
# Micro-thesaurus 25, Status as victim: the "Status at end of act" (2123) of a mention's
# last act. Safe and unknown have no counterpart; returned is the refoulement act itself.
STATUS_AT_END: dict[Status, tuple[str, str]] = {
    Status.DETAINED: ("0202", "Arrested and currently held"),
    Status.RELEASED: ("0201", "Arrested and released or escaped"),
    Status.HELD_IN_DPRK: ("0202", "Arrested and currently held"),
    Status.DISAPPEARED: ("0103", "Still missing"),
    Status.DIED: ("0101", "Dead"),
}
# Micro-thesaurus 39, Sex; 7, Counting units.
SEX = {"M": ("01", "Male"), "F": ("02", "Female")}
INDIVIDUAL = ("01", "Individual")
ORGANISATION = ("03", "Group, organisation or institution")

EVENT_COLUMNS = (
    "event_record_number",
    "event_title",
    "initial_date",
    "final_date",
    "geographical_term",
    "place_id",
)
ACT_COLUMNS = (
    "act_record_number",
    "event",
    "victim",
    "type_of_act",
    "type_of_act_label",
    "initial_date",
    "final_date",
    "date_edtf",
    "exact_location",
    "place_id",
    "facility",
    "facility_id",
    "status_at_end_of_act",
    "status_at_end_of_act_label",
    "refwatch_event_type",
    "information",
)
INVOLVEMENT_COLUMNS = (
    "involvement_record_number",
    "event",
    "act",
    "perpetrator",
    "degree_of_involvement",
)
INFORMATION_COLUMNS = (
    "information_record_number",
    "event",
    "source",
    "date_of_source_material",
    "source_record_id",
)
PERSON_COLUMNS = (
    "person_record_number",
    "counting_unit",
    "counting_unit_label",
    "name",
    "other_names",
    "sex",
    "sex_label",
    "date_of_birth",
    "origin",
    "flags",
    "roles",
)

evt = table_of(Event)


@dataclass
class Profile:
    """One person as the mentions describe them: first value given wins, flags are the
    union, the apprehension spans every source. Names only when allowed."""

    person_id: str
    names: list[str] = field(default_factory=list)
    name_hangul: str | None = None
    name_latin: str | None = None
    sexes: set[str] = field(default_factory=set)
    birth_year: str | None = None
    age: str | None = None
    origin: str | None = None
    origin_place_id: str | None = None
    apprehended_at: str | None = None
    apprehended_place_id: str | None = None
    held_at: str | None = None
    status: str | None = None
    status_on: str | None = None
    group: str | None = None
    flags: dict[str, None] = field(default_factory=dict)
    sources: dict[str, None] = field(default_factory=dict)
    mentions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sex(self) -> str | None:
        return next(iter(self.sexes)) if len(self.sexes) == 1 else None

    @property
    def name(self) -> str | None:
        return self.names[0] if self.names else None


def profiles(
    conn: Connection, cipher: FieldCipher | None, nameless: frozenset[str]
) -> list[Profile]:
    """Every person with current mentions, in person id order."""
    found: dict[str, Profile] = {}
    for row in mention_rows(conn, cipher, nameless=nameless):
        person = found.setdefault(row["person_id"], Profile(row["person_id"]))
        person.mentions.append(row)
        for name in (row.get("name_latin"), row.get("name_hangul")):
            if name and name not in person.names:
                person.names.append(name)
        for key in (
            "name_hangul",
            "name_latin",
            "birth_year",
            "age",
            "origin",
            "origin_place_id",
            "apprehended_at",
            "apprehended_place_id",
            "held_at",
            "group",
        ):
            if getattr(person, key) is None and row.get(key):
                setattr(person, key, row[key])
        if person.status is None and row.get("status"):
            person.status, person.status_on = row["status"], row.get("status_on")
        if row.get("sex"):
            person.sexes.add(row["sex"])
        person.flags.update((f, None) for f in (row.get("flags") or "").split(";") if f)
        person.sources[row["source"]] = None
    return sorted(found.values(), key=lambda p: p.person_id)


def events_by_mention(conn: Connection) -> dict[str, list[Any]]:
    by_mention: dict[str, list[Any]] = defaultdict(list)
    query = select(evt).order_by(evt.c.mention_id, evt.c.date_earliest, evt.c.id)
    for row in conn.execute(query):
        by_mention[row.mention_id].append(row)
    return by_mention


@dataclass
class EsfRecords:
    """The ESF records of a workspace, flat: each list is one format's records."""

    events: list[dict[str, Any]] = field(default_factory=list)
    acts: list[dict[str, Any]] = field(default_factory=list)
    involvements: list[dict[str, Any]] = field(default_factory=list)
    information: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)


_SEQUENCE = {kind.value: position for position, kind in enumerate(EventType)}


def _order(event: Any) -> tuple[int, str, int]:
    """Events of one mention in the order they happen: by date (undated last), then in
    the order of the event types (an apprehension and the detention it begins share a
    date; the apprehension comes first)."""
    dated = event.date_earliest is not None
    return (0 if dated else 1, str(event.date_earliest or ""), _SEQUENCE[event.event_type])


def esf_records(
    conn: Connection, cipher: FieldCipher | None = None, nameless: frozenset[str] = frozenset()
) -> EsfRecords:
    """Build the records (see the module doc)."""
    out = EsfRecords()
    events = events_by_mention(conn)
    source_ids: dict[str, str] = {}
    perpetrator_ids: dict[str, str] = {}
    for person in profiles(conn, cipher, nameless):
        event_id = f"EV-{person.person_id}"
        acts: list[dict[str, Any]] = []
        for mention in person.mentions:
            source_id = source_ids.setdefault(mention["source"], f"SRC-{len(source_ids) + 1:04d}")
            information_id = f"INF-{mention['mention_id']}"
            out.information.append(
                {
                    "information_record_number": information_id,
                    "event": event_id,
                    "source": source_id,
                    "date_of_source_material": mention.get("reported_on"),
                    "source_record_id": mention.get("record_id"),
                }
            )
            mention_acts = []
            for event in sorted(events.get(mention["mention_id"], []), key=_order):
                kind = EventType(event.event_type)
                if kind not in ACT_TYPES:
                    continue
                code, label = ACT_TYPES[kind]
                act = {
                    "act_record_number": f"ACT-{event.id}",
                    "event": event_id,
                    "victim": person.person_id,
                    "type_of_act": code,
                    "type_of_act_label": label,
                    "initial_date": event.date_earliest.isoformat()
                    if event.date_earliest
                    else None,
                    "final_date": event.date_latest.isoformat() if event.date_latest else None,
                    "date_edtf": event.date_edtf,
                    "exact_location": event.place,
                    "place_id": event.place_id,
                    "facility": event.facility,
                    "facility_id": event.facility_id,
                    "status_at_end_of_act": None,
                    "status_at_end_of_act_label": None,
                    "refwatch_event_type": kind.value,
                    "information": information_id,
                }
                mention_acts.append(act)
                if event.authority:
                    perpetrator = perpetrator_ids.setdefault(
                        event.authority, f"PRP-{len(perpetrator_ids) + 1:04d}"
                    )
                    out.involvements.append(
                        {
                            "involvement_record_number": f"INV-{event.id}",
                            "event": event_id,
                            "act": act["act_record_number"],
                            "perpetrator": perpetrator,
                            "degree_of_involvement": None,
                        }
                    )
            status = mention.get("status")
            if mention_acts and status and Status(status) in STATUS_AT_END:
                code, label = STATUS_AT_END[Status(status)]
                mention_acts[-1]["status_at_end_of_act"] = code
                mention_acts[-1]["status_at_end_of_act_label"] = label
            acts.extend(mention_acts)
        out.acts.extend(acts)
        out.events.append(_event(event_id, person, acts))
        out.persons.append(_victim(person))
    for name, source_id in source_ids.items():
        out.persons.append(_organisation(source_id, name, "source"))
    for name, perpetrator_id in perpetrator_ids.items():
        out.persons.append(_organisation(perpetrator_id, name, "perpetrator"))
    return out


def _event(event_id: str, person: Profile, acts: list[dict[str, Any]]) -> dict[str, Any]:
    starts = [a["initial_date"] for a in acts if a["initial_date"]]
    ends = [a["final_date"] for a in acts if a["final_date"]]
    labels = list(dict.fromkeys(a["type_of_act_label"] for a in acts))
    placed = next((a for a in acts if a["exact_location"]), None)
    return {
        "event_record_number": event_id,
        "event_title": f"{person.person_id}: {'; '.join(labels) or 'no act recorded'}",
        "initial_date": min(starts) if starts else None,
        "final_date": max(ends) if ends else None,
        "geographical_term": placed["exact_location"] if placed else None,
        "place_id": placed["place_id"] if placed else None,
    }


def _victim(person: Profile) -> dict[str, Any]:
    sex = SEX.get(person.sex or "")
    return {
        "person_record_number": person.person_id,
        "counting_unit": INDIVIDUAL[0],
        "counting_unit_label": INDIVIDUAL[1],
        "name": person.name,
        "other_names": person.names[1:],
        "sex": sex[0] if sex else None,
        "sex_label": sex[1] if sex else None,
        "date_of_birth": person.birth_year,
        "origin": person.origin,
        "flags": list(person.flags),
        "roles": ["victim"],
    }


def _organisation(record: str, name: str, role: str) -> dict[str, Any]:
    return {
        "person_record_number": record,
        "counting_unit": ORGANISATION[0],
        "counting_unit_label": ORGANISATION[1],
        "name": name,
        "other_names": [],
        "sex": None,
        "sex_label": None,
        "date_of_birth": None,
        "origin": None,
        "flags": [],
        "roles": [role],
    }


# -- writers -------------------------------------------------------------------------------


def write_json(
    conn: Connection,
    out: IO[str],
    *,
    cipher: FieldCipher | None = None,
    nameless: frozenset[str] = frozenset(),
) -> int:
    """One JSON document: events holding their acts, involvements and information, then
    persons. Returns the number of events."""
    records = esf_records(conn, cipher, nameless)
    nested: dict[str, dict[str, Any]] = {
        e["event_record_number"]: {**e, "acts": [], "involvements": [], "information": []}
        for e in records.events
    }
    for key, items in (
        ("acts", records.acts),
        ("involvements", records.involvements),
        ("information", records.information),
    ):
        for item in items:
            nested[item["event"]][key].append({k: v for k, v in item.items() if k != "event"})
    document = {
        "standard": STANDARD,
        "thesaurus": THESAURUS,
        "generator": "RefWatch",
        "names": cipher is not None,
        "events": list(nested.values()),
        "persons": records.persons,
    }
    json.dump(document, out, ensure_ascii=False, separators=(",", ":"))
    out.write("\n")
    return len(records.events)


CSV_FILES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("event.csv", "events", EVENT_COLUMNS),
    ("act.csv", "acts", ACT_COLUMNS),
    ("involvement.csv", "involvements", INVOLVEMENT_COLUMNS),
    ("information.csv", "information", INFORMATION_COLUMNS),
    ("person.csv", "persons", PERSON_COLUMNS),
)


def _csv_text(columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = [";".join(v) if isinstance(v, list) else v for v in (row[c] for c in columns)]
        writer.writerow(neutral_row(cells))
    return buffer.getvalue()


def write_csv_zip(
    conn: Connection,
    out: IO[bytes],
    *,
    cipher: FieldCipher | None = None,
    nameless: frozenset[str] = frozenset(),
) -> int:
    """A zip of one CSV per format (event, act, involvement, information, person), linked
    by their record numbers; lists are `;`-joined. Returns the number of events."""
    records = esf_records(conn, cipher, nameless)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, attribute, columns in CSV_FILES:
            # A fixed time stamp: the same evidence gives the same bytes.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, _csv_text(columns, getattr(records, attribute)))
    return len(records.events)


def _write_json(job: ExportJob) -> int:
    return write_json(job.conn, job.out, cipher=job.cipher, nameless=job.nameless)


def _write_zip(job: ExportJob) -> int:
    return write_csv_zip(job.conn, job.out, cipher=job.cipher, nameless=job.nameless)


register_export(
    "huridocs-json",
    _write_json,
    kinds=("persons", "events"),
    summary="HURIDOCS Events Standard Formats: events with acts, persons (JSON)",
    names=True,
)
register_export(
    "huridocs-csv",
    _write_zip,
    kinds=("persons", "events"),
    summary="HURIDOCS Events Standard Formats: a zip of one CSV per format",
    binary=True,
    names=True,
)
