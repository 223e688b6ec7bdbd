"""The `refwatch share` commands: encode this workspace's persons, link partners' files.

Why the secret is read here and nowhere else: it comes from REFWATCH_SHARE_SECRET or a
file, is passed to the library as bytes, and never printed, logged or audited.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from refwatch.cli._options import command_group
from refwatch.cli.app import JsonOpt, app, cipher_from, emit, fail, guarded, open_from, settings_of

share_app = command_group(
    "share", "Privacy-preserving linkage between organisations (no names leave).", parent=app
)

SECRET_ENV = "REFWATCH_SHARE_SECRET"  # noqa: S105 - the name of a variable, not a secret


def _shared_secret(secret_file: Path | None) -> bytes:
    if secret_file is not None:
        try:
            raw = secret_file.read_bytes()
        except OSError as exc:
            fail(f"cannot read the secret file {secret_file} ({exc.strerror})")
        return raw.rstrip(b"\r\n")
    value = os.environ.get(SECRET_ENV)
    if not value:
        fail(f"no shared secret: set {SECRET_ENV} or pass --secret-file FILE")
    return value.encode("utf-8")


@share_app.command("encode")
@guarded
def encode_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The encoding file to write (.jsonl).")],
    organisation: Annotated[
        str, typer.Option("--organisation", help="Your organisation's label in the exchange.")
    ],
    secret_file: Annotated[
        Path | None,
        typer.Option("--secret-file", help=f"File holding the shared secret (else ${SECRET_ENV})."),
    ] = None,
    salt: Annotated[
        bool,
        typer.Option(
            "--salt/--no-salt",
            help="Hash names with the birth year (harder to attack, fewer matches found).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Encode every person of the workspace into keyed Bloom filters for a coordinator."""
    from refwatch.share import fileformat
    from refwatch.share.encoding import default_schema
    from refwatch.share.workspace import encode_workspace

    shared = _shared_secret(secret_file)
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        made = encode_workspace(
            ws,
            cipher,
            secret=shared,
            organisation=organisation,
            actor=settings_of(ctx).actor,
            schema=default_schema(salt=salt),
        )
    fileformat.write(made, out)
    data = {
        "file": str(out),
        "organisation": made.organisation,
        "persons": len(made),
        "key_check": made.key_check,
        "schema_version": made.schema.version,
    }
    emit(
        data,
        as_json,
        escape(
            f"Wrote {len(made):,} encoded persons of {made.organisation} to {out} (key check "
            f"{made.key_check}: every partner's file must show the same)."
        ),
    )


def _stratum_path(out: Path, kind: str, label: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
    return out.with_name(f"{out.stem}.{kind}-{safe}{out.suffix or '.csv'}")


def _human(data: dict[str, Any], out: Path) -> str:
    mixture = data["mixture"]
    lines = [
        f"Linked {', '.join(f'{k} ({v:,})' for k, v in data['sizes'].items())}: "
        f"{data['persons']:,} persons on at least one list, {data['links']:,} links; "
        f"wrote {out}.",
        f"Threshold {data['threshold']:.2f} ({data['threshold_source']}); of the best "
        f"scores, about {mixture['estimated_matches']:,.0f} look like matches and "
        f"{mixture['estimated_non_matches']:,.0f} like non-matches; "
        f"{data['candidate_pairs']:,} pairs compared.",
        "Best scores (one per record and other file):",
    ]
    top = max((b["pairs"] for b in data["histogram"]), default=0) or 1
    for b in data["histogram"]:
        bar = "#" * round(40 * b["pairs"] / top)
        lines.append(f"  {b['from']:7.2f} {b['pairs']:7,} {bar}")
    for path in data.get("strata_files", []):
        lines.append(f"Stratum table: {path}")
    return "\n".join(lines)


@share_app.command("link")
@guarded
def link_command(
    files: Annotated[list[Path], typer.Argument(help="Encoding files, one per organisation.")],
    out: Annotated[Path, typer.Option("--out", help="Capture histories CSV to write.")],
    stratify: Annotated[
        str | None,
        typer.Option(help="Also write one table per stratum: period or region."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="Score threshold (default: chosen from the score distribution)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Link encoding files (no secret needed) and write capture histories for estimate."""
    from refwatch.share import fileformat
    from refwatch.share.link import LinkOptions, link_files

    if stratify not in (None, "period", "region"):
        fail(f"--stratify is period or region, not {stratify!r}")
    read = [fileformat.read(path) for path in files]
    result = link_files(read, LinkOptions(threshold=threshold))
    out.write_text(result.table.to_csv(), encoding="utf-8")
    data = result.as_dict()
    if stratify is not None:
        written = []
        for label, table in result.strata[stratify].items():
            path = _stratum_path(out, stratify, label)
            path.write_text(table.to_csv(), encoding="utf-8")
            written.append(str(path))
        data["strata_files"] = written
    data["histories_file"] = str(out)
    emit(data, as_json, escape(_human(data, out)))
