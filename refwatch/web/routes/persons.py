"""The person list (filters, name search, CSV) and the person page, with its merge and
split forms (record linkage by hand, for roles holding `linkage.review`).

A name search is a POST, so a name never travels in a URL (where browser history,
proxies and access logs would keep it), and it needs `names.view`; analysts and viewers
get no name search and see no name anywhere. Every page that shows names logs the read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from refwatch.domain.enums import Status
from refwatch.domain.errors import ConflictError, InputError, RefWatchError
from refwatch.domain.formulas import neutral_row, neutralise
from refwatch.linkage import merge_persons, split_person
from refwatch.persons.filters import (
    FLAGS,
    Indices,
    PersonFilter,
    facility_options,
    parse_filter,
    place_options,
    select_persons,
)
from refwatch.persons.listing import Snapshot
from refwatch.persons.name_index import Names
from refwatch.persons.overview import place_label
from refwatch.persons.timeline import load_person
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links
from refwatch.store.schema import Mention, Source, table_of
from refwatch.store.workspace import Workspace
from refwatch.web import evidence_format, i18n  # noqa: F401 (registers template helpers)
from refwatch.web.caches import name_index, names_of_persons, snapshot, today
from refwatch.web.deps import Page, User, audit_name_read, get_cipher, get_workspace
from refwatch.web.person_names import main_name, person_names
from refwatch.web.responses import download, page_count, pager_query
from refwatch.web.roles import LinkageReview, NamesView, PersonsView
from refwatch.web.routes.casefiles import consent_panel
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
SEARCH_LIMIT = 200
MAX_QUERY = 100
sources_table = table_of(Source)
mentions = table_of(Mention)
NONE: Indices = np.zeros(0, dtype=np.int64)


def source_options(request: Request) -> list[tuple[str, str]]:
    with get_workspace(request).read() as conn:
        rows = conn.execute(
            select(sources_table.c.id, sources_table.c.name).order_by(sources_table.c.name)
        )
        return [(row.id, row.name) for row in rows]


def _list_page(
    request: Request,
    snap: Snapshot,
    chosen: PersonFilter,
    found: Indices,
    *,
    page: int = 1,
    query: str = "",
    error: str | None = None,
    searched: bool = False,
    status_code: int = 200,
) -> Response:
    pages = page_count(len(found), PAGE_SIZE)
    page = min(max(page, 1), pages)
    shown = snap.summaries(found if searched else found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    names = names_of_persons(request, [p.person_id for p in shown], "persons list")
    lang = i18n.language_of(request)
    return render(
        request,
        "persons.html",
        {
            "persons": shown,
            "total": len(found),
            "all": len(snap),
            "page": page,
            "pages": pages,
            "base_query": pager_query(request),
            "filter": chosen,
            "query": query,
            "searched": searched,
            "error": error,
            "names": {pid: main_name(found_names) for pid, found_names in names.items()},
            "statuses": list(Status),
            "flags": FLAGS,
            "places": place_options(snap),
            "facilities": facility_options(snap),
            "sources": source_options(request),
            "place_label": lambda place_id: place_label(place_id, lang),
            "today": today(request),
        },
        status_code=status_code,
    )


@router.get("/persons", response_class=HTMLResponse)
def persons_list(request: Request, user: PersonsView, page: Page = 1) -> Response:
    snap = snapshot(request)
    try:
        chosen = parse_filter(request.query_params, request.query_params.getlist("flag"))
    except InputError as exc:
        error = i18n.error_text(request, exc)
        return _list_page(request, snap, PersonFilter(), NONE, error=error, status_code=400)
    return _list_page(request, snap, chosen, select_persons(snap, chosen), page=page)


@router.post("/persons", response_class=HTMLResponse)
async def persons_search(request: Request, user: NamesView) -> Response:
    """Search by name (any script) within the filters; names stay out of the URL."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    flags = [v for v in form.getlist("flag") if isinstance(v, str)]
    query = fields.get("q", "").strip()[:MAX_QUERY]
    return await run_in_threadpool(_search, request, fields, flags, query)


