"""Fact sheets from the browser: the form, the sheet shown in the page, HTML and PDF downloads.

Why this shape: a fact sheet is the same document `refwatch factsheet` writes, made by the
same function (`build_factsheet`), so its numbers are in the ledger and its footnotes
point at ledger entries, which the page turns into links to `/ledger/{id}`. Each sheet is
written to a folder of its own under the workspace folder (`factsheets/<random id>/`,
with a small `sheet.json` saying what it is), so a download is a file read, never a
rebuild, and the ledger ids in it stay the ones it was made with.

The internal edition lists persons still held by pseudonymous id (the urgent-action list),
so making, opening or deleting one needs `persons.view`; the public edition carries no name and no
id and goes through disclosure control (the engine's job; the tests read the bytes). The
downloads are attachments and, like every page, `Cache-Control: no-store`.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from refwatch.counting.query import make_query
from refwatch.domain.errors import DateError, InputError
from refwatch.publish.disclosure import DEFAULT_THRESHOLD
from refwatch.publish.factsheet import build_factsheet
from refwatch.store import audit
from refwatch.store.workspace import Workspace
from refwatch.web.deps import User, get_workspace, require
from refwatch.web.routes.counts import engine_message
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
Maker = Annotated[User, Depends(require("factsheets.make"))]

FOLDER = "factsheets"
DELETING = ".deleting-"  # a sheet's folder while it is being deleted (never a sheet id)
META = "sheet.json"
SHEET_ID = re.compile(r"^[0-9a-f]{24}$")
EDITIONS = ("public", "internal")
MAX_THRESHOLD = 100
LISTED = 20
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_FOOTNOTE = re.compile(r"Number ledger entry (L-\d+)")
FILES = {
    "html": ("factsheet.html", "text/html; charset=utf-8"),
    "pdf": ("factsheet.pdf", "application/pdf"),
}


@dataclass(frozen=True)
class SheetInfo:
    """What `sheet.json` says about a fact sheet made from the web."""

    id: str
    public: bool
    period_from: str
    period_to: str
    as_of: str | None
    threshold: int
    created_at: str
    actor: str
    ledger_ids: list[str]
    headlines: list[str]

    @property
    def edition(self) -> str:
        return "public" if self.public else "internal"

    def download_name(self, kind: str) -> str:
        safe = re.sub(r"[^0-9A-Za-z-]", "_", f"{self.period_from}-{self.period_to}")
        return f"refwatch-factsheet-{safe}-{self.edition}.{kind}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "public": self.public,
            "from": self.period_from,
            "to": self.period_to,
            "as_of": self.as_of,
            "threshold": self.threshold,
            "created_at": self.created_at,
            "actor": self.actor,
            "ledger_ids": self.ledger_ids,
            "headlines": self.headlines,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SheetInfo:
        return cls(
            id=str(data["id"]),
            public=bool(data["public"]),
            period_from=str(data["from"]),
            period_to=str(data["to"]),
            as_of=data.get("as_of"),
            threshold=int(data["threshold"]),
            created_at=str(data["created_at"]),
            actor=str(data["actor"]),
            ledger_ids=[str(i) for i in data["ledger_ids"]],
            headlines=[str(h) for h in data["headlines"]],
        )


def sheets_root(workspace: Workspace) -> Path:
    return workspace.path / FOLDER


def load_sheet(workspace: Workspace, sheet_id: str) -> SheetInfo | None:
    if not SHEET_ID.match(sheet_id):
        return None
    meta = sheets_root(workspace) / sheet_id / META
    try:
        text = meta.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # never made, or deleted meanwhile
        return None
    return SheetInfo.from_json(json.loads(text))


def may_open(user: User, sheet: SheetInfo) -> bool:
    """The internal edition lists persons by id: only for roles that may read persons."""
    return sheet.public or user.can("persons.view")


DELETE_REFUSED = "Only whoever made this fact sheet, or an admin, may delete it."


def may_delete(user: User, sheet: SheetInfo) -> bool:
    """A fact sheet is deleted by whoever made it or by an admin: an analyst may not
    remove a researcher's internal edition (or anyone else's)."""
    return sheet.actor == user.actor or user.can("users.manage")


def recent_sheets(workspace: Workspace, user: User) -> list[SheetInfo]:
    root = sheets_root(workspace)
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        sheet = load_sheet(workspace, folder.name)
        if sheet is not None and may_open(user, sheet):
            found.append(sheet)
    found.sort(key=lambda s: s.created_at, reverse=True)
    return found[:LISTED]


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
            "sheets": recent_sheets(get_workspace(request), user),
            "may_internal": user.can("persons.view"),
            "default_threshold": DEFAULT_THRESHOLD,
            "deleted": request.query_params.get("deleted") == "1",
        },
        status_code=status_code,
    )


@router.get("/factsheets", response_class=HTMLResponse)
def factsheets_page(request: Request, user: Maker) -> Response:
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
    user: Maker,
    period_from: Annotated[str, Form(alias="from", max_length=200)] = "",
    period_to: Annotated[str, Form(alias="to", max_length=200)] = "",
    edition: Annotated[str, Form(max_length=20)] = "public",
    threshold: Annotated[str, Form(max_length=10)] = "",
    as_of: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Build the fact sheet with `build_factsheet` (as `refwatch factsheet` does), then show it."""
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
    workspace = get_workspace(request)
    sheet_id = secrets.token_hex(12)
    folder = sheets_root(workspace) / sheet_id
    # Owner-only, like the counting cache: an internal edition lists pseudonymous ids.
    sheets_root(workspace).mkdir(mode=0o700, exist_ok=True)
    folder.mkdir(mode=0o700)
    try:
        sheet = build_factsheet(
            workspace,
            period_from=values["from"],
            period_to=values["to"],
            out_dir=folder,
            public=public,
            as_of=status_date,
            threshold=limit,
            actor=user.actor,
        )
    except (InputError, DateError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _form_page(
            request, user, values, error=engine_message(request, exc), status_code=422
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    info = SheetInfo(
        id=sheet_id,
        public=public,
        period_from=values["from"],
        period_to=values["to"],
        as_of=status_date,
        threshold=limit,
        created_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        actor=user.actor,
        ledger_ids=sheet.ledger_ids,
        headlines=sheet.headlines,
    )
    (folder / META).write_text(json.dumps(info.as_json(), ensure_ascii=False), encoding="utf-8")
    with workspace.write() as conn:
        audit.log(
            conn,
            user.actor,
            "factsheet.make",
            record_id=sheet_id,
            details={
                "edition": info.edition,
                "from": info.period_from,
                "to": info.period_to,
                "ledger_ids": info.ledger_ids,
            },
        )
    return RedirectResponse(f"/factsheets/{sheet_id}", status_code=303)


def _opened(request: Request, user: User, sheet_id: str) -> SheetInfo:
    sheet = load_sheet(get_workspace(request), sheet_id)
    if sheet is None or not may_open(user, sheet):
        raise HTTPException(404)
    return sheet


def _download(request: Request, user: User, sheet_id: str, kind: str) -> Response:
    sheet = _opened(request, user, sheet_id)
    name, media_type = FILES[kind]
    path = sheets_root(get_workspace(request)) / sheet.id / name
    try:
        content = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # never made, or deleted meanwhile
        raise HTTPException(404) from None
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{sheet.download_name(kind)}"',
            "Cache-Control": "no-store",
        },
    )


