"""The evidence API: persons, events, reports and sources as JSON under /api/v1/.

The same functions as the pages (the snapshot and its filters, the person record, the
report queries), with pydantic models so the OpenAPI schema says exactly what comes back.
Scripts authenticate with an API token (`Authorization: Bearer …`). Names, report text
and contacts appear only for roles allowed to see them, and every such answer is logged.
A name search is a POST so the name stays out of URLs.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import Connection, and_, func, select

from refwatch.domain.dates import parse_optional_date
from refwatch.domain.enums import EventType, Flag, Status
from refwatch.domain.errors import DateError, InputError
from refwatch.intake.reports import ReportFilter, report_page
from refwatch.intake.sources import contacts_of, source_rows
from refwatch.persons.filters import Indices, parse_filter, select_persons
from refwatch.persons.listing import PersonSummary, Snapshot
from refwatch.persons.name_index import Names
from refwatch.persons.report_reading import open_report
from refwatch.persons.timeline import EventView, event_fields, load_person
from refwatch.store.queries import current_mentions, links, mentions
from refwatch.store.schema import Event, table_of
from refwatch.web.api_models import (
    ClaimOut,
    ConflictOut,
    EventOut,
    EventPage,
    GroupOut,
    MentionOut,
    NameOut,
    PersonDetailOut,
    PersonOut,
    PersonPage,
    PersonSearch,
    ReportDetailOut,
    ReportOut,
    ReportPage,
    SourceOut,
    TimelineEntryOut,
    copied,
)
from refwatch.web.caches import name_index, names_of_persons, snapshot
from refwatch.web.deps import API_ERRORS, audit_name_read, get_cipher, get_workspace
from refwatch.web.roles import NamesView, PersonsView, ReportsView, SourcesView
from refwatch.web.routes.reports import found_report

router = APIRouter(prefix="/api/v1", tags=["evidence"], responses=API_ERRORS)
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="How many to skip")]
Limit = Annotated[int, Query(ge=1, le=500, description="How many to return (at most 500)")]
events_table = table_of(Event)


def _bad(exc: InputError | DateError) -> HTTPException:
    return HTTPException(400, str(exc))


def _name_out(names: Names) -> NameOut:
    return NameOut(hangul=names.hangul, latin=names.latin)


def person_out(p: PersonSummary, names: list[Names] | None = None) -> PersonOut:
    start = p.custody_start
    return PersonOut(
        id=p.person_id,
        status=p.status.value,
        status_conflict=p.status_conflict,
        status_as_of=p.status_as_of,
        custody_began_earliest=start[0] if start else None,
        custody_began_latest=start[1] if start else None,
        held_by=p.held_by,
        last_news=p.last_news,
        sex=p.sex,
        flags=sorted(p.flags),
        apprehension_places=sorted(p.place_ids),
        facilities=sorted(p.facility_ids),
        sources=sorted(p.source_ids),
        mentions=p.mentions,
        names=None if names is None else [_name_out(n) for n in names],
    )


def _page(
    request: Request, snap: Snapshot, found: Indices, offset: int, limit: int, what: str
) -> PersonPage:
    chosen = snap.summaries(found[offset : offset + limit])
    names = names_of_persons(request, [p.person_id for p in chosen], what)
    allowed = get_cipher(request) is not None
    return PersonPage(
        total=len(found),
        offset=offset,
        limit=limit,
        persons=[person_out(p, names.get(p.person_id, []) if allowed else None) for p in chosen],
    )


@router.get("/persons", response_model=PersonPage)
def list_persons(
    request: Request,
    user: PersonsView,
    status: Status | None = None,
    period_from: Annotated[str | None, Query(alias="from", description="EDTF")] = None,
    period_to: Annotated[str | None, Query(alias="to", description="EDTF")] = None,
    place: Annotated[str | None, Query(description="Gazetteer id; a region includes it")] = None,
    facility: str | None = None,
    source: str | None = None,
    flag: Annotated[list[Flag] | None, Query(description="Repeatable; all must hold")] = None,
    conflict: bool = False,
    sort: Annotated[str, Query(pattern="^(id|held|news)$")] = "id",
    offset: Offset = 0,
    limit: Limit = 100,
) -> PersonPage:
    """Persons with their status now and structured facts, filtered like the person list."""
    params = {
        "status": status.value if status else "",
        "from": period_from or "",
        "to": period_to or "",
        "place": place or "",
        "facility": facility or "",
        "source": source or "",
        "conflict": "1" if conflict else "",
        "sort": sort,
    }
    try:
        chosen = parse_filter(params, [f.value for f in flag or []])
    except InputError as exc:
        raise _bad(exc) from None
    snap = snapshot(request)
    return _page(request, snap, select_persons(snap, chosen), offset, limit, "api persons")


@router.post("/persons/search", response_model=PersonPage)
def search_persons(request: Request, user: NamesView, body: PersonSearch) -> PersonPage:
    """Persons whose names match `q` in any script (Hangul, Hanzi, any romanisation)."""
    params = {
        "status": body.status or "",
        "from": body.period_from or "",
        "to": body.period_to or "",
        "place": body.place or "",
        "facility": body.facility or "",
        "source": body.source or "",
    }
    try:
        chosen = parse_filter(params, body.flags)
    except InputError as exc:
        raise _bad(exc) from None
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, "names are locked: the server was started without the key")
    ids = name_index(request, cipher).search(body.q, limit=200)
    snap = snapshot(request)
    found = select_persons(snap, chosen.with_persons(ids))
    return _page(request, snap, found, 0, body.limit, "api person search")


def _claim(e: EventView) -> ClaimOut:
    return ClaimOut(
        event_id=e.id,
        report_id=e.mention.report_id,
        source=e.mention.source,
        date_edtf=e.date_edtf,
        place=e.place,
        facility=e.facility,
    )


@router.get("/persons/{person_id}", response_model=PersonDetailOut)
def get_person(request: Request, person_id: str, user: PersonsView) -> PersonDetailOut:
    """One person: summary, linked mentions with match probabilities, timeline with the
    reports behind each event, conflicts between reports, and groups."""
    with get_workspace(request).read() as conn:
        detail = load_person(conn, person_id)
    summary = snapshot(request).get(person_id)
    if detail is None or summary is None:
        raise HTTPException(404)
    cipher = get_cipher(request)
    mention_names: dict[str, Names] = {}
    if cipher is not None:
        mention_names = name_index(request, cipher).names_of_mentions(m.id for m in detail.mentions)
        shown = sum(len(n.written()) for n in mention_names.values())
        if shown:
            audit_name_read(request, "api person", shown, person_id)
    return PersonDetailOut(
        person=person_out(
            summary, list(dict.fromkeys(mention_names.values())) if cipher is not None else None
        ),
        mentions=[
            copied(
                MentionOut,
                m,
                names=_name_out(mention_names[m.id]) if m.id in mention_names else None,
            )
            for m in detail.mentions
        ],
        timeline=[
            copied(TimelineEntryOut, t, claims=[_claim(c) for c in t.claims])
            for t in detail.timeline
        ],
        conflicts=[
            copied(ConflictOut, c, sides=[[_claim(e) for e in side] for side in c.sides])
            for c in detail.conflicts
        ],
        groups=[copied(GroupOut, g) for g in detail.groups],
    )


def _esf_code(event_type: str, stored: str | None) -> str | None:
    """The act code from the vocabulary, as every export gives it: events stored before a
    code was added (disappearance, death) carry none in their row."""
    try:
        return EventType(event_type).esf_code
    except ValueError:
        return stored


def _event_out(row: Any, person_id: str, report_id: str) -> EventOut:
    """An events row as the API gives it, with the person and report behind it."""
    return EventOut(
        **event_fields(row),
        person_id=person_id,
        report_id=report_id,
        esf_code=_esf_code(row.event_type, row.esf_code),
    )


def _events(
    conn: Connection,
    person: str | None,
    kind: EventType | None,
    start: date | None,
    end: date | None,
    offset: int,
    limit: int,
) -> tuple[int, list[Any]]:
    e = events_table
    current = (
        current_mentions()
        .with_only_columns(mentions.c.id, mentions.c.report_id, links.c.person_id)
        .subquery()
    )
    conditions = []
    if person:
        conditions.append(current.c.person_id == person)
    if kind is not None:
        conditions.append(e.c.event_type == kind.value)
    if start is not None:
        conditions.append(e.c.date_latest >= start)
    if end is not None:
        conditions.append(e.c.date_earliest <= end)
    query = select(e, current.c.person_id, current.c.report_id).join(
        current, current.c.id == e.c.mention_id
    )
    if conditions:
        query = query.where(and_(*conditions))
    total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    rows = conn.execute(
        query.order_by(current.c.person_id, e.c.date_earliest, e.c.id).offset(offset).limit(limit)
    )
    return total, list(rows)


@router.get("/events", response_model=EventPage)
def list_events(
    request: Request,
    user: PersonsView,
    person: Annotated[str | None, Query(description="A person id, e.g. P-000123")] = None,
    event_type: Annotated[EventType | None, Query(alias="type")] = None,
    period_from: Annotated[str | None, Query(alias="from", description="EDTF")] = None,
    period_to: Annotated[str | None, Query(alias="to", description="EDTF")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> EventPage:
    """Events claimed by current reports, with the person and report behind each; a
    period selects events whose date interval overlaps it."""
    try:
        start = parse_optional_date(period_from)
        end = parse_optional_date(period_to)
    except DateError as exc:
        raise _bad(exc) from None
    with get_workspace(request).read() as conn:
        total, rows = _events(
            conn,
            person,
            event_type,
            start.earliest if start else None,
            end.latest if end else None,
            offset,
            limit,
        )
    return EventPage(
        total=total,
        offset=offset,
        limit=limit,
        events=[_event_out(r, r.person_id, r.report_id) for r in rows],
    )


def _report_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "source_id": row.source_id,
        "source": row.source,
        "reliability": row.reliability,
        "record_id": row.record_id,
        "reported_on": row.reported_on,
        "reported_earliest": row.reported_earliest,
        "reported_latest": row.reported_latest,
        "received_at": row.received_at,
        "supersedes_id": row.supersedes_id,
        "language": row.language,
    }


@router.get("/reports", response_model=ReportPage)
def list_reports(
    request: Request,
    user: ReportsView,
    source: str | None = None,
    period_from: Annotated[str | None, Query(alias="from", description="EDTF")] = None,
    period_to: Annotated[str | None, Query(alias="to", description="EDTF")] = None,
    include_replaced: Annotated[bool, Query(description="Also corrected versions")] = False,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ReportPage:
    """Reports, newest first (by the date the source gave); text is never listed."""
    try:
        start = parse_optional_date(period_from)
        end = parse_optional_date(period_to)
    except DateError as exc:
        raise _bad(exc) from None
    chosen = ReportFilter(
        source=source,
        reported_from=start.earliest if start else None,
        reported_to=end.latest if end else None,
        include_superseded=include_replaced,
    )
    with get_workspace(request).read() as conn:
        rows, total = report_page(conn, chosen, offset, limit)
    return ReportPage(
        total=total,
        offset=offset,
        limit=limit,
        reports=[
            ReportOut(
                **_report_out(r),
                has_text=bool(r.has_text),
                mention_id=r.mention_id,
                person_id=r.person_id,
            )
            for r in rows
        ],
    )


@router.get("/reports/{report_id}", response_model=ReportDetailOut)
def get_report(request: Request, report_id: str, user: ReportsView) -> ReportDetailOut:
    """One report with the events it claims; text and names only for roles that may."""
    detail = found_report(request, report_id)
    report, mention = detail["report"], detail["mention"]
    opened = open_report(
        get_cipher(request), report, mention, may_read_text=user.can("reports.text")
    )
    if opened.shown:
        audit_name_read(request, "api report", opened.shown, report.id)
    person_id = mention.person_id if mention is not None else None
    return ReportDetailOut(
        **_report_out(report),
        has_text=report.text_enc is not None,
        mention_id=mention.id if mention is not None else None,
        person_id=person_id,
        superseded_by=detail["superseded_by"].id if detail["superseded_by"] else None,
        events=[_event_out(e, person_id or "", report.id) for e in detail["events"]],
        names=None if opened.names is None else _name_out(opened.names),
        text=opened.text,
    )


@router.get("/sources", response_model=list[SourceOut])
def list_sources(request: Request, user: SourcesView) -> list[SourceOut]:
    """Sources with their reliability grade and how much they reported."""
    with get_workspace(request).read() as conn:
        rows = source_rows(conn)
        cipher = request.app.state.cipher
        contacts: dict[str, str] = {}
        if user.can("sources.contacts") and cipher is not None:
            contacts = contacts_of(conn, cipher)
    shown = sum(1 for c in contacts.values() if c)
    if shown:
        audit_name_read(request, "api sources contacts", shown)
    return [copied(SourceOut, r, latest_report=r.latest, contact=contacts.get(r.id)) for r in rows]
