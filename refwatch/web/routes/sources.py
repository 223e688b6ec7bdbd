"""Sources: the list, a source's page, its reliability grade and its (sealed) contact.

A grade (Admiralty scale A–F) is a researcher's judgement, changed in place and audited
with the old and new grade. A contact is protected: shown only with `sources.contacts`,
every read logged, stored sealed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select, update

from refwatch.store import audit
from refwatch.store.queries import sources
from refwatch.web import evidence_format  # noqa: F401 (registers template helpers)
from refwatch.web.deps import Page, User, audit_name_read, get_workspace, require
from refwatch.web.evidence_queries import GRADES, ReportFilter, report_page, source_row, source_rows
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, Depends(require("sources.view"))]
Writer = Annotated[User, Depends(require("evidence.write"))]
ContactReader = Annotated[User, Depends(require("sources.contacts"))]
PAGE_SIZE = 50
MAX_CONTACT = 2000


@router.get("/sources", response_class=HTMLResponse)
def sources_list(request: Request, user: Reader) -> Response:
    with get_workspace(request).read() as conn:
        rows = source_rows(conn)
    return render(request, "sources.html", {"sources": rows, "grades": GRADES})


def open_contact(request: Request, source_id: str, blob: bytes | None) -> str | None:
    cipher = request.app.state.cipher
    if blob is None or cipher is None:
        return None
    value = cipher.open("sources", "contact", source_id, blob)
    assert value is None or isinstance(value, str)
    return value


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
        blob = conn.execute(
            select(sources.c.contact_enc).where(sources.c.id == source_id)
        ).scalar_one_or_none()
    contact = None
    if user.can("sources.contacts") and blob is not None:
        contact = open_contact(request, source_id, blob)
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
            "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            "grades": GRADES,
            "contact": contact,
            "error": error,
        },
        status_code=400 if error else 200,
    )


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(request: Request, source_id: str, user: Reader, page: Page = 1) -> Response:
    return _source_page(request, user, source_id, page)


@router.post("/sources/{source_id}/reliability", response_class=HTMLResponse)
def set_reliability(
    request: Request,
    source_id: str,
    user: Writer,
    grade: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    value = grade.strip().upper() or None
    if value is not None and value not in GRADES:
        return _source_page(request, user, source_id, error=gettext(request, "Choose a grade A–F."))
    with get_workspace(request).write() as conn:
        old = conn.execute(select(sources.c.reliability).where(sources.c.id == source_id)).first()
        if old is None:
            raise HTTPException(404)
        conn.execute(update(sources).where(sources.c.id == source_id).values(reliability=value))
        audit.log(
            conn,
            user.actor,
            "source.reliability",
            table_name="sources",
            record_id=source_id,
            details={"from": old.reliability, "to": value},
        )
    return RedirectResponse(f"/sources/{source_id}", status_code=303)


@router.post("/sources/{source_id}/contact", response_class=HTMLResponse)
def set_contact(
    request: Request,
    source_id: str,
    user: ContactReader,
    contact: Annotated[str, Form(max_length=MAX_CONTACT)] = "",
) -> Response:
    if not user.can("evidence.write"):
        raise HTTPException(403)
    cipher = request.app.state.cipher
    if cipher is None:
        raise HTTPException(503, gettext(request, "The server was started without the key."))
    value = contact.strip() or None
    with get_workspace(request).write() as conn:
        exists = conn.execute(select(sources.c.id).where(sources.c.id == source_id)).first()
        if exists is None:
            raise HTTPException(404)
        sealed = cipher.seal("sources", "contact", source_id, value)
        conn.execute(update(sources).where(sources.c.id == source_id).values(contact_enc=sealed))
        audit.log(
            conn,
            user.actor,
            "source.contact",
            table_name="sources",
            record_id=source_id,
            details={"set": value is not None},
        )
    return RedirectResponse(f"/sources/{source_id}", status_code=303)
