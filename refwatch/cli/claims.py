"""Commands for other organisations' figures (claims) and for accepting reviewed proposals.

`refwatch claims add|list|remove` keep claims beside our evidence (`refwatch check`
compares them with our counts); `refwatch accept REVIEWED.json --source NAME` turns the
proposals `refwatch extract --json` wrote, once a researcher has reviewed them, into
evidence. `accept_file` is the one function behind it, so that `refwatch extract FILE
--accept REVIEWED.json` does exactly the same.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated

import typer

from refwatch.cli._options import FromOpt, ToOpt, command_group
from refwatch.cli.app import JsonOpt, app, cipher_from, emit, guarded, open_from, settings_of
from refwatch.domain.errors import InputError

claims_app = command_group(
    "claims", "Figures other organisations published, kept beside our evidence.", parent=app
)

MAX_REVIEWED_BYTES = 20 * 1024 * 1024
"""A reviewed proposal file: a few hundred kilobytes for a long release. Larger is refused
before it is read into memory."""

SourceOpt = Annotated[
    str, typer.Option("--source", help="Who published it (an organisation, a list, a medium).")
]
SourceTypeOpt = Annotated[
    str | None,
    typer.Option(
        "--source-type", help="family, activist, network, ngo_list, media, official, self."
    ),
]


@claims_app.command("add")
@guarded
def claims_add(
    ctx: typer.Context,
    source: SourceOpt,
    number: Annotated[int, typer.Option("--number", help="The figure, a whole number.")],
    qualifier: Annotated[
        str, typer.Option("--qualifier", help="exact, at_least, at_most or about.")
    ] = "exact",
    source_type: SourceTypeOpt = None,
    published_on: Annotated[
        str | None, typer.Option("--published-on", help="When the source published it (EDTF).")
    ] = None,
    event: Annotated[
        str | None, typer.Option("--event", help="apprehension, detention, return, …")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="detained, returned, released, …")
    ] = None,
    flag: Annotated[
        list[str] | None, typer.Option("--flag", help="child, older, … (repeatable).")
    ] = None,
    sex: Annotated[str | None, typer.Option("--sex", help="F or M.")] = None,
    place: Annotated[
        str | None, typer.Option("--place", help="A place the gazetteer knows.")
    ] = None,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    text_file: Annotated[
        Path | None,
        typer.Option("--text-file", help="A file holding the sentence (sealed; never an option)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a figure another organisation published; the same claim twice is kept once.

    The sentence is read from a file, not given as an option, so that it never lands in a
    shell history or a process list."""
    from refwatch.intake.claims import ClaimInput, list_claims, record_claim

    text = ""
    if text_file is not None:
        text = _read_text(text_file).strip()
    claim = ClaimInput(
        source=source,
        source_type=source_type,
        published_on=published_on,
        number=number,
        qualifier=qualifier,
        event=event,
        status=status,
        flags=tuple(flag or ()),
        sex=sex,
        place=place,
        period_from=period_from,
        period_to=period_to,
        text=text,
    )
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        with ws.write() as conn:
            written = record_claim(conn, cipher, claim, actor=settings_of(ctx).actor)
        with ws.read() as conn:
            (stored,) = [c for c in list_claims(conn) if c.id == written.id]
    said = "Recorded" if written.created else "Already recorded (nothing changed)"
    emit(
        {"id": written.id, "created": written.created, "claim": stored.as_dict()},
        as_json,
        f"{said}: {stored.describe()} [{written.id}]",
    )


@claims_app.command("list")
@guarded
def claims_list(
    ctx: typer.Context,
    show_text: Annotated[
        bool, typer.Option("--show-text", help="Also the sentences (needs the passphrase).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Every claim, oldest publication first."""
    from refwatch.intake.claims import list_claims

    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws) if show_text else None
        with ws.read() as conn:
            claims = list_claims(conn, cipher)
    lines = []
    for claim in claims:
        lines.append(f"{claim.id}  {claim.describe()}")
        if claim.text:
            lines.append(f"    “{claim.text}”")
    emit(
        {"claims": [c.as_dict() for c in claims]},
        as_json,
        "\n".join(lines) if lines else "No claims recorded.",
    )


@claims_app.command("remove")
@guarded
def claims_remove(
    ctx: typer.Context,
    claim_id: Annotated[str, typer.Argument(help="The claim's id (refwatch claims list).")],
    as_json: JsonOpt = False,
) -> None:
    """Remove a claim recorded by mistake (audited)."""
    from refwatch.intake.claims import delete_claim

    with open_from(ctx) as ws, ws.write() as conn:
        delete_claim(conn, claim_id, actor=settings_of(ctx).actor)
    emit({"id": claim_id, "removed": True}, as_json, f"Removed claim {claim_id}.")


@app.command("accept")
@guarded
def accept_command(
    ctx: typer.Context,
    reviewed: Annotated[
        Path, typer.Argument(help="Reviewed proposals (the JSON `refwatch extract --json` wrote).")
    ],
    source: SourceOpt,
    source_type: SourceTypeOpt = None,
    reported_on: Annotated[
        str | None,
        typer.Option("--reported-on", help="When the source told us or published it (EDTF)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Accept reviewed proposals as evidence, in one transaction; again changes nothing."""
    accept_file(
        ctx,
        reviewed,
        source=source,
        source_type=source_type,
        reported_on=reported_on,
        as_json=as_json,
    )


def accept_file(
    ctx: typer.Context,
    reviewed: Path,
    *,
    source: str,
    source_type: str | None = None,
    reported_on: str | None = None,
    as_json: bool = False,
) -> None:
    """Read, check and accept a reviewed proposal file, then print what it wrote (the body
    of `refwatch accept` and of `refwatch extract FILE --accept REVIEWED.json`)."""
    from refwatch.intake.extract.model import Extraction
    from refwatch.intake.extract_accept import accept_extraction

    raw = _read_bytes(reviewed)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=reviewed.name) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not JSON ({exc.msg}, line {exc.lineno}, column {exc.colno})", file=reviewed.name
        ) from None
    extraction = Extraction.from_json(data, file=reviewed.name)
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        summary = accept_extraction(
            ws,
            cipher,
            extraction,
            source=source,
            source_type=source_type,
            reported_on=reported_on,
            label=reviewed.name,
            digest=hashlib.sha256(raw).hexdigest(),
            actor=settings_of(ctx).actor,
        )
    m = summary.mentions
    human = (
        f"{reviewed.name}: mentions {m.new} new, {m.updated} updated, {m.unchanged} unchanged; "
        f"claims {summary.claims_new} new, {summary.claims_unchanged} unchanged; "
        f"observations {summary.observations_new} new, "
        f"{summary.observations_unchanged} unchanged."
    )
    if not summary.changed:
        human += " Nothing changed."
    emit(summary.as_dict(), as_json, human)


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    if path.stat().st_size > MAX_REVIEWED_BYTES:
        raise InputError(
            f"larger than {MAX_REVIEWED_BYTES // (1024 * 1024)} MiB; a reviewed proposal file "
            "is far smaller (split it)",
            file=path.name,
        )
    return path.read_bytes()


def _read_text(path: Path) -> str:
    raw = _read_bytes(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=path.name) from None
