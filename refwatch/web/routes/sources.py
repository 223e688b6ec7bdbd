"""Sources: the list, a source's page, its reliability grade and its (sealed) contact.

The grade and the contact are changed, sealed and audited by `refwatch.intake.sources`
(as `refwatch sources` does). A contact is shown only with `sources.contacts`, and every
read is logged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refwatch.domain.errors import InputError
from refwatch.intake import sources
from refwatch.intake.reports import ReportFilter, report_page
from refwatch.intake.sources import GRADES, MAX_CONTACT, UnknownSource, source_row, source_rows
from refwatch.web import evidence_format  # noqa: F401 (registers template helpers)
from refwatch.web.deps import Page, User, audit_name_read, get_workspace
from refwatch.web.responses import page_count
from refwatch.web.roles import EvidenceWrite, SourcesContacts, SourcesView
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/sources", response_class=HTMLResponse)
def sources_list(request: Request, user: SourcesView) -> Response:
    with get_workspace(request).read() as conn:
        rows = source_rows(conn)
    return render(request, "sources.html", {"sources": rows, "grades": GRADES})


def _source_page(
    request: Request, user: User, source_id: str, page: int = 1, error: str | None = None
) -> Response:
    with get_workspace(request).read() as conn:
        row = source_row(conn, source_id)
        if row is None:
            raise HTTPException(404)
        page = max(page, 1)
        items, total = report_page(
            conn, ReportFilter(source=source_id), (page - 1) * PAGE_SIZE, PAGE_SIZE
        )
        cipher = request.app.state.cipher
        contact = None
        if user.can("sources.contacts") and cipher is not None:
            contact = sources.contact_of(conn, cipher, source_id)
    if contact is not None:
        audit_name_read(request, "source contact", 1, source_id)
    return render(
        request,
        "source.html",
        {
            "source": row,
            "reports": items,
            "total": total,
            "page": page,
            "pages": page_count(total, PAGE_SIZE),
            "grades": GRADES,
            "contact": contact,
            "error": error,
        },
        status_code=400 if error else 200,
    )


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(request: Request, source_id: str, user: SourcesView, page: Page = 1) -> Response:
    return _source_page(request, user, source_id, page)


@router.post("/sources/{source_id}/reliability", response_class=HTMLResponse)
def set_reliability(
    request: Request,
    source_id: str,
    user: EvidenceWrite,
    grade: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    try:
        sources.set_reliability(get_workspace(request), source_id, grade, user.actor)
    except UnknownSource:
        raise HTTPException(404) from None
    except InputError:
        return _source_page(request, user, source_id, error=gettext(request, "Choose a grade A–F."))
    return RedirectResponse(f"/sources/{source_id}", status_code=303)


@router.post("/sources/{source_id}/contact", response_class=HTMLResponse)
def set_contact(
    request: Request,
    source_id: str,
    user: SourcesContacts,
    contact: Annotated[str, Form(max_length=MAX_CONTACT)] = "",
) -> Response:
    if not user.can("evidence.write"):
        raise HTTPException(403)
    cipher = request.app.state.cipher
    if cipher is None:
        raise HTTPException(503, gettext(request, "The server was started without the key."))
    try:
        sources.set_contact(get_workspace(request), cipher, source_id, contact, user.actor)
    except UnknownSource:
        raise HTTPException(404) from None
    return RedirectResponse(f"/sources/{source_id}", status_code=303)
