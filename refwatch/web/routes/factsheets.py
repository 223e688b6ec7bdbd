"""Fact sheets from the browser: the form, the sheet shown in the page, HTML and PDF downloads.

Why this shape: a fact sheet is the same document `refwatch factsheet` writes, saved,
listed, deleted and audited by the same functions (`refwatch.publish.artifacts`), so its
numbers are in the ledger and its footnotes point at ledger entries, which the page turns
into links to `/ledger/{id}`; sheets made on the command line are in the list too.

The internal edition lists persons still held by pseudonymous id (the urgent-action list),
so making, opening or deleting one needs `persons.view`; the public edition carries no name and no
id and goes through disclosure control (the engine's job; the tests read the bytes). The
downloads are attachments and, like every page, `Cache-Control: no-store`.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from refwatch.counting.query import make_query
from refwatch.domain.errors import DateError, InputError
from refwatch.publish import artifacts
from refwatch.publish.artifacts import SheetInfo
from refwatch.publish.disclosure import DEFAULT_THRESHOLD
from refwatch.web.deps import User, get_workspace
from refwatch.web.responses import download, or_404
from refwatch.web.roles import FactsheetsMake
from refwatch.web.routes.counts import engine_message
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)

EDITIONS = ("public", "internal")
MAX_THRESHOLD = 100
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_FOOTNOTE = re.compile(r"Number ledger entry (L-\d+)")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def may_open(user: User, sheet: SheetInfo) -> bool:
    """The internal edition lists persons by id: only for roles that may read persons."""
    return sheet.public or user.can("persons.view")


DELETE_REFUSED = "Only whoever made this fact sheet, or an admin, may delete it."


def may_delete(user: User, sheet: SheetInfo) -> bool:
    """A fact sheet is deleted by whoever made it or by an admin: an analyst may not
    remove a researcher's internal edition (or anyone else's)."""
    return sheet.actor == user.actor or user.can("users.manage")


def preview_of(html: str) -> Markup:
    """The sheet's body for showing inside a page, its footnotes linked to the ledger.

    The document comes from the fact-sheet template with autoescaping on (no value in it
    is raw), so its body can go into the page as is; its own <style> stays out, the page
    styles it.
    """
    found = _BODY.search(html)
    body = found.group(1) if found else ""
    linked = _FOOTNOTE.sub(r'Number ledger entry <a href="/ledger/\1">\1</a>', body)
    return Markup(linked)  # noqa: S704 (autoescaped by the fact-sheet template)


def _form_page(
    request: Request,
    user: User,
    values: dict[str, str],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "factsheets.html",
        {
            "values": values,
            "error": error,
            "sheets": artifacts.recent_sheets(
                get_workspace(request), internal=user.can("persons.view")
            ),
            "may_internal": user.can("persons.view"),
            "default_threshold": DEFAULT_THRESHOLD,
            "deleted": request.query_params.get("deleted") == "1",
        },
        status_code=status_code,
    )


@router.get("/factsheets", response_class=HTMLResponse)
def factsheets_page(request: Request, user: FactsheetsMake) -> Response:
    """The form, and the fact sheets made lately."""
    return _form_page(request, user, {"edition": "public", "threshold": str(DEFAULT_THRESHOLD)})


def checked_threshold(request: Request, raw: str) -> int:
    """The disclosure threshold from a form (fact sheets and public releases)."""
    try:
        threshold = int(raw or DEFAULT_THRESHOLD)
    except ValueError:
        raise InputError(
            gettext(request, "The disclosure threshold must be a whole number.")
        ) from None
    if not 1 <= threshold <= MAX_THRESHOLD:
        raise InputError(
            gettext(
                request, "The disclosure threshold must be between 1 and %(n)s.", n=MAX_THRESHOLD
            )
        )
    return threshold


SMALL_THRESHOLD_REFUSED = "A disclosure threshold below %(n)s needs an admin."


def check_public_threshold(request: Request, user: User, threshold: int) -> None:
    """Public outputs (a public fact sheet, a data release) suppress cells below the
    threshold; one below DEFAULT_THRESHOLD (1 suppresses nothing) is an admin's call."""
    if threshold < DEFAULT_THRESHOLD and not user.can("users.manage"):
        raise PermissionError(gettext(request, SMALL_THRESHOLD_REFUSED, n=DEFAULT_THRESHOLD))


