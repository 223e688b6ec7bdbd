"""The `refwatch casefile` command: dossiers for UN special procedures (see refwatch/publish),
and `refwatch consent set/show`, which record what makes a case file allowed.

The consent commands live here because a case file is what most often needs one, and
this module is the one registered for the area (refwatch/cli/__init__.py).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from refwatch.cli._options import AsOfOpt, command_group
from refwatch.cli.app import (
    JsonOpt,
    app,
    cipher_from,
    date_option,
    emit,
    fail,
    guarded,
    open_from,
    settings_of,
)

consent_app = command_group(
    "consent",
    "Consent: what may be done with a person's record (no_use … publication).",
    parent=app,
)


@app.command("casefile")
@guarded
def casefile_command(
    ctx: typer.Context,
    person_ids: Annotated[list[str], typer.Argument(help="Person ids (P-000123 …); one file.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the case file into.")],
    fmt: Annotated[str, typer.Option("--format", help="pdf or docx.")] = "pdf",
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="wgad, wgeid or urgent-appeal (default: from the status: urgent-appeal "
            "while held in China, wgeid after a disappearance, else wgad).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A case file naming the persons, for the UN (needs their consent; audited)."""
    from refwatch.persons.listing import build_snapshot
    from refwatch.persons.timeline import load_person
    from refwatch.publish.casefile import make_casefile, write_casefile

    day = date_option(as_of, "--as-of") or date.today()
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        output = make_casefile(
            ws,
            cipher,
            person_ids,
            load_person=load_person,
            statuses=lambda: build_snapshot(ws, 0, day),
            actor=settings_of(ctx).actor,
            kind=kind,
            fmt=fmt,
            as_of=day,
        )
    path = write_casefile(out, output)
    data = {
        "file": str(path),
        "kind": output.kind,
        "format": output.fmt,
        "persons": output.person_ids,
        "by_exception": output.by_exception,
    }
    human = f"Wrote {path} ({output.kind}, {len(output.person_ids)} person(s))."
    if output.by_exception:
        human += f" Under a documented exception: {', '.join(output.by_exception)}."
    emit(data, as_json, escape(human))


def _text(value: str | None) -> str | None:
    """The basis or exception: as given, or read from standard input when "-" (so it
    stays out of the shell's history, since it may name a relative)."""
    if value == "-":
        return sys.stdin.read().strip()
    return value


@consent_app.command("set")
@guarded
def consent_set(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(help="A person id (P-000123), or a report id.")],
    level: Annotated[
        str,
        typer.Option("--level", help="no_use, internal, statistics, advocacy or publication."),
    ],
    basis: Annotated[
        str,
        typer.Option(
            "--basis",
            help="On what basis (who agreed, how); '-' reads it from standard input. Sealed.",
        ),
    ],
    report: Annotated[
        bool, typer.Option("--report", help="SUBJECT is a report id, not a person id.")
    ] = False,
    exception_level: Annotated[
        str | None,
        typer.Option("--exception-level", help="What a documented exception allows (advocacy)."),
    ] = None,
    exception: Annotated[
        str | None,
        typer.Option(
            "--exception",
            help="The exception (e.g. held; a relative asks for action); '-' reads stdin.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a new consent for a person (or a report); the old one stays in the history."""
    from refwatch.domain.consent import parse_level
    from refwatch.store.consents import record_consent

    try:
        chosen = parse_level(level)
        allowed = None if exception_level is None else parse_level(exception_level)
    except ValueError as exc:
        fail(f"--level / --exception-level: {exc}")
    subject = subject.strip()
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        record = record_consent(
            ws,
            cipher,
            person_id=None if report else subject.upper(),
            report_id=subject if report else None,
            level=chosen,
            basis=_text(basis) or "",
            exception_level=allowed,
            exception=_text(exception),
            actor=settings_of(ctx).actor,
        )
    data = {
        "subject": record.subject_id,
        "kind": record.subject_kind,
        "revision": record.revision,
        "level": record.level.value,
        "exception_level": None if allowed is None else allowed.value,
        "recorded_by": record.recorded_by,
        "recorded_at": record.recorded_at.isoformat(),
    }
    human = (
        f"Consent of {record.subject_kind} {record.subject_id}: {record.level.value} "
        f"(revision {record.revision})"
        + (f", exception allows {allowed.value}" if allowed is not None else "")
        + "."
    )
    emit(data, as_json, escape(human))


@consent_app.command("show")
@guarded
def consent_show(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(help="A person id (P-000123).")],
    texts: Annotated[
        bool,
        typer.Option("--texts", help="Also the basis and exception (needs the key; audited)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """The person's effective consent, what it allows, and every consent recorded."""
    from refwatch.domain.consent import Use, decide
    from refwatch.store.consents import effective_consent, history, open_texts
    from refwatch.store.person_pins import person_version

    person = person_id.strip().upper()
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws) if texts else None
        with ws.read() as conn:
            if person_version(conn, person) is None:
                fail(f"there is no person {person}")
            now = effective_consent(conn, person)
            past = history(conn, person)
        if cipher is not None and past:
            ws.audit_log(
                settings_of(ctx).actor,
                "consent.read",
                table_name="persons",
                record_id=person,
                details={"records": len(past)},
            )
    records: list[dict[str, Any]] = []
    for record in past:
        entry: dict[str, Any] = {
            "subject": f"{record.subject_kind}:{record.subject_id}",
            "revision": record.revision,
            "level": record.level.value,
            "exception_level": (
                None if record.exception_level is None else record.exception_level.value
            ),
            "recorded_by": record.recorded_by,
            "recorded_at": record.recorded_at.isoformat(),
        }
        if cipher is not None:
            opened = open_texts(cipher, record)
            entry["basis"] = opened.basis
            entry["exception"] = opened.exception
        records.append(entry)
    allows = {use.name.lower(): decide(now, use).allowed for use in Use}
    data = {
        "person_id": person,
        "effective": None if now.level is None else now.level.value,
        "from": None if now.record is None else now.record.subject_kind,
        "allows": allows,
        "history": records,
    }
    lines = [
        f"{person}: consent {now.level.value if now.level else 'not recorded'}"
        + (f" (from {now.record.subject_kind})" if now.record else ""),
        "allows: " + ", ".join(k for k, v in allows.items() if v),
    ]
    for entry in records:
        line = (
            f"  {entry['recorded_at']} {entry['subject']} r{entry['revision']}: "
            f"{entry['level']} by {entry['recorded_by']}"
        )
        if entry["exception_level"]:
            line += f"; exception allows {entry['exception_level']}"
        if cipher is not None:
            line += f"; basis: {entry['basis']}"
            if entry.get("exception"):
                line += f"; exception: {entry['exception']}"
        lines.append(line)
    emit(data, as_json, "\n".join(lines))
