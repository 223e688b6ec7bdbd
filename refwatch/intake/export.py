"""Write the evidence back out: mentions, persons or events, as CSV or JSON Lines.

A mentions export uses the case-list columns, so with names it re-imports into another
workspace unchanged (a test checks the round trip; the `consent` column carries each
report's consent level). Names and notes appear only when the caller passes a cipher and
asks for them; that read of protected values is written to the audit trail before any
byte leaves. Other kinds carry names only through a format registered with `names=True`
(the HURIDOCS ESF and Uwazi files), under the same consent check and the same audit.
Superseded versions are left out: the export shows what the evidence says now.

Consent (the rule is `refwatch.domain.consent`): an export with names is an internal act.
A person whose consent is `no_use` keeps their names in the workspace: their rows are
written with the name and notes cells empty, and the warning lists them. Every other
person whose consent does not allow naming them outside the organisation (nothing
recorded, `internal`, `statistics`) is exported with names, and listed in a warning: the
file must stay inside the organisation.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

from sqlalchemy import Connection, func, select

from refwatch.domain.caserecord import CASE_COLUMNS, PROTECTED_COLUMNS
from refwatch.domain.consent import Use, decide
from refwatch.domain.enums import EventType
from refwatch.domain.errors import RefWatchError
from refwatch.domain.formulas import neutral_row
from refwatch.intake.registry import ExportJob, export_format, export_formats, register_export
from refwatch.store import audit
from refwatch.store.consents import effective_consents, report_levels
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links, reports, sources
from refwatch.store.schema import Event, Group, Mention, Report, Source, table_of
from refwatch.store.workspace import Workspace

Kind = Literal["mentions", "persons", "events"]
Format = Literal["csv", "jsonl"]
KINDS: tuple[str, ...] = ("mentions", "persons", "events")
FORMATS: tuple[str, ...] = ("csv", "jsonl")

rep, men, src, evt, grp = (
    table_of(Report),
    table_of(Mention),
    table_of(Source),
    table_of(Event),
    table_of(Group),
)

MENTION_COLUMNS = (
    "person_id",
    "match_probability",
    "mention_id",
    *CASE_COLUMNS,
    "origin_place_id",
    "apprehended_place_id",
    "held_at_place_id",
)
PERSON_COLUMNS = (
    "person_id",
    "mentions",
    "sources",
    "source_names",
    "sex",
    "flags",
    "statuses",
    "apprehended_earliest",
    "apprehended_latest",
)
EVENT_COLUMNS = (
    "event_id",
    "person_id",
    "mention_id",
    "source",
    "record_id",
    "event_type",
    "esf_code",
    "date",
    "earliest",
    "latest",
    "place",
    "place_id",
    "facility",
    "facility_id",
)


def _current_mentions(conn: Connection) -> Iterator[Any]:
    query = current_mentions().order_by(
        links.c.person_id, sources.c.name, reports.c.record_id, men.c.id
    )
    yield from conn.execute(query)


def _events_by_mention(conn: Connection) -> dict[str, list[Any]]:
    events: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(select(evt)):
        events[row.mention_id].append(row)
    return events


@dataclass(frozen=True)
class NamesConsent:
    """Which persons a names export must leave nameless, and which it must warn about."""

    withheld: list[str]
    not_for_outside: list[str]

    def warnings(self) -> list[str]:
        found = []
        if self.withheld:
            found.append(
                f"names withheld for {len(self.withheld)} person(s) whose consent is no_use "
                f"(their rows are exported without names or notes): {_listed(self.withheld)}"
            )
        if self.not_for_outside:
            found.append(
                f"{len(self.not_for_outside)} person(s) have no consent to be named outside "
                f"the organisation; keep this file inside it: {_listed(self.not_for_outside)}"
            )
        return found


def _listed(ids: list[str], limit: int = 50) -> str:
    shown = ", ".join(ids[:limit])
    return shown if len(ids) <= limit else f"{shown} and {len(ids) - limit} more"


def names_consent(conn: Connection) -> NamesConsent:
    """The consent check of an export with names (see the module doc)."""
    withheld, outside = [], []
    for person, consent in effective_consents(conn).items():
        named = decide(consent, Use.CASE_FILE)
        if not decide(consent, Use.NAMES_EXPORT).allowed:
            withheld.append(person)
        elif not named.allowed or named.by_exception:
            outside.append(person)
    return NamesConsent(withheld, outside)


def mention_rows(
    conn: Connection, cipher: FieldCipher | None = None, *, nameless: frozenset[str] = frozenset()
) -> Iterator[dict[str, Any]]:
    """Current mentions in the case-list columns; names only with `cipher`, and never for
    the persons in `nameless`."""
    events = _events_by_mention(conn)
    levels = report_levels(conn)
    for row in _current_mentions(conn):
        start = next(
            (e for e in events.get(row.id, []) if e.event_type in ("apprehension", "birth")), None
        )
        held = next(
            (e for e in events.get(row.id, []) if e.event_type == "detention" and e.facility), None
        )
        out: dict[str, Any] = {
            "person_id": row.person_id,
            "match_probability": row.match_probability,
            "mention_id": row.id,
            "source": row.source,
            "source_type": row.source_type,
            "reported_on": row.reported_on,
            "record_id": row.record_id,
            "sex": row.sex,
            "birth_year": row.birth_year,
            "age": row.age,
            "origin": row.origin,
            "apprehended_on": start.date_edtf if start else None,
            "apprehended_at": start.place if start else None,
            "held_at": (held.facility if held else (start.facility if start else None)),
            "status": row.status,
            "status_on": row.status_on,
            "group": row.group_label,
            "flags": row.flags or None,
            "consent": levels[row.report_id].value if row.report_id in levels else None,
            "origin_place_id": row.origin_place_id,
            "apprehended_place_id": start.place_id if start else None,
            "held_at_place_id": (
                held.facility_id if held else (start.facility_id if start else None)
            ),
        }
        if cipher is not None and row.person_id not in nameless:
            out["name_hangul"] = cipher.open("mentions", "name_hangul", row.id, row.name_hangul_enc)
            out["name_latin"] = cipher.open("mentions", "name_latin", row.id, row.name_latin_enc)
            out["notes"] = cipher.open("mentions", "notes", row.id, row.notes_enc)
        yield out


def person_rows(conn: Connection) -> Iterator[dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    events = _events_by_mention(conn)
    for row in _current_mentions(conn):
        person = people.setdefault(
            row.person_id,
            {
                "person_id": row.person_id,
                "mentions": 0,
                "_sources": set(),
                "_sex": set(),
                "_flags": set(),
                "_statuses": set(),
                "_lo": [],
                "_hi": [],
            },
        )
        person["mentions"] += 1
        person["_sources"].add(row.source)
        if row.sex:
            person["_sex"].add(row.sex)
        person["_flags"].update(f for f in (row.flags or "").split(";") if f)
        if row.status:
            person["_statuses"].add(row.status)
        for event in events.get(row.id, []):
            if event.event_type in ("apprehension", "birth") and event.date_earliest:
                person["_lo"].append(event.date_earliest)
                person["_hi"].append(event.date_latest)
    for person in people.values():
        sexes = sorted(person.pop("_sex"))
        lo, hi = person.pop("_lo"), person.pop("_hi")
        sources = sorted(person.pop("_sources"))
        yield {
            **person,
            "sources": len(sources),
            "source_names": ";".join(sources),
            "sex": sexes[0] if len(sexes) == 1 else (";".join(sexes) or None),
            "flags": ";".join(sorted(person.pop("_flags"))) or None,
            "statuses": ";".join(sorted(person.pop("_statuses"))) or None,
            "apprehended_earliest": min(lo).isoformat() if lo else None,
            "apprehended_latest": max(hi).isoformat() if hi else None,
        }


def event_rows(conn: Connection) -> Iterator[dict[str, Any]]:
    events = _events_by_mention(conn)
    for row in _current_mentions(conn):
        for event in events.get(row.id, []):
            yield {
                "event_id": event.id,
                "person_id": row.person_id,
                "mention_id": row.id,
                "source": row.source,
                "record_id": row.record_id,
                "event_type": event.event_type,
                # From the enum, not the stored column: rows imported before the enum knew
                # a code (disappearance, death) get it too, as the ESF export does.
                "esf_code": EventType(event.event_type).esf_code,
                "date": event.date_edtf,
                "earliest": event.date_earliest.isoformat() if event.date_earliest else None,
                "latest": event.date_latest.isoformat() if event.date_latest else None,
                "place": event.place,
                "place_id": event.place_id,
                "facility": event.facility,
                "facility_id": event.facility_id,
            }


def columns_for(kind: str, include_names: bool) -> tuple[str, ...]:
    if kind == "mentions":
        if include_names:
            return MENTION_COLUMNS
        return tuple(c for c in MENTION_COLUMNS if c not in PROTECTED_COLUMNS)
    return PERSON_COLUMNS if kind == "persons" else EVENT_COLUMNS


def export(
    workspace: Workspace,
    kind: str,
    fmt: str,
    out: IO[Any],
    *,
    cipher: FieldCipher | None = None,
    actor: str = "cli",
    warnings: list[str] | None = None,
) -> int:
    """Write one export to `out`; return the number of rows. Passing `cipher` includes
    names and notes (the mentions export, or a format registered with `names=True`:
    the ESF and Uwazi files) and is audited first; the consent check (module doc)
    withholds names and appends its warnings to `warnings`."""
    if kind not in KINDS:
        raise RefWatchError(f"unknown export {kind!r}: choose {', '.join(KINDS)}")
    writer = export_format(fmt)
    if kind not in writer.kinds:
        raise RefWatchError(
            f"the {writer.name} format does not export {kind}: choose {', '.join(writer.kinds)}"
        )
    if cipher is not None and not (kind == "mentions" or writer.names):
        named = ", ".join(f.name for f in export_formats() if f.names)
        raise RefWatchError(
            f"--include-names applies to the mentions export and to the formats that write "
            f"names ({named}), not to {kind} as {writer.name}"
        )
    columns = columns_for(kind, cipher is not None)
    nameless: frozenset[str] = frozenset()
    if cipher is not None:
        with workspace.read() as conn:
            check = names_consent(conn)
        nameless = frozenset(check.withheld)
        if warnings is not None:
            warnings.extend(check.warnings())
        # Committed before any name is read, so a failed export still leaves its trace.
        # The details say how many rows of names are about to leave (never their values).
        with workspace.write() as conn:
            rows_with_names = conn.execute(
                select(func.count()).select_from(current_mentions().subquery())
            ).scalar_one()
            audit.log(
                conn,
                actor,
                "export.names",
                table_name="mentions",
                details={
                    "kind": kind,
                    "format": fmt,
                    "rows": rows_with_names,
                    "names_withheld_persons": len(check.withheld),
                    "without_outside_consent_persons": len(check.not_for_outside),
                },
            )
    with workspace.read() as conn:
        if kind == "mentions":
            rows: Iterator[dict[str, Any]] = mention_rows(conn, cipher, nameless=nameless)
        elif kind == "persons":
            rows = person_rows(conn)
        else:
            rows = event_rows(conn)
        return writer.write(ExportJob(kind, columns, rows, out, conn, cipher, nameless))


def _write_csv(job: ExportJob) -> int:
    """CSV with a header; a cell a spreadsheet would run as a formula is neutralised."""
    writer = csv.writer(job.out, lineterminator="\n")
    writer.writerow(job.columns)
    count = 0
    for row in job.rows:
        writer.writerow(neutral_row(row.get(c) for c in job.columns))
        count += 1
    return count


def _write_jsonl(job: ExportJob) -> int:
    count = 0
    for row in job.rows:
        job.out.write(json.dumps({c: row.get(c) for c in job.columns}, ensure_ascii=False) + "\n")
        count += 1
    return count


register_export("csv", _write_csv, kinds=KINDS, summary="CSV, one row per record")
register_export("jsonl", _write_jsonl, kinds=KINDS, summary="JSON Lines, one object per line")