# The two downloads come before the page so "/factsheets/<id>.pdf" is never read as an id.
@router.get("/factsheets/{sheet_id}.pdf")
def factsheet_pdf(request: Request, sheet_id: str, user: Maker) -> Response:
    return _download(request, user, sheet_id, "pdf")


@router.get("/factsheets/{sheet_id}.html")
def factsheet_html(request: Request, sheet_id: str, user: Maker) -> Response:
    return _download(request, user, sheet_id, "html")


@router.get("/factsheets/{sheet_id}", response_class=HTMLResponse)
def factsheet_page(request: Request, sheet_id: str, user: Maker) -> Response:
    """The sheet in the page, with its downloads and its ledger entries."""
    sheet = _opened(request, user, sheet_id)
    html_path = sheets_root(get_workspace(request)) / sheet.id / FILES["html"][0]
    try:
        document = html_path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # never made, or deleted meanwhile
        raise HTTPException(404) from None
    context = {"sheet": sheet, "preview": preview_of(document)}
    return render(request, "factsheets_sheet.html", context)


@router.post("/factsheets/{sheet_id}/delete")
def factsheet_delete(request: Request, sheet_id: str, user: Maker) -> Response:
    """Remove a sheet's files (an internal edition lists persons by id, so it should not
    outlive its use); the ledger entries of its numbers stay, as every ledger entry does.

    The folder is first renamed out of sight (atomic: of two deletes at once, one finds
    nothing and answers 404), then the deletion is audited, then the files go. A folder
    left renamed by a crash is removed, and audited, by the next deletion.
    """
    sheet = _opened(request, user, sheet_id)
    if not may_delete(user, sheet):
        raise HTTPException(403, gettext(request, DELETE_REFUSED))
    workspace = get_workspace(request)
    root = sheets_root(workspace)
    try:
        (root / sheet.id).rename(root / f"{DELETING}{sheet.id}")
    except FileNotFoundError:
        raise HTTPException(404) from None
    with workspace.write() as conn:
        audit.log(
            conn,
            user.actor,
            "factsheet.delete",
            record_id=sheet.id,
            details={"edition": sheet.edition, "ledger_ids": sheet.ledger_ids},
        )
    for left in root.glob(f"{DELETING}*"):
        if left.name != f"{DELETING}{sheet.id}":
            _audit_leftover(workspace, left.name.removeprefix(DELETING))
        shutil.rmtree(left, ignore_errors=True)
    return RedirectResponse("/factsheets?deleted=1", status_code=303)


def _audit_leftover(workspace: Workspace, sheet_id: str) -> None:
    with workspace.write() as conn:
        audit.log(
            conn,
            "system",
            "factsheet.delete",
            record_id=sheet_id,
            details={"finished_after_interruption": True},
        )