def _search(request: Request, fields: dict[str, str], flags: list[str], query: str) -> Response:
    snap = snapshot(request)
    try:
        chosen = parse_filter(fields, flags)
    except InputError as exc:
        error = i18n.error_text(request, exc)
        return _list_page(request, snap, PersonFilter(), NONE, error=error, status_code=400)
    if query:
        cipher = get_cipher(request)
        if cipher is None:
            message = gettext(request, "Names are locked: the server was started without the key.")
            return _list_page(request, snap, chosen, NONE, query=query, error=message)
        ids = name_index(request, cipher).search(query, limit=SEARCH_LIMIT)
        chosen = chosen.with_persons(ids)
    found = select_persons(snap, chosen)
    return _list_page(
        request, snap, chosen, found[:SEARCH_LIMIT], query=query, searched=bool(query)
    )


CSV_COLUMNS = (
    "person_id",
    "status",
    "status_conflict",
    "status_as_of",
    "custody_began_earliest",
    "custody_began_latest",
    "held_by",
    "last_news",
    "sex",
    "flags",
    "apprehension_places",
    "facilities",
    "sources",
    "mentions",
)


@router.get("/persons.csv")
def persons_csv(request: Request, user: PersonsView) -> Response:
    """The filtered list as CSV: pseudonymous ids and structured facts, never a name.
    Every cell passes `neutral_row` (a source called `=HYPERLINK(...)` stays text)."""
    snap = snapshot(request)
    try:
        chosen = parse_filter(request.query_params, request.query_params.getlist("flag"))
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None
    sources = dict(source_options(request))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for p in snap.summaries(select_persons(snap, chosen)):
        start = p.custody_start
        writer.writerow(
            neutral_row(
                [
                    p.person_id,
                    p.status.value,
                    "yes" if p.status_conflict else "",
                    p.status_as_of or "",
                    start[0] if start else "",
                    start[1] if start else "",
                    p.held_by or "",
                    p.last_news or "",
                    p.sex or "",
                    ";".join(sorted(p.flags)),
                    ";".join(sorted(p.place_ids)),
                    ";".join(sorted(p.facility_ids)),
                    # Each name defused: a spreadsheet that splits on ";" sees them as cells.
                    ";".join(sorted(str(neutralise(sources.get(s, s))) for s in p.source_ids)),
                    p.mentions,
                ]
            )
        )
    return download(buffer.getvalue(), "text/csv; charset=utf-8", "persons.csv")