def _checked(request: Request, user: User, values: dict[str, str]) -> tuple[bool, int, str | None]:
    """(public, threshold, as_of) from the form; InputError/DateError/PermissionError."""
    edition = values["edition"]
    if edition not in EDITIONS:
        raise InputError(gettext(request, "Choose the public or the internal edition."))
    public = edition == "public"
    if not public and not user.can("persons.view"):
        raise PermissionError(
            gettext(request, "The internal edition lists persons by id: your role may not.")
        )
    threshold = checked_threshold(request, values["threshold"])
    if public:
        check_public_threshold(request, user, threshold)
    if not values["from"] or not values["to"]:
        raise InputError(gettext(request, "A fact sheet needs a period: fill in From and To."))
    as_of = values["as_of"] or None
    # Check every date before a folder or a ledger entry is made.
    make_query(period_from=values["from"], period_to=values["to"], as_of=as_of)
    return public, threshold, as_of


@router.post("/factsheets", response_class=HTMLResponse)
def make_factsheet(
    request: Request,
    user: FactsheetsMake,
    period_from: Annotated[str, Form(alias="from", max_length=200)] = "",
    period_to: Annotated[str, Form(alias="to", max_length=200)] = "",
    edition: Annotated[str, Form(max_length=20)] = "public",
    threshold: Annotated[str, Form(max_length=10)] = "",
    as_of: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Make and save the fact sheet as `refwatch factsheet` does, then show it."""
    values = {
        "from": period_from.strip(),
        "to": period_to.strip(),
        "edition": edition.strip(),
        "threshold": threshold.strip(),
        "as_of": as_of.strip(),
    }
    try:
        public, limit, status_date = _checked(request, user, values)
    except PermissionError as exc:
        return _form_page(request, user, values, error=str(exc), status_code=403)
    except (InputError, DateError) as exc:
        return _form_page(
            request, user, values, error=engine_message(request, exc), status_code=422
        )
    try:
        saved = artifacts.make_factsheet(
            get_workspace(request),
            period_from=values["from"],
            period_to=values["to"],
            public=public,
            as_of=status_date,
            threshold=limit,
            actor=user.actor,
        )
    except (InputError, DateError) as exc:
        return _form_page(
            request, user, values, error=engine_message(request, exc), status_code=422
        )
    return RedirectResponse(f"/factsheets/{saved.info.id}", status_code=303)


def _opened(request: Request, user: User, sheet_id: str) -> SheetInfo:
    sheet = artifacts.load_sheet(get_workspace(request), sheet_id)
    if sheet is None or not may_open(user, sheet):
        raise HTTPException(404)
    return sheet


def _download(request: Request, user: User, sheet_id: str, kind: str) -> Response:
    sheet = _opened(request, user, sheet_id)
    # 404 too if the sheet was deleted meanwhile
    content = or_404(artifacts.sheet_file(get_workspace(request), sheet, kind))
    return download(content, MEDIA_TYPES[kind], sheet.download_name(kind))


# The two downloads come before the page so "/factsheets/<id>.pdf" is never read as an id.
@router.get("/factsheets/{sheet_id}.pdf")
def factsheet_pdf(request: Request, sheet_id: str, user: FactsheetsMake) -> Response:
    return _download(request, user, sheet_id, "pdf")


@router.get("/factsheets/{sheet_id}.html")
def factsheet_html(request: Request, sheet_id: str, user: FactsheetsMake) -> Response:
    return _download(request, user, sheet_id, "html")


@router.get("/factsheets/{sheet_id}", response_class=HTMLResponse)
def factsheet_page(request: Request, sheet_id: str, user: FactsheetsMake) -> Response:
    """The sheet in the page, with its downloads and its ledger entries."""
    sheet = _opened(request, user, sheet_id)
    # 404 too if the sheet was deleted meanwhile
    document = or_404(artifacts.sheet_file(get_workspace(request), sheet, "html"))
    context = {"sheet": sheet, "preview": preview_of(document.decode("utf-8"))}
    return render(request, "factsheets_sheet.html", context)


@router.post("/factsheets/{sheet_id}/delete")
def factsheet_delete(request: Request, sheet_id: str, user: FactsheetsMake) -> Response:
    """Remove a sheet's files (an internal edition lists persons by id, so it should not
    outlive its use): `artifacts.delete_sheet`, audited; of two deletes at once one
    answers 404."""
    sheet = _opened(request, user, sheet_id)
    if not may_delete(user, sheet):
        raise HTTPException(403, gettext(request, DELETE_REFUSED))
    if not artifacts.delete_sheet(get_workspace(request), sheet, user.actor):
        raise HTTPException(404)
    return RedirectResponse("/factsheets?deleted=1", status_code=303)
