"""The `refwatch attachments` commands: the files KoBo/ODK submissions carried, read back.

`list --report ID` shows each attachment's id, question, media type and size; its file
name only with `--names` (the passphrase opens it, and the read is audited as a names
read), because a phone often names a photo after a person. `get ID --out FILE` writes the
bytes to a new file (an existing one only with --force; never through a link or over a
folder), after an `attachment.read` audit entry. The rules live in
refwatch/intake/attachments.py, shared with the report page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from refwatch.cli._options import ForceOpt, command_group
from refwatch.cli.app import JsonOpt, app, cipher_from, emit, guarded, open_from, settings_of

attachments_app = command_group(
    "attachments", "Files that came with field-form submissions (sealed at rest).", parent=app
)


@attachments_app.command("list")
@guarded
def list_command(
    ctx: typer.Context,
    report: Annotated[str, typer.Option("--report", help="The report's id.")],
    names: Annotated[
        bool,
        typer.Option("--names", help="Show file names (needs the passphrase; audited)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List a report's attachments: id, question, media type and size."""
    from refwatch.intake.attachments import list_attachments

    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws) if names else None
        with ws.read() as conn:
            found = list_attachments(conn, report.strip())
        if cipher is not None and found:
            # Audited before any name is opened, as every names read.
            ws.audit_log(
                settings_of(ctx).actor,
                "names.read",
                table_name="attachments",
                record_id=found[0].report_id,
                details={"what": "attachment list", "count": len(found)},
            )
            with ws.read() as conn:
                found = list_attachments(conn, report.strip(), cipher)
    items = [
        {
            "id": a.id,
            "report": a.report_id,
            "field": a.field,
            "media_type": a.media_type,
            "size": a.size,
            "received_at": a.received_at,
            **({"file_name": a.file_name} if names else {}),
        }
        for a in found
    ]
    lines = [
        f"{a.id}  {a.field}  {a.media_type}  {a.size} bytes"
        + (f"  {a.file_name}" if names and a.file_name else "")
        for a in found
    ]
    human = "\n".join(lines) if lines else "This report has no attachments."
    emit({"report": report.strip(), "attachments": items}, as_json, human)


@attachments_app.command("get")
@guarded
def get_command(
    ctx: typer.Context,
    attachment: Annotated[str, typer.Argument(help="The attachment's id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write one attachment's bytes to a file (needs the passphrase; audited)."""
    from refwatch.intake.attachments import read_attachment, write_file
    from refwatch.intake.out_files import check_out_path

    check_out_path(out, force=force)  # before any read: a refused path reads nothing
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        info, data = read_attachment(
            ws, cipher, attachment.strip(), actor=settings_of(ctx).actor, via="cli"
        )
    check_out_path(out, force=force)  # again: the path may have changed meanwhile
    write_file(out, data)
    emit(
        {
            "id": info.id,
            "report": info.report_id,
            "media_type": info.media_type,
            "size": len(data),
            "out": str(out),
        },
        as_json,
        f"Wrote {len(data)} bytes ({info.media_type}) to {out}.",
    )
