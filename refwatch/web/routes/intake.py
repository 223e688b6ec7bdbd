"""Intake: enter a report with the persons it mentions, or upload a case list.

Both go through the importer (`refwatch.intake.records`): the same validation as
`refwatch import`, the same new/updated/unchanged rules, the same audit entries. A report
that mentions several persons is stored as one report row per person (the evidence model
links each mention to exactly one report), all sharing the source, date and sealed text,
and one import batch. An upload is previewed first: the import runs in a transaction that
is rolled back, and the page says what a commit would change; the file itself waits in
the server's memory (never on disk) until it is committed or forgotten.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Annotated, Any, cast
from urllib.parse import unquote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from refwatch.domain.caserecord import CASE_COLUMNS, PROTECTED_COLUMNS
from refwatch.domain.enums import Flag, Sex, SourceType, Status
from refwatch.domain.errors import InputError
from refwatch.intake.readers import MAX_FILE_BYTES, Upload
from refwatch.intake.records import (
    RecordsResult,
    check_upload,
    clean_fields,
    import_records,
    import_upload,
    validate_rows,
)
from refwatch.store.schema import ImportBatch, Mention, PersonLink, Report, Source, table_of
from refwatch.web import evidence_format  # noqa: F401 (registers template helpers)
from refwatch.web.caches import names_of_persons
from refwatch.web.deps import User, get_cipher, get_workspace, now
from refwatch.web.pending_uploads import PendingUploads, UploadStore
from refwatch.web.person_names import main_name
from refwatch.web.roles import EvidenceWrite
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)

FORM_LABEL = "web form"
# The form's fields are the case-list columns (one home: domain.caserecord): the report's
# first, then each person's; flags are boxes, and consent is not asked on this form.
REPORT_FIELDS = CASE_COLUMNS[:3]
MENTION_FIELDS = tuple(c for c in CASE_COLUMNS[3:] if c not in ("flags", "consent"))
MAX_MENTIONS = 30
MAX_TEXT = 100_000
MAX_UPLOAD = min(MAX_FILE_BYTES, 50 * 1024 * 1024)
PREVIEW_ROWS = 500
batches, reports = table_of(ImportBatch), table_of(Report)
mentions, links, sources = table_of(Mention), table_of(PersonLink), table_of(Source)


def pending_uploads(request: Request) -> UploadStore:
    """This app's store of uploads awaiting their commit: shared by every worker when the
    server runs several (`web.shared_uploads`), else this process's own."""
    store = getattr(request.app.state, "pending_uploads", None)
    if store is None:
        store = request.app.state.pending_uploads = PendingUploads()
    return cast(UploadStore, store)


def _source_names(request: Request) -> list[str]:
    with get_workspace(request).read() as conn:
        return list(conn.execute(select(sources.c.name).order_by(sources.c.name)).scalars())


def _recent_batches(request: Request, limit: int = 8) -> list[Any]:
    with get_workspace(request).read() as conn:
        return list(
            conn.execute(select(batches).order_by(batches.c.imported_at.desc()).limit(limit))
        )


