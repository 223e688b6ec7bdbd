"""Consent and case files on the person page: record a consent, download a case file.

Why here and this shape: both are adapters over one library function each
(`refwatch.store.consents.record_consent`, `refwatch.publish.casefile.make_casefile`), the
same ones `refwatch consent set` and `refwatch casefile` call, so the web refuses the
same persons and audits the same way. Both need `persons.view` first (a viewer gets 404,
as for the person page), then their own permission, held by researchers and admins (an
analyst gets 403). A case file is rendered in memory and sent as an attachment whose
name is made of the person id only: it is never written to the workspace folder, so no
copy naming the person stays on the server. The consent's basis and exception are
sealed; they are shown, and that read audited, only to roles that may see names.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refwatch.domain.consent import LEVELS, Use, decide, parse_level
from refwatch.domain.errors import ConflictError, InputError
from refwatch.persons.timeline import load_person
from refwatch.publish.casefile import (
    FORMATS,
    ConsentRefusedError,
    UnknownPersonsError,
    make_casefile,
)
from refwatch.publish.casefile_content import KINDS
from refwatch.store import consents
from refwatch.store.consents import UnknownSubjectError
from refwatch.web.caches import snapshot, today
from refwatch.web.deps import User, audit_name_read, get_cipher, get_workspace, now
from refwatch.web.responses import download
from refwatch.web.roles import CasefilesMake, ConsentWrite, PersonsView
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
LOCKED = "Names are locked: the server was started without the key."
REFUSAL_REASONS = {
    "not_recorded": "no consent is recorded",
    "below": "the consent recorded does not allow naming the person",
}


def group_members_allowed(request: Request, person_id: str) -> list[str]:
    """The other members of the person's groups whose consent allows a case file: the
    ones a group case file from the person page takes along (decided here, on the server,
    never from ids a form sends)."""
    with get_workspace(request).read() as conn:
        detail = load_person(conn, person_id)
        if detail is None:
            return []
        others = sorted({m for g in detail.groups for m in g.members if m != person_id})
        found = consents.effective_consents(conn, others)
    return [p for p in others if decide(found[p], Use.CASE_FILE).allowed]


def consent_panel(request: Request, user: User, person_id: str) -> dict[str, Any]:
    """What the person page shows about consent: the effective level, whether a case file
    is allowed (and which group members could join it), and the history (with its texts
    for roles that may see names)."""
    with get_workspace(request).read() as conn:
        effective = consents.effective_consent(conn, person_id)
        history = consents.history(conn, person_id)
    cipher = get_cipher(request)
    entries = []
    for record in reversed(history):
        opened = consents.open_texts(cipher, record) if cipher is not None else None
        entries.append(
            {
                "record": record,
                "basis": None if opened is None else opened.basis,
                "exception": None if opened is None else opened.exception,
            }
        )
    shown = sum(1 for e in entries if e["basis"] or e["exception"])
    if shown:
        audit_name_read(request, "person page consent", shown, person_id)
    return {
        "effective": effective,
        "casefile": decide(effective, Use.CASE_FILE),
        "group_allowed": group_members_allowed(request, person_id)
        if user.can("casefiles.make")
        else [],
        "history": entries,
        "levels": LEVELS,
        "kinds": KINDS,
        "formats": FORMATS,
        "key_loaded": request.app.state.cipher is not None,
    }


def _refused(request: Request, person_id: str, message: str, status_code: int) -> Response:
    return render(
        request,
        "casefile_refused.html",
        {"person_id": person_id, "message": message},
        status_code=status_code,
    )


def _exists(request: Request, person_id: str) -> bool:
    if "\x00" in person_id or len(person_id) > 16:
        return False
    with get_workspace(request).read() as conn:
        return load_person(conn, person_id) is not None


@router.post("/persons/{person_id}/consent", response_class=HTMLResponse)
def set_consent(
    request: Request,
    person_id: str,
    reader: PersonsView,
    user: ConsentWrite,
    level: Annotated[str, Form(max_length=40)] = "",
    basis: Annotated[str, Form(max_length=4000)] = "",
    exception_level: Annotated[str, Form(max_length=40)] = "",
    exception: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record a new consent for the person (the old one stays in the history)."""
    if not _exists(request, person_id):
        raise HTTPException(404)
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, gettext(request, LOCKED))
    try:
        chosen = parse_level(level)
        allowed = parse_level(exception_level) if exception_level.strip() else None
    except ValueError:
        message = gettext(request, "Choose a consent level from the list.")
        return _refused(request, person_id, message, 400)
    try:
        consents.record_consent(
            get_workspace(request),
            cipher,
            person_id=person_id,
            level=chosen,
            basis=basis,
            exception_level=allowed,
            exception=exception or None,
            actor=user.actor,
            now=now(request),
        )
    except UnknownSubjectError:
        raise HTTPException(404) from None
    except (InputError, ConflictError) as exc:
        message = gettext(request, "Nothing was changed: %(why)s", why=str(exc))
        return _refused(request, person_id, message, 409 if isinstance(exc, ConflictError) else 400)
    return RedirectResponse(f"/persons/{person_id}#consent", status_code=303)


@router.post("/persons/{person_id}/casefile")
def casefile(
    request: Request,
    person_id: str,
    reader: PersonsView,
    user: CasefilesMake,
    kind: Annotated[str, Form(max_length=20)] = "",
    fmt: Annotated[str, Form(alias="format", max_length=10)] = "pdf",
    group: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """The person's case file as a download (PDF or DOCX), if their consent allows it;
    with `group=1`, together with the members of their group whose consent allows it."""
    if not _exists(request, person_id):
        raise HTTPException(404)
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, gettext(request, LOCKED))
    workspace = get_workspace(request)
    try:
        output = make_casefile(
            workspace,
            cipher,
            [person_id, *(group_members_allowed(request, person_id) if group == "1" else [])],
            load_person=load_person,
            statuses=lambda: snapshot(request),
            actor=user.actor,
            kind=kind or None,
            fmt=fmt,
            as_of=today(request),
        )
    except UnknownPersonsError:
        raise HTTPException(404) from None
    except ConsentRefusedError as exc:
        reason = REFUSAL_REASONS.get(exc.refused.get(person_id, ""), "")
        message = gettext(
            request,
            "A case file names the person: it needs their consent to named advocacy, or a "
            "documented exception. Here %(why)s.",
            why=gettext(request, reason) if reason else "—",
        )
        return _refused(request, person_id, message, 403)
    except InputError:
        message = gettext(request, "Choose a kind of case file and a format from the lists.")
        return _refused(request, person_id, message, 400)
    return download(output.data, output.media_type, output.file_name)
