"""Exchanges between organisations: encode this workspace, link partners' encodings.

The web face of `refwatch share encode` and `refwatch share link` (`refwatch.share`):

- an admin makes an encoding of every person (the library audits it), typing the shared
  secret into a password field; the secret is used for this request only: it is never
  stored, logged, audited or shown again, and a refused secret is not echoed. The file
  is written once to `shares/<random id>/` in the workspace folder (owner-only) and
  downloaded as an attachment that is never cached; every download is audited;
- analysts and above link encoding files uploaded from partners (no secret, no name):
  the page shows the capture histories, the quality the scores reveal (histogram,
  estimated matches) and the log-linear estimate. The files pass through memory only
  and are read by the same checks as the CLI (`refwatch.share.fileformat`), so a bad
  file is refused with its name and line. Uploads are multipart and need the CSRF
  header (the page posts with htmx); the app's body limit (4 MB) caps them, enough for
  about 20,000 persons in all: larger exchanges use the command line.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from refwatch.estimate import EstimateOptions, EstimationError, estimate_from_table
from refwatch.share import fileformat
from refwatch.share.encoding import default_schema
from refwatch.share.errors import ShareError
from refwatch.share.link import LinkResult, link_files
from refwatch.share.workspace import encode_workspace
from refwatch.store import audit, saved
from refwatch.store.workspace import Workspace
from refwatch.web.deps import User, get_cipher, get_workspace
from refwatch.web.responses import download, or_404
from refwatch.web.roles import ShareEncode, ShareLink
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)

FOLDER = "shares"
META = "encoding.json"
DATA = "encoding.jsonl"
MAX_FILES = 15
NBOOT = 200

MESSAGES = {
    "share.secret_short": "The shared secret must be at least 16 characters.",
    "share.secret_long": "The shared secret is too long.",
    "share.bad_label": "The organisation label must be 1 to 80 plain characters.",
    "share.secret_mismatch": "These files were encoded with different secrets: every "
    "organisation must use the same shared secret.",
    "share.schema_mismatch": "These files were encoded with different settings.",
    "share.same_label": "Two files carry the same organisation label.",
    "share.too_few": "Choose encoding files from two or more organisations.",
    "share.too_many": "At most 15 files can be linked at once.",
}


def shares_root(workspace: Workspace) -> Path:
    return workspace.path / FOLDER


def load_encoding(workspace: Workspace, encoding_id: str) -> dict[str, Any] | None:
    return saved.load_record(shares_root(workspace), encoding_id, META)


def recent_encodings(workspace: Workspace) -> list[dict[str, Any]]:
    return saved.recent_records(shares_root(workspace), META)


def share_message(request: Request, exc: ShareError) -> str:
    """The library's refusal in the page's language (file and line kept as they are)."""
    known = MESSAGES.get(exc.code)
    if known is not None:
        return gettext(request, known)
    if exc.file is not None:
        return gettext(
            request,
            "%(file)s is not a valid encoding file (%(where)s): %(reason)s",
            file=exc.file,
            where=str(exc).split(": ", 1)[0],
            reason=str(exc).split(": ", 1)[-1],
        )
    return str(exc)


def _page(
    request: Request,
    user: User,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    workspace = get_workspace(request)
    return render(
        request,
        "share.html",
        {
            "values": values or {},
            "error": error,
            "can_encode": user.can("share.encode"),
            "encodings": recent_encodings(workspace) if user.can("share.encode") else [],
            "max_files": MAX_FILES,
        },
        status_code=status_code,
    )


@router.get("/share", response_class=HTMLResponse)
def share_page(request: Request, user: ShareLink) -> Response:
    """The link form (and, for admins, the encode form and the encodings made lately)."""
    return _page(request, user)


@router.post("/share/encode", response_class=HTMLResponse)
def make_encoding(
    request: Request,
    user: ShareEncode,
    organisation: Annotated[str, Form(max_length=200)] = "",
    shared_secret: Annotated[str, Form(max_length=5000)] = "",
    salt: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Encode every person with the typed secret; the file is kept for download."""
    label = organisation.strip()
    values: dict[str, Any] = {"organisation": label, "salt": bool(salt)}
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, gettext(request, "The server was started without the key."))
    workspace = get_workspace(request)
    try:
        made = encode_workspace(
            workspace,
            cipher,
            secret=shared_secret.encode("utf-8"),
            organisation=label,
            actor=user.actor,
            schema=default_schema(salt=bool(salt)),
        )
    except ShareError as exc:
        return _page(request, user, values=values, error=share_message(request, exc),
                     status_code=422)  # fmt: skip
    encoding_id, folder = saved.new_folder(shares_root(workspace))
    try:
        fileformat.write(made, folder / DATA)
        info = {
            "id": encoding_id,
            "organisation": made.organisation,
            "persons": len(made),
            "key_check": made.key_check,
            "salted": bool(salt),
            "created_at": saved.now_text(),
            "actor": user.actor,
        }
        (folder / META).write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return RedirectResponse(f"/share/encodings/{encoding_id}", status_code=303)