def _form_page(
    request: Request,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    *,
    mentions_count: int = 1,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    values = values or {}
    count = max(mentions_count, len(values.get("mentions", [])), 1)
    return render(
        request,
        "intake.html",
        {
            "values": values,
            "mentions": (values.get("mentions", []) + [{}] * count)[:count],
            "errors": errors or {},
            "message": message,
            "source_names": _source_names(request),
            "source_types": [t.value for t in SourceType],
            "statuses": [s.value for s in Status],
            "sexes": [s.value for s in Sex],
            "flags": [f.value for f in Flag],
            "recent": _recent_batches(request),
            "max_mentions": MAX_MENTIONS,
            "max_upload_mib": MAX_UPLOAD // (1024 * 1024),
        },
        status_code=status_code,
    )


@router.get("/intake", response_class=HTMLResponse)
def intake_page(request: Request, user: EvidenceWrite, mentions: int = 1) -> Response:
    return _form_page(request, mentions_count=min(max(mentions, 1), MAX_MENTIONS))


def _read_form(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: str(form.get(name) or "") for name in (*REPORT_FIELDS, "language", "text")
    }
    found: list[dict[str, Any]] = []
    for index in range(MAX_MENTIONS):
        fields = {name: str(form.get(f"m{index}_{name}") or "") for name in MENTION_FIELDS}
        flags = [str(f) for f in form.getlist(f"m{index}_flags") if f]
        if any(v.strip() for v in fields.values()) or flags:
            found.append({**fields, "flags": flags})
    values["mentions"] = found
    return values


def _field_of(error: InputError) -> str:
    column = error.column or "source"
    if error.row is None or column in REPORT_FIELDS:
        return column
    return f"m{error.row - 1}_{'flags' if column == 'flags' else column}"


# The checks wrap the date parser's own message: "not an EDTF date (not an EDTF date:
# '2017-13'); write e.g. …" said the same thing twice beside a field.
_REPEATED_DATE = re.compile(r"not an EDTF date \((not an EDTF date: [^)]*)\)")


def _error_text(request: Request, error: InputError) -> str:
    """The reason once, with the value typed unless the reason quotes it already (or the
    field is one whose value must not be echoed)."""
    reason = _REPEATED_DATE.sub(r"\1", error.reason)
    value = error.value
    hidden = value is None or error.column in PROTECTED_COLUMNS or str(value) in reason
    return reason if hidden else f"{reason} ({value})"


@router.post("/intake/report", response_class=HTMLResponse)
async def submit_report(request: Request, user: EvidenceWrite) -> Response:
    form = await request.form()
    values = _read_form(form)
    return await run_in_threadpool(_submit, request, user, values)


def _submit(request: Request, user: User, values: dict[str, Any]) -> Response:
    errors: dict[str, str] = {}
    if not values["mentions"]:
        errors["m0_name_hangul"] = gettext(
            request, "Describe at least one person: a name, or any other detail."
        )
    if len(values["text"]) > MAX_TEXT:
        errors["text"] = gettext(request, "The text is too long.")
    if len(values["language"]) > 16:
        errors["language"] = gettext(request, "Use a short language code such as ko or en.")
    rows = []
    for index, mention in enumerate(values["mentions"]):
        fields = {name: values[name] for name in REPORT_FIELDS}
        fields.update({name: mention[name] for name in MENTION_FIELDS})
        fields["flags"] = ";".join(mention["flags"])
        try:
            rows.append((index + 1, clean_fields(fields, FORM_LABEL, index + 1)))
        except InputError as exc:
            errors.setdefault(_field_of(exc), _error_text(request, exc))
    records, problems = validate_rows(FORM_LABEL, rows)
    for problem in problems:
        errors.setdefault(_field_of(problem), _error_text(request, problem))
    if errors:
        return _form_page(request, values, errors, status_code=422)
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, gettext(request, "The server was started without the key."))
    text = values["text"].strip()
    # The batch's content digest, from keyed fingerprints: a plain hash of the fields
    # would let anyone holding the database test a guessed name against it.
    keyed = "".join(cipher.fingerprint(record.canonical()) for _, record in records)
    digest = hashlib.sha256((keyed + cipher.fingerprint(text)).encode("ascii")).hexdigest()
    result = import_records(
        get_workspace(request),
        cipher,
        records,
        label=FORM_LABEL,
        digest=digest,
        actor=user.actor,
        texts={number: text for number, _ in records} if text else {},
        language=values["language"].strip() or None,
    )
    if result.summary.batch_id is None:
        message = gettext(
            request,
            "Nothing new: this source already reported these persons with the same details.",
        )
        return _form_page(request, values, message=message)
    return RedirectResponse(f"/intake/batches/{result.summary.batch_id}", status_code=303)