@router.get("/persons/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, person_id: str, user: PersonsView) -> Response:
    return _person_response(request, person_id, user)


def _person_response(
    request: Request,
    person_id: str,
    user: User,
    *,
    linkage_error: str | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The person page (404 when no current mention is linked to the id); with a merge or
    split refused, the message and what was typed."""
    with get_workspace(request).read() as conn:
        detail = load_person(conn, person_id)
    if detail is None:
        raise HTTPException(404)
    summary = snapshot(request).get(person_id)
    mention_names: dict[str, Names] = {}
    notes: dict[str, str] = {}
    cipher = get_cipher(request)
    if cipher is not None:
        mention_names = name_index(request, cipher).names_of_mentions(m.id for m in detail.mentions)
        if user.can("reports.text"):
            notes = _notes(request, [m.id for m in detail.mentions])
        shown = sum(len(n.written()) for n in mention_names.values())
        if shown or notes:
            audit_name_read(request, "person page", shown + len(notes), person_id)
    lang = i18n.language_of(request)
    return render(
        request,
        "person.html",
        {
            "detail": detail,
            "summary": summary,
            "names": mention_names,
            "person_names": person_names(
                (mention_names[m.id], m.source) for m in detail.mentions if m.id in mention_names
            ),
            "notes": notes,
            "today": today(request),
            "place_label": lambda place_id: place_label(place_id, lang),
            "linkage_error": linkage_error,
            "linkage_values": values or {},
            "key_loaded": request.app.state.cipher is not None,
            "consent": consent_panel(request, user, person_id),
        },
        status_code=status_code,
    )


# -- merge and split (record linkage by hand; see refwatch.linkage.edits) ---------------


def _has_current_mentions(request: Request, person_id: str) -> bool:
    with get_workspace(request).read() as conn:
        found = conn.execute(
            current_mentions().where(links.c.person_id == person_id).limit(1)
        ).first()
    return found is not None


def _person_id(text: str) -> str:
    """What a reviewer typed as a person id: "P-000123", "p-123" and "123" are one id."""
    cleaned = text.strip().upper()
    digits = cleaned.removeprefix("P-").removeprefix("P")
    return f"P-{int(digits):06d}" if digits.isdigit() and len(digits) <= 9 else cleaned


def _edit_refused(
    request: Request,
    person_id: str,
    user: User,
    message: str,
    values: dict[str, Any],
    status_code: int = 400,
) -> Response:
    """The person page again, saying why the merge or split was refused, with what was typed."""
    return _person_response(
        request, person_id, user, linkage_error=message, values=values, status_code=status_code
    )


def _edited(
    request: Request,
    person_id: str,
    user: User,
    values: dict[str, Any],
    edit: Callable[[Workspace, FieldCipher | None], str],
    *,
    invalid: str | None = None,
) -> Response:
    """Make the merge or split and go to the person `edit` names; a refusal (409 for a
    conflict, else 400) shows the page again, as does `invalid`, the form's own refusal,
    before anything is tried."""
    if invalid is not None:
        return _edit_refused(request, person_id, user, gettext(request, invalid), values)
    try:
        target = edit(get_workspace(request), get_cipher(request))
    except RefWatchError as exc:
        message = gettext(request, "Nothing was changed: %(why)s", why=str(exc))
        code = 409 if isinstance(exc, ConflictError) else 400
        return _edit_refused(request, person_id, user, message, values, code)
    return RedirectResponse(f"/persons/{target}", status_code=303)


@router.post("/persons/{person_id}/merge", response_class=HTMLResponse)
def merge_person(
    request: Request,
    person_id: str,
    reader: PersonsView,
    user: LinkageReview,
    other: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Make this person and another one person; go to the one that keeps its id."""
    if not _has_current_mentions(request, person_id):
        raise HTTPException(404)
    why = reason.strip()
    values: dict[str, Any] = {"other": other.strip(), "reason": why}
    other_id = _person_id(other)
    return _edited(
        request,
        person_id,
        user,
        values,
        lambda workspace, cipher: merge_persons(
            workspace, [person_id, other_id], user.actor, why or None, cipher=cipher
        ).persons[0],
        invalid=None
        if other_id and other_id != person_id
        else "Give the id of another person to merge with this one.",
    )


@router.post("/persons/{person_id}/split", response_class=HTMLResponse)
def split_off(
    request: Request,
    person_id: str,
    reader: PersonsView,
    user: LinkageReview,
    mention: Annotated[list[str] | None, Form()] = None,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Move the chosen mentions of this person into a new person; go to the new person."""
    if not _has_current_mentions(request, person_id):
        raise HTTPException(404)
    chosen = sorted({m.strip() for m in mention or [] if m.strip()})
    why = reason.strip()
    values: dict[str, Any] = {"mentions": chosen, "reason": why}
    return _edited(
        request,
        person_id,
        user,
        values,
        lambda workspace, cipher: split_person(
            workspace, person_id, chosen, user.actor, why or None, cipher=cipher
        ).created[0],
        invalid="Choose the mentions to move into a new person."
        if not chosen or any(len(m) > 36 for m in chosen)
        else None,
    )


def _notes(request: Request, mention_ids: list[str]) -> dict[str, str]:
    cipher = get_cipher(request)
    assert cipher is not None
    found: dict[str, str] = {}
    with get_workspace(request).read() as conn:
        rows = conn.execute(
            select(mentions.c.id, mentions.c.notes_enc).where(
                mentions.c.id.in_(mention_ids), mentions.c.notes_enc.is_not(None)
            )
        )
        for row in rows:
            text = cipher.open("mentions", "notes", row.id, row.notes_enc)
            if text:
                found[row.id] = text
    return found
