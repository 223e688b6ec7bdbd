"""Attachments read back: the files a field form's submission carried, listed and opened.

Why one module: the KoBo/ODK import seals each attachment (its bytes and its file name)
into the `attachments` table (refwatch/intake/odk.py). The CLI (`refwatch attachments`)
and the report page read them back through these functions, so the rules live once:

- a listing always shows the id, the question (field), media type and size; the file
  name only with the cipher, since a phone often names a photo after a person;
- opening one writes `attachment.read` to the audit trail, committed before any byte is
  decrypted, so a failed read still leaves its trace;
- an id is 32 lower-case hex digits (as `new_id` makes them): anything else is not found
  without a look-up, so no path trick or wildcard reaches the database;
- the media type a browser may be told comes from a short list of inert types; anything
  else, text/html and image/svg+xml among them (both can run script), is served as
  `application/octet-stream` (`inert_media_type`);
- a file written for the CLI is refused over a link or a folder, and over an existing
  file without `force`; it is written through a temporary file beside it.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from refwatch.domain.errors import InputError, define
from refwatch.intake.out_files import write_whole
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Report, table_of
from refwatch.store.schema_attachments import Attachment
from refwatch.store.workspace import Workspace

attachments_table = table_of(Attachment)
reports_table = table_of(Report)

ID_FORM = re.compile(r"[0-9a-f]{32}")
FALLBACK_TYPE = "application/octet-stream"
INERT_TYPES: frozenset[str] = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/wav",
        "audio/amr",
        "video/mp4",
        "video/3gpp",
    }
)
"""Types a browser shows without running anything; every other type is served as
`FALLBACK_TYPE` (the download still carries its bytes unchanged)."""

NO_ATTACHMENT = define("attachment.not_found", "no attachment %(id)s in this workspace")
NO_REPORT = define("attachment.no_report", "no report %(id)s in this workspace")


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """What may be shown of an attachment; `file_name` only when opened with the cipher."""

    id: str
    report_id: str
    field: str
    media_type: str
    size: int
    received_at: datetime
    file_name: str | None = None


def _info(row: Any, cipher: FieldCipher | None) -> AttachmentInfo:
    name = None
    if cipher is not None:
        name = cipher.open("attachments", "file_name", row.id, row.file_name_enc)
    return AttachmentInfo(
        row.id, row.report_id, row.field, row.media_type, row.size, row.received_at, name
    )


def _checked_id(value: str, code: str) -> str:
    """The id if it has the form of one; else the not-found error (never looked up)."""
    if not ID_FORM.fullmatch(value):
        raise InputError(code=code, params={"id": repr(value[:40])})
    return value


def open_attachment(cipher: FieldCipher, row: Any) -> tuple[str | None, bytes | None]:
    """An attachment row's file name and bytes, opened (the caller audits the read)."""
    name = cipher.open("attachments", "file_name", row.id, row.file_name_enc)
    content = cipher.open("attachments", "content", row.id, row.content_enc)
    return name, None if content is None else base64.b64decode(content)


def list_attachments(
    conn: Connection, report_id: str, cipher: FieldCipher | None = None
) -> list[AttachmentInfo]:
    """The attachments of one report, in the order they were received. An unknown report
    is an error (the CLI says so); the report page asks only for a report it found."""
    _checked_id(report_id, NO_REPORT)
    found = conn.execute(select(reports_table.c.id).where(reports_table.c.id == report_id)).first()
    if found is None:
        raise InputError(code=NO_REPORT, params={"id": repr(report_id)})
    rows = conn.execute(
        select(
            attachments_table.c.id,
            attachments_table.c.report_id,
            attachments_table.c.field,
            attachments_table.c.media_type,
            attachments_table.c.size,
            attachments_table.c.received_at,
            attachments_table.c.file_name_enc,
        )
        .where(attachments_table.c.report_id == report_id)
        .order_by(attachments_table.c.received_at, attachments_table.c.id)
    )
    return [_info(row, cipher) for row in rows]


def read_attachment(
    workspace: Workspace,
    cipher: FieldCipher,
    attachment_id: str,
    *,
    actor: str,
    via: str,
    report_id: str | None = None,
) -> tuple[AttachmentInfo, bytes]:
    """One attachment with its bytes. `report_id`, when given, must be the attachment's
    report (the web asks under a report's page). The read is audited first."""
    _checked_id(attachment_id, NO_ATTACHMENT)
    query = select(attachments_table).where(attachments_table.c.id == attachment_id)
    if report_id is not None:
        query = query.where(attachments_table.c.report_id == report_id)
    with workspace.write() as conn:
        row = conn.execute(query).first()
        if row is None:
            raise InputError(code=NO_ATTACHMENT, params={"id": repr(attachment_id)})
        audit.log(
            conn,
            actor,
            "attachment.read",
            table_name="attachments",
            record_id=row.id,
            details={"report": row.report_id, "bytes": row.size, "via": via},
        )
    name, data = open_attachment(cipher, row)
    info = _info(row, None)
    return AttachmentInfo(
        info.id, info.report_id, info.field, info.media_type, info.size, info.received_at, name
    ), data or b""


def inert_media_type(media_type: str) -> str:
    """The type to tell a browser: the stored one if it is inert, else a download."""
    clean = media_type.split(";", 1)[0].strip().lower()
    return clean if clean in INERT_TYPES else FALLBACK_TYPE


def download_name(info: AttachmentInfo) -> str:
    """A file name for a download that says nothing about anyone: the id and the
    extension of the type it is served as (the real name may be a person's)."""
    extension = mimetypes.guess_extension(inert_media_type(info.media_type)) or ".bin"
    return f"attachment-{info.id}{extension}"


def write_file(out: Path, data: bytes) -> None:
    """Write `data` to `out` whole or not at all (a temporary file beside it, renamed);
    check the path first with `out_files.check_out_path`."""
    write_whole(out, lambda path: path.write_bytes(data), prefix=".attachment-")