@router.get("/intake/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: str, user: EvidenceWrite) -> Response:
    with get_workspace(request).read() as conn:
        batch = conn.execute(select(batches).where(batches.c.id == batch_id)).first()
        if batch is None:
            raise HTTPException(404)
        rows = list(
            conn.execute(
                select(
                    reports.c.id,
                    reports.c.record_id,
                    reports.c.row_number,
                    reports.c.reported_on,
                    reports.c.supersedes_id,
                    sources.c.id.label("source_id"),
                    sources.c.name.label("source"),
                    links.c.person_id,
                )
                .join(sources, sources.c.id == reports.c.source_id)
                .join(mentions, mentions.c.report_id == reports.c.id)
                .join(links, links.c.mention_id == mentions.c.id)
                .where(reports.c.batch_id == batch_id)
                .order_by(reports.c.row_number)
                .limit(PREVIEW_ROWS)
            )
        )
    # The researcher who saved the report sees whom it named, and a way to look for the
    # same person entered before (a name search, posted so the name stays out of the URL).
    found = names_of_persons(request, [r.person_id for r in rows], "saved report")
    names = {pid: main_name(n) for pid, n in found.items()}
    return render(request, "intake_batch.html", {"batch": batch, "rows": rows, "names": names})


# -- case-list upload ------------------------------------------------------------------


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD:
        raise HTTPException(413, gettext(request, "The file is too large."))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD:
            raise HTTPException(413, gettext(request, "The file is too large."))
        chunks.append(chunk)
    return b"".join(chunks)


def _file_name(request: Request) -> str:
    """The base name of the upload: no directory part, no control or format character
    (NUL, CR LF, bidi overrides; PostgreSQL cannot store a NUL), at most 200 characters
    with its suffix kept (a long name is still read as the type its suffix says)."""
    raw = unquote(request.headers.get("x-file-name", ""))
    raw = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").strip()
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem[: 199 - len(suffix)]}.{suffix}" if dot and len(suffix) <= 10 else name[:200]
    if not name:
        raise HTTPException(400, gettext(request, "Choose a file to upload."))
    return name


@router.post("/intake/upload", response_class=HTMLResponse)
async def upload_preview(request: Request, user: EvidenceWrite) -> Response:
    """Preview an uploaded case list (the raw file is the request body, sent by
    static/intake.js, so it never passes through a multipart parser's temporary file)."""
    name = _file_name(request)
    data = await _read_body(request)
    if not data:
        raise HTTPException(400, gettext(request, "The file is empty."))
    return await run_in_threadpool(_preview, request, user, Upload(name, data))


def _preview(request: Request, user: User, upload: Upload) -> Response:
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, gettext(request, "The server was started without the key."))
    context: dict[str, Any] = {"name": upload.name, "errors": [], "result": None, "rows": []}
    try:
        records, errors = check_upload(upload)
    except InputError as exc:
        records, errors = [], [exc]
    context["records"] = len(records)
    if errors:
        context["errors"] = errors
        return render(request, "intake_preview.html", context, status_code=422)
    result: RecordsResult = import_records(
        get_workspace(request),
        cipher,
        records,
        label=upload.name,
        digest=hashlib.sha256(upload.data).hexdigest(),
        actor=user.actor,
        dry_run=True,
    )
    context["result"] = result.summary
    context["rows"] = [
        {
            "number": number,
            "source": record.source,
            "record_id": record.record_id,
            "change": result.outcomes[number].change if number in result.outcomes else "unchanged",
            "person_id": result.outcomes[number].person_id if number in result.outcomes else None,
        }
        for number, record in records[:PREVIEW_ROWS]
    ]
    if result.summary.new or result.summary.updated:
        context["token"] = pending_uploads(request).put(user.id, upload, now(request))
    return render(request, "intake_preview.html", context)


@router.post("/intake/upload/commit", response_class=HTMLResponse)
def upload_commit(
    request: Request, user: EvidenceWrite, token: Annotated[str, Form(max_length=100)]
) -> Response:
    upload = pending_uploads(request).take(token, user.id, now(request))
    if upload is None:
        message = gettext(
            request, "That upload has expired or was already imported; upload it again."
        )
        return _form_page(request, message=message, status_code=410)
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, gettext(request, "The server was started without the key."))
    result = import_upload(get_workspace(request), cipher, upload, actor=user.actor)
    if result.summary.batch_id is None:
        message = gettext(request, "Nothing to import: every row is already recorded.")
        return _form_page(request, message=message)
    return RedirectResponse(f"/intake/batches/{result.summary.batch_id}", status_code=303)
