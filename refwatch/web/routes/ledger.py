"""The number ledger as a list: every recorded number, newest first, searchable, with
whether today's data still gives it (`refwatch ledger list`).

Each entry opens at `/ledger/{id}` (routes/counts.py). Viewers see the entries the one
disclosure rule lets them open (no source they may not name, no small numbers), without
who recorded them or why.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from refwatch.counting.ledger import LEDGER_KINDS
from refwatch.counting.ledger_check import ledger_listing
from refwatch.web import count_disclosure
from refwatch.web.deps import get_workspace
from refwatch.web.roles import CountsView
from refwatch.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = 50
_ID = "L-"


@router.get("/ledger", response_class=HTMLResponse)
def ledger_list_page(request: Request, user: CountsView) -> Response:
    """Entries newest first; `kind`, `q` (text in the question, purpose or actor) and
    `before` (an entry id, for the next page) narrow them."""
    params = request.query_params
    kind = params.get("kind") or None
    if kind not in (None, *LEDGER_KINDS):
        kind = None
    search = (params.get("q") or "").strip()[:200] or None
    before = params.get("before") or None
    if before is not None and not (before.startswith(_ID) and before[2:].isdigit()):
        before = None
    if not user.can("persons.view"):
        search = None  # who asked and why are not a viewer's to search
    entries = ledger_listing(
        get_workspace(request), kind=kind, search=search, before=before, limit=PAGE + 1
    )
    more = len(entries) > PAGE
    shown = [e for e in entries[:PAGE] if count_disclosure.may_read_entry(user, e)]
    may_list = user.can("persons.view")
    rows: list[dict[str, Any]] = [
        {
            "id": e["id"],
            "created_at": e["created_at"][:16],
            "kind": e["kind"],
            "at_least": e["at_least"] if e["kind"] != "estimate" else None,
            "at_most": e["at_most"],
            "number": e["number"],
            "same_today": e["same_today"],
            "actor": e["actor"] if may_list else None,
            "purpose": e["purpose"] if may_list else None,
        }
        for e in shown
    ]
    return render(
        request,
        "ledger_list.html",
        {
            "rows": rows,
            "kinds": LEDGER_KINDS,
            "kind": kind,
            "q": search or "",
            "may_list": may_list,
            "next_before": entries[PAGE - 1]["id"] if more else None,
        },
    )
