"""Claims: figures other organisations published, each beside our own count for the same
question, with a form to record one and a button to remove one recorded by mistake.

Reading the list needs `context.view` (claims are context: published figures, no person);
the sentence a claim was read from is sealed, so it is shown only to roles that read
report text, and each showing is audited. Recording and removing need `context.write`.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refwatch.counting.claims_check import compare_claims
from refwatch.domain.enums import EventType, Flag, Sex, SourceType, Status
from refwatch.domain.errors import InputError
from refwatch.intake.claims import ClaimInput, delete_claim, list_claims, record_claim
from refwatch.intake.extract.model import QUALIFIERS
from refwatch.web.deps import (
    MAX_FORM_FIELDS,
    MAX_FORM_PART,
    User,
    audit_name_read,
    get_cipher,
    get_workspace,
)
from refwatch.web.i18n import error_text
from refwatch.web.roles import ContextView, ContextWrite
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)

FIELDS = (
    "source",
    "source_type",
    "published_on",
    "number",
    "qualifier",
    "event",
    "status",
    "sex",
    "place",
    "from",
    "to",
)
MAX_SENTENCE = 5_000


def _choices() -> dict[str, list[str]]:
    return {
        "source_type": [t.value for t in SourceType],
        "qualifier": list(QUALIFIERS),
        "event": [e.value for e in EventType],
        "status": [s.value for s in Status],
        "sex": [s.value for s in Sex],
        "flags": [f.value for f in Flag],
    }


def _page(
    request: Request,
    user: User,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    workspace = get_workspace(request)
    cipher = get_cipher(request) if user.can("reports.text") else None
    with workspace.read() as conn:
        claims = list_claims(conn, cipher)
    comparisons = compare_claims(workspace, claims=claims)
    shown = sum(1 for c in claims if c.text)
    if shown:
        audit_name_read(request, "claims page", shown)
    return render(
        request,
        "claims.html",
        {
            "rows": [
                {"claim": c.claim, "comparison": c, "figure": c.claim.figure()} for c in comparisons
            ],
            "choices": _choices(),
            "values": values or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request, user: ContextView) -> Response:
    return _page(request, user)


@router.post("/claims", response_class=HTMLResponse)
async def add_claim(request: Request, user: ContextWrite) -> Response:
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART)
    values: dict[str, Any] = {name: str(form.get(name) or "").strip() for name in FIELDS}
    values["flags"] = [str(f) for f in form.getlist("flags") if f][:20]
    values["text"] = str(form.get("text") or "").strip()
    return await run_in_threadpool(_add, request, user, values)


def _add(request: Request, user: User, values: dict[str, Any]) -> Response:
    errors: dict[str, str] = {}
    if not values["source"]:
        errors["source"] = gettext(request, "Name the source: who published or told this.")
    number = values["number"]
    if not re.fullmatch(r"\d{1,9}", number):
        errors["number"] = gettext(request, "Give the figure as a whole number, e.g. 41.")
    if len(values["text"]) > MAX_SENTENCE:
        errors["text"] = gettext(request, "The sentence is too long.")
    if errors:
        return _page(request, user, values, errors, status_code=422)
    claim = ClaimInput(
        source=values["source"],
        source_type=values["source_type"] or None,
        published_on=values["published_on"] or None,
        number=int(number),
        qualifier=values["qualifier"] or "exact",
        event=values["event"] or None,
        status=values["status"] or None,
        flags=tuple(values["flags"]),
        sex=values["sex"] or None,
        place=values["place"] or None,
        period_from=values["from"] or None,
        period_to=values["to"] or None,
        text=values["text"],
    )
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, gettext(request, "The server was started without the key."))
    try:
        with get_workspace(request).write() as conn:
            record_claim(conn, cipher, claim, actor=user.actor, where="form")
    except InputError as exc:
        message = error_text(request, InputError(exc.reason, value=exc.value))
        return _page(request, user, values, {exc.column or "source": message}, 422)
    return RedirectResponse("/claims", status_code=303)


@router.post("/claims/{claim_id}/delete", response_class=HTMLResponse)
def remove_claim(request: Request, claim_id: str, user: ContextWrite) -> Response:
    if len(claim_id) > 64:
        raise HTTPException(404)
    try:
        with get_workspace(request).write() as conn:
            delete_claim(conn, claim_id, actor=user.actor)
    except InputError:
        raise HTTPException(404) from None
    return RedirectResponse("/claims", status_code=303)
