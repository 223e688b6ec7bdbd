"""`refwatch extract FILE`: propose claims, mentions and observations from free text.

Reads a UTF-8 text file and prints what it proposes, for a researcher to review; nothing
is written anywhere (no workspace is needed or opened) and the text is never logged.
With --json it prints the proposal file that, once reviewed, `refwatch accept` reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from refwatch.cli.app import JsonOpt, app, date_option, emit, fail, guarded
from refwatch.domain.errors import InputError


@app.command("extract")
@guarded
def extract_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A UTF-8 text file: a release, testimony or message.")
    ],
    reference_date: Annotated[
        str | None,
        typer.Option(
            "--reference-date",
            help="The document's date (YYYY-MM-DD), for 'last year', 'yesterday', 지난해.",
        ),
    ] = None,
    accept: Annotated[
        Path | None,
        typer.Option(
            "--accept",
            help="Accept this reviewed proposal file (from --json) as evidence; needs --source.",
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="With --accept: who published or told it.")
    ] = None,
    source_type: Annotated[
        str | None, typer.Option("--source-type", help="With --accept: the source's type.")
    ] = None,
    reported_on: Annotated[
        str | None,
        typer.Option("--reported-on", help="With --accept: when the source told it (EDTF)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Propose claims, person mentions and context observations from English or Korean text."""
    from refwatch.intake.extract import extract
    from refwatch.intake.extract.source import read_text_file

    if accept is not None:
        from refwatch.cli.claims import accept_file

        if source is None:
            fail("--accept needs --source NAME: who published or told the text")
        accept_file(
            ctx,
            accept,
            source=source,
            source_type=source_type,
            reported_on=reported_on,
            as_json=as_json,
        )
        return
    reference = date_option(reference_date, "--reference-date")
    text = read_text_file(file)
    try:
        proposals = extract(text, reference_date=reference)
    except InputError as exc:
        raise InputError(exc.reason, file=str(file)) from None
    data = proposals.to_json()
    emit(data, as_json, _human(data, file.name))


def _human(data: dict[str, Any], name: str) -> str:
    lines = [
        f"{name}: {len(data['claims'])} claim(s), {len(data['mentions'])} mention(s), "
        f"{len(data['observations'])} observation(s) proposed (language: {data['language']})."
        " Nothing is evidence until reviewed and accepted."
    ]
    if data["claims"]:
        lines.append("")
        lines.append("Claims")
    for i, c in enumerate(data["claims"]):
        what = " ".join(
            x for x in (c["event"], f"status {c['status']}" if c["status"] else "") if x
        )
        extra = _extras(flags=c["flags"], sex=c["sex"], place=c["place"])
        lines.append(
            f"  [{i}] {_QUALIFIER[c['qualifier']]}{c['number']} {what or '(no event)'}"
            f"{_period(c)}{extra}"
        )
        lines.append(f"      “{c['text']}”")
    if data["mentions"]:
        lines.append("")
        lines.append("Mentions")
    for i, m in enumerate(data["mentions"]):
        names = " / ".join([*m["names_latin"], *m["names_hangul"]]) or "(no name)"
        who = ", ".join(
            x
            for x in (
                m["sex"],
                f"age {m['age']}" if m["age"] is not None else None,
                f"from {m['origin']}" if m["origin"] else None,
            )
            if x
        )
        what = " ".join(
            x for x in (m["event"], f"status {m['status']}" if m["status"] else "") if x
        )
        extra = _extras(flags=m["flags"], sex=None, place=m["place"])
        lines.append(
            f"  [{i}] {names}"
            + (f" ({who})" if who else "")
            + f": {what or '—'}{_period(m)}{extra}"
        )
        lines.append(f"      “{m['text']}”")
    if data["observations"]:
        lines.append("")
        lines.append("Observations")
    for i, o in enumerate(data["observations"]):
        value = (
            ""
            if o["value"] is None
            else f" {o['value']:+g}%"
            if o["unit"] == "percent"
            else f" {o['value']:g}"
        )
        lines.append(f"  [{i}] {o['kind']}{value}{_period(o)}")
        lines.append(f"      “{o['text']}”")
    return "\n".join(lines)


_QUALIFIER = {"exact": "", "at_least": "at least ", "at_most": "at most ", "about": "about "}


def _period(item: dict[str, Any]) -> str:
    start, end = item["from"], item["to"]
    if start is None and end is None:
        return ""
    if end is None:
        return f", since {start}"
    if start is None:
        return f", until {end}"
    return f", {start}" if start == end else f", {start} to {end}"


def _extras(*, flags: list[str], sex: str | None, place: str | None) -> str:
    parts = []
    if flags:
        parts.append("flags " + ";".join(flags))
    if sex:
        parts.append(f"sex {sex}")
    if place:
        parts.append(f"place {place}")
    return (" — " + ", ".join(parts)) if parts else ""