def _opened(request: Request, encoding_id: str) -> dict[str, Any]:
    return or_404(load_encoding(get_workspace(request), encoding_id))


# The download comes before the page so "/share/encodings/<id>.jsonl" is never an id.
@router.get("/share/encodings/{encoding_id}.jsonl")
def encoding_file(request: Request, encoding_id: str, user: ShareEncode) -> Response:
    """The encoding file, as an attachment (audited: it leaves the workspace)."""
    info = _opened(request, encoding_id)
    workspace = get_workspace(request)
    data = (shares_root(workspace) / str(info["id"]) / DATA).read_bytes()
    with workspace.write() as conn:
        audit.log(
            conn,
            user.actor,
            "share.download",
            record_id=str(info["id"]),
            details={"organisation": info["organisation"], "persons": info["persons"]},
        )
    return download(data, "application/x-ndjson", f"refwatch-encoding-{str(info['id'])[:8]}.jsonl")


@router.get("/share/encodings/{encoding_id}", response_class=HTMLResponse)
def encoding_page(request: Request, encoding_id: str, user: ShareEncode) -> Response:
    return render(request, "share_encoding.html", {"encoding": _opened(request, encoding_id)})


def _link(uploads: list[tuple[str, bytes]]) -> tuple[LinkResult, Any, str | None]:
    files = [fileformat.parse(io.BytesIO(data), name) for name, data in uploads]
    result = link_files(files)
    try:
        estimate = estimate_from_table(result.table, EstimateOptions(nboot=NBOOT, seed=0))
    except EstimationError as exc:
        return result, None, str(exc)
    return result, estimate, None


def _upload_name(upload: UploadFile, index: int) -> str:
    raw = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in raw if ch.isprintable())[:100]
    return clean or f"file {index + 1}"


@router.post("/share/link", response_class=HTMLResponse)
async def link_uploads(request: Request, user: ShareLink) -> Response:
    """Link the uploaded files and show histories, quality and the estimate (a fragment
    the page swaps in)."""
    uploads: list[tuple[str, bytes]] = []
    async with request.form(
        max_files=MAX_FILES, max_fields=5, max_part_size=64 * 1024
    ) as form:  # closes the spooled files
        for index, item in enumerate(form.getlist("files")):
            if isinstance(item, UploadFile):
                data = await item.read()
                if data:
                    uploads.append((_upload_name(item, index), data))
    context: dict[str, Any] = {"result": None, "estimate": None, "error": None}
    if len(uploads) < 2:
        context["error"] = gettext(request, MESSAGES["share.too_few"])
        return render(request, "share_result.html", context, status_code=422)
    try:
        result, estimate, problem = await run_in_threadpool(_link, uploads)
    except ShareError as exc:
        context["error"] = share_message(request, exc)
        return render(request, "share_result.html", context, status_code=422)
    top = max((b["pairs"] for b in result.histogram), default=0) or 1
    context.update(
        result=result,
        summary=result.as_dict(),
        csv=result.table.to_csv(),
        estimate=estimate,
        estimate_error=problem,
        top=top,
    )
    return render(request, "share_result.html", context)
