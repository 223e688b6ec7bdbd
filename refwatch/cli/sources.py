"""`refwatch sources …`: the sources, their reliability grade and their contact.

The same library functions as the web's source pages (`refwatch.intake.sources`), audited
the same way. A contact is read from standard input (or asked for in a terminal), never
from an argument, which would land in the shell history and `ps`; it is sealed with the
workspace key, so setting one needs the passphrase or keyfile. The list says whether a
source has a contact, never the contact.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from refwatch.cli._options import command_group
from refwatch.cli.app import JsonOpt, app, cipher_from, emit, fail, guarded, open_from, settings_of

sources_app = command_group("sources", "Sources: reliability grades and contacts.", parent=app)

SourceArg = Annotated[str, typer.Argument(help="The source's id (see `refwatch sources list`).")]


@sources_app.command("list")
@guarded
def list_sources(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List sources with their grade, reports, persons and latest report date."""
    from refwatch.intake.sources import GRADES, source_rows

    with open_from(ctx) as workspace, workspace.read() as conn:
        found = source_rows(conn)
    rows = [
        {
            "id": r.id,
            "name": r.name,
            "source_type": r.source_type,
            "reliability": r.reliability,
            "has_contact": bool(r.has_contact),
            "reports": int(r.reports),
            "persons": int(r.persons),
            "latest_report": r.latest.isoformat() if r.latest else None,
        }
        for r in found
    ]
    lines = [
        f"{r['id']}  {r['name']} ({r['source_type'] or 'type not given'}): "
        f"grade {r['reliability'] or '-'}"
        f"{' (' + GRADES[r['reliability']] + ')' if r['reliability'] in GRADES else ''}, "
        f"{r['reports']} reports, {r['persons']} persons"
        f"{', contact set' if r['has_contact'] else ''}"
        for r in rows
    ]
    emit({"sources": rows}, as_json, "\n".join(lines) or "No sources yet.")


@sources_app.command("set-reliability")
@guarded
def set_reliability(
    ctx: typer.Context,
    source_id: SourceArg,
    grade: Annotated[str, typer.Argument(help="A to F (Admiralty scale), or - to clear.")],
    as_json: JsonOpt = False,
) -> None:
    """Grade a source's reliability (audited with the old and the new grade)."""
    from refwatch.intake import sources

    if not grade.strip():  # an empty argument is more likely a slip than a wish to clear
        fail("a reliability grade is one of A, B, C, D, E, F (or - to clear)")
    value = None if grade.strip() == "-" else grade
    with open_from(ctx) as workspace:
        sources.set_reliability(workspace, source_id, value, settings_of(ctx).actor)
    chosen = sources.checked_grade(value)
    emit(
        {"id": source_id, "reliability": chosen},
        as_json,
        f"{source_id}: grade {chosen}." if chosen else f"{source_id}: grade cleared.",
    )


def _contact_from_stdin() -> str:
    from refwatch.intake.sources import MAX_CONTACT

    if sys.stdin.isatty():
        return str(typer.prompt("Contact", hide_input=True))
    text = sys.stdin.read(MAX_CONTACT * 4 + 1)  # enough for the limit; never a whole flood
    if len(text.strip()) > MAX_CONTACT:
        fail(f"a contact is at most {MAX_CONTACT} characters")
    return text


@sources_app.command("set-contact")
@guarded
def set_contact(
    ctx: typer.Context,
    source_id: SourceArg,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the contact.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Set a source's contact from standard input, sealed (audited without the contact)."""
    from refwatch.intake import sources

    contact = None if clear else _contact_from_stdin()
    if not clear and not (contact or "").strip():
        fail("no contact on standard input (use --clear to remove one)")
    with open_from(ctx) as workspace:
        cipher = cipher_from(ctx, workspace)
        sources.set_contact(workspace, cipher, source_id, contact, settings_of(ctx).actor)
    emit(
        {"id": source_id, "contact_set": not clear},
        as_json,
        f"{source_id}: contact removed." if clear else f"{source_id}: contact set (sealed).",
    )
