"""Commands for publications: fact sheets and public data releases.

Both are saved in the workspace and audited (`refwatch.publish.artifacts`), as the web
pages' are, so they appear in the web lists; the files are also copied to --out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from refwatch.cli._options import FromOpt, FromRequired, ToOpt, ToRequired
from refwatch.cli.app import JsonOpt, app, emit, guarded, open_from, settings_of


@app.command()
@guarded
def factsheet(
    ctx: typer.Context,
    period_from: FromRequired,
    period_to: ToRequired,
    out: Annotated[Path, typer.Option("--out", help="Folder for factsheet.html and .pdf.")],
    public: Annotated[
        bool, typer.Option("--public", help="Public edition: no ids, disclosure control.")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Status date (default: end of the period).")
    ] = None,
    threshold: Annotated[
        int, typer.Option("--threshold", help="Suppress public cells below this.")
    ] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Write a fact sheet (HTML and PDF); every number is footnoted to the ledger."""
    from refwatch.publish.artifacts import make_factsheet

    with open_from(ctx) as ws:
        saved = make_factsheet(
            ws,
            period_from=period_from,
            period_to=period_to,
            public=public,
            as_of=as_of,
            threshold=threshold,
            actor=settings_of(ctx).actor,
            copy_to=out,
        )
    sheet = saved.info
    data = {
        "html": str(saved.html),
        "pdf": str(saved.pdf),
        "public": sheet.public,
        "ledger_ids": sheet.ledger_ids,
        "headlines": sheet.headlines,
        "id": sheet.id,
    }
    human = "\n".join(
        [
            f"Wrote {saved.html} and {saved.pdf} ({sheet.edition} edition; "
            f"saved in the workspace as {sheet.id}).",
            *sheet.headlines,
            f"{len(sheet.ledger_ids)} numbers in the ledger "
            f"({sheet.ledger_ids[0]} to {sheet.ledger_ids[-1]}).",
        ]
    )
    emit(data, as_json, escape(human))


@app.command("publish")
@guarded
def publish_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder for the release files.")],
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Status date.")] = None,
    threshold: Annotated[
        int, typer.Option("--threshold", help="Suppress cells below this (default 5).")
    ] = 5,
    fmt: Annotated[
        list[str] | None,
        typer.Option("--format", help="csv, json, sqlite (repeatable; default all)."),
    ] = None,
    persons: Annotated[
        bool,
        typer.Option(
            "--persons",
            help="Also a person-level table (re-keyed, coarsened, k-anonymous or refused).",
        ),
    ] = False,
    k: Annotated[int, typer.Option("--k", help="k for the person table's k-anonymity.")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Public data: aggregated tables with disclosure control, as CSV (HXL), JSON, SQLite."""
    from refwatch.publish.artifacts import make_release

    with open_from(ctx) as ws:
        release = make_release(
            ws,
            period_from=period_from,
            period_to=period_to,
            as_of=as_of,
            threshold=threshold,
            formats=fmt or ("csv", "json", "sqlite"),
            persons=persons,
            k=k,
            actor=settings_of(ctx).actor,
            copy_to=out,
        )
    info = release.info
    data = {
        "files": [str(f) for f in release.files],
        "ledger_ids": info["ledger_ids"],
        "suppressed_cells": info["suppressed_cells"],
        "persons": release.persons,
        "persons_withheld": release.persons_withheld,
        "id": info["id"],
    }
    human = (
        f"Wrote {len(release.files)} files to {out} (saved in the workspace as {info['id']}); "
        f"{info['suppressed_cells']} cells suppressed; numbers in the ledger "
        f"{info['ledger_ids'][0]} to {info['ledger_ids'][-1]}."
    )
    if release.persons_withheld:
        human += (
            f" {release.persons_withheld} person(s) left out of the person table: their "
            "consent does not allow anonymised statistics."
        )
    emit(data, as_json, escape(human))
