"""Commands on a workspace's evidence: init, import, export, audit, keys, status."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated, Any, BinaryIO, TextIO, cast

import typer
from rich.markup import escape

from refwatch.cli.app import (
    JsonOpt,
    app,
    audit_app,
    cipher_from,
    emit,
    err,
    fail,
    guarded,
    open_from,
    os_error_text,
    progress_bar,
    secret_from,
    settings_of,
    workspace_path_of,
)
from refwatch.store.keys import check_keyfile_outside, create_keyfile
from refwatch.store.workspace import CONFIG_FILE, init_workspace


def _new_keyfile(keyfile: Path, workspace: Path) -> bool:
    """Create `keyfile` unless it exists; say whether it was created. Refused, with nothing
    written, when it would sit inside the workspace or its folder cannot take it."""
    check_keyfile_outside(keyfile, workspace)
    if keyfile.exists():
        return False
    if not keyfile.parent.is_dir():
        fail(f"cannot create the keyfile {keyfile}: its folder {keyfile.parent} does not exist")
    try:
        create_keyfile(keyfile)
    except OSError as exc:
        fail(f"cannot create the keyfile {keyfile}: {os_error_text(exc)}")
    return True


class _LineCounter:
    """A text stream that passes writes on and moves a progress bar by the lines written."""

    def __init__(self, target: TextIO, tick: Callable[[int], None]) -> None:
        self.target = target
        self.tick = tick

    def write(self, text: str) -> int:
        self.tick(text.count("\n"))
        return self.target.write(text)


@app.command()
@guarded
def init(
    ctx: typer.Context,
    schema: Annotated[
        str | None, typer.Option(help="PostgreSQL schema for this workspace.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a workspace: a database and one wrapped data key, nothing else."""
    settings = settings_of(ctx)
    path = workspace_path_of(ctx)
    if (path / CONFIG_FILE).exists():
        fail(f"a workspace already exists at {path}")
    created = settings.keyfile is not None and _new_keyfile(settings.keyfile, path)
    secret = secret_from(ctx, confirm=True)
    try:
        with init_workspace(
            path, secret, db_url=settings.db, schema=schema, actor=settings.actor
        ) as ws:
            data = {
                "workspace": str(path),
                "workspace_id": ws.workspace_id,
                "engine": ws.dialect,
                "schema": ws.schema,
                "key": secret.kind,
            }
    except BaseException:
        if created and settings.keyfile is not None:
            settings.keyfile.unlink(missing_ok=True)  # it protects nothing: no workspace
        raise
    emit(
        data,
        as_json,
        f"Created workspace {path} ({data['engine']}, key protected by a {secret.kind}).",
    )


@app.command("import")
@guarded
def import_command(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(help="Case lists (.csv, .xlsx, .jsonl) or KoBo/ODK submission exports."),
    ],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="Rename a column: OLD=NEW (repeatable).")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="Read as this format (default: found from the file)."),
    ] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="Mapping file, for formats that need one.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import case lists; each file is one transaction."""
    from refwatch.intake.importer import import_files, parse_mapping

    mapping = parse_mapping(map_ or [])
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        with progress_bar(hidden=as_json) as progress:
            task = progress.add_task("importing", total=None)

            def tick(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            summary = import_files(
                ws,
                cipher,
                files,
                mapping=mapping,
                actor=settings_of(ctx).actor,
                progress=tick,
                fmt=fmt,
                mapping_file=mapping_file,
            )
    data = summary.as_dict()
    lines = [
        f"{f.file}: {f.rows} rows, {f.new} new, {f.updated} updated, {f.unchanged} unchanged"
        for f in summary.files
    ]
    if data["unknown_places"]:
        lines.append("Unknown places (kept as written): " + "; ".join(data["unknown_places"]))
    lines.extend(f"warning: {w}" for w in data["warnings"])
    emit(data, as_json, "\n".join(lines))


@app.command("export")
@guarded
def export_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="mentions, persons or events.")],
    fmt: Annotated[
        str, typer.Option("--format", help="csv or jsonl (or another registered format).")
    ] = "csv",
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")
    ] = None,
    include_names: Annotated[
        bool,
        typer.Option(
            "--include-names",
            help="Include names (and a mentions export's notes): mentions, or persons/events "
            "as uwazi-csv, huridocs-json, huridocs-csv (needs the passphrase; audited).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write mentions, persons or events out as CSV or JSON Lines."""
    from refwatch.intake.export import export
    from refwatch.intake.registry import export_format

    # A binary format (an archive of several files) goes to a file, never the terminal.
    binary = export_format(fmt).binary
    if binary and out_path is None:
        fail(f"the {fmt} format writes a binary file: give --out FILE")
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws) if include_names else None
        with ExitStack() as stack:
            handle: TextIO | BinaryIO = sys.stdout
            if out_path is not None and binary:
                handle = stack.enter_context(open(out_path, "wb"))
            elif out_path is not None:
                handle = stack.enter_context(open(out_path, "w", encoding="utf-8", newline=""))
            # Not over the data itself when it goes to the terminal (standard output).
            progress = stack.enter_context(progress_bar(hidden=as_json or out_path is None))
            task = progress.add_task(f"exporting {kind}", total=None)
            counted: object = handle  # bytes have no lines to count
            if not binary:
                text_out = cast(TextIO, handle)
                counted = _LineCounter(text_out, lambda lines: progress.advance(task, lines))
            warnings: list[str] = []
            count = export(
                ws,
                kind,
                fmt,
                cast(IO[Any], counted),
                cipher=cipher,
                actor=settings_of(ctx).actor,
                warnings=warnings,
            )
    # Consent (refwatch.domain.consent): on stderr, so an export to stdout stays clean.
    for warning in warnings:
        err.print(f"warning: {escape(warning)}", highlight=False, soft_wrap=True)
    if out_path is not None:
        emit(
            {
                "kind": kind,
                "format": fmt,
                "rows": count,
                "out": str(out_path),
                "names": include_names,
                "warnings": warnings,
            },
            as_json,
            f"Wrote {count} {kind} to {out_path}.",
        )


@audit_app.command("verify")
@guarded
def audit_verify(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Check the audit chain; say where it breaks, if it does."""
    with open_from(ctx) as ws:
        report = ws.verify_audit()
    if report.ok:
        human = f"Audit chain intact: {report.entries} entries."
    elif report.broken_at is None:
        human = f"Audit chain NOT VERIFIED ({report.entries} entries): {report.problem}"
    else:
        human = f"Audit chain BROKEN at entry {report.broken_at}: {report.problem}"
    emit(report.as_dict(), as_json, human)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
@guarded
def audit_anchor(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Anchor the current head outside the database, once the whole chain verifies (after
    the anchor file was lost, and you compared the chain with a copy kept elsewhere)."""
    with open_from(ctx) as ws:
        report = ws.reanchor()
    human = (
        f"Audit chain anchored at entry {report.head_seq}."
        if report.ok
        else f"Not anchored: the audit chain is BROKEN at entry {report.broken_at}: "
        f"{report.problem}"
    )
    emit(report.as_dict(), as_json, human)
    if not report.ok:
        raise typer.Exit(1)


@app.command("rotate-key")
@guarded
def rotate_key(
    ctx: typer.Context,
    new_keyfile: Annotated[
        Path | None,
        typer.Option(help="Protect the key with this keyfile from now on (created if missing)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-wrap every data key under a new passphrase (REFWATCH_NEW_PASSPHRASE) or keyfile."""
    with open_from(ctx) as ws:
        old = secret_from(ctx)
        if new_keyfile is not None:
            check_keyfile_outside(new_keyfile, ws.path)
            if not new_keyfile.exists():
                ws.unlock(old)  # a wrong passphrase stops here, before a keyfile is written
                _new_keyfile(new_keyfile, ws.path)
        new = secret_from(
            ctx,
            confirm=True,
            env="REFWATCH_NEW_PASSPHRASE",
            keyfile=new_keyfile,
            prompt="New passphrase",
        )
        with progress_bar(hidden=as_json) as progress:
            progress.add_task("re-wrapping the data keys", total=None)
            versions = ws.rotate_key(old, new, settings_of(ctx).actor)
    emit(
        {"rewrapped_versions": versions, "key": new.kind},
        as_json,
        f"Re-wrapped {len(versions)} data key(s) under the new {new.kind}; "
        "the old one opens nothing.",
    )


@app.command()
@guarded
def status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """How much evidence the workspace holds (no names)."""
    from refwatch.store.stats import workspace_stats

    with open_from(ctx) as ws:
        stats = workspace_stats(ws)
    emit(stats, as_json, "\n".join(f"{key}: {value}" for key, value in stats.items()))


@app.command()
@guarded
def backup(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
    as_json: JsonOpt = False,
) -> None:
    """Write one encrypted, integrity-checked backup (safe while the app runs)."""
    from refwatch.store.backup import create_backup

    with open_from(ctx) as ws:
        secret = secret_from(ctx)
        with progress_bar(hidden=as_json) as progress:
            progress.add_task("backing up", total=None)
            summary = create_backup(ws, secret, out_file, settings_of(ctx).actor)
    emit(
        summary.as_dict(),
        as_json,
        f"Backed up {summary.rows} rows from {summary.tables} tables to {out_file} "
        f"({summary.bytes} bytes, encrypted).",
    )


@app.command()
@guarded
def restore(
    ctx: typer.Context,
    backup_file: Annotated[Path, typer.Argument(help="A backup written by `refwatch backup`.")],
    schema: Annotated[str | None, typer.Option(help="PostgreSQL schema to restore into.")] = None,
    verify_only: Annotated[
        bool,
        typer.Option(
            "--verify-only",
            help="Restore into a scratch folder, check the audit chain and the row counts, "
            "delete it; no workspace is touched.",
        ),
    ] = False,
    scratch: Annotated[
        Path | None,
        typer.Option(help="With --verify-only: where the scratch folder goes (default: /tmp)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Restore a backup into a new, empty workspace (--workspace; --db for PostgreSQL), or
    prove that it restores (--verify-only). Exit status 1 when the drill fails."""
    from refwatch.store.backup import restore_backup

    settings = settings_of(ctx)
    if verify_only:
        from refwatch.store.drill import verify_backup

        with progress_bar(hidden=as_json) as progress:
            progress.add_task("restoring into a scratch folder", total=None)
            report = verify_backup(backup_file, secret_from(ctx), scratch)
        human = (
            f"The backup restores: {report.rows} rows in {len(report.tables)} tables, "
            f"the audit chain of {report.audit_entries} entries verifies ({report.seconds} s)."
            if report.ok
            else f"The backup does NOT restore cleanly: {report.problem}. "
            + "; ".join(report.mismatches)
        )
        emit(report.as_dict(), as_json, human)
        if not report.ok:
            raise typer.Exit(1)
        return
    path, secret = workspace_path_of(ctx), secret_from(ctx)
    with progress_bar(hidden=as_json) as progress:
        progress.add_task("restoring", total=None)
        summary = restore_backup(
            backup_file, path, secret, db_url=settings.db, schema=schema, actor=settings.actor
        )
    emit(
        summary.as_dict(),
        as_json,
        f"Restored {summary.rows} rows into {workspace_path_of(ctx)}; the audit chain verifies.",
    )


@app.command()
@guarded
def upgrade(
    ctx: typer.Context,
    backup_file: Annotated[
        Path, typer.Option("--backup", help="Where the backup taken first goes (a new file).")
    ],
    scratch: Annotated[
        Path | None, typer.Option(help="Where the restore drill's scratch folder goes.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Bring the workspace's schema up to date: first a backup, restored and checked in a
    scratch folder; only then the migration. Stop the server first."""
    from refwatch.store.drill import upgrade_workspace

    settings = settings_of(ctx)
    path, secret = workspace_path_of(ctx), secret_from(ctx)
    with progress_bar(hidden=as_json) as progress:
        progress.add_task("backing up, checking the backup, migrating", total=None)
        report = upgrade_workspace(path, settings.db, secret, backup_file, settings.actor, scratch)
    human = (
        f"Upgraded the schema from {report.from_revision} to {report.to_revision}, after a "
        f"backup to {report.backup} that restores."
        if report.upgraded
        else f"The schema is up to date ({report.to_revision}); nothing to do."
    )
    emit(report.as_dict(), as_json, human)


@app.command("delete-report")
@guarded
def delete_report_command(
    ctx: typer.Context,
    report_id: Annotated[str, typer.Argument(help="The report to erase (all its versions).")],
    reason: Annotated[str, typer.Option(help="Why: the lawful request's reference.")],
    as_json: JsonOpt = False,
) -> None:
    """Erase a report's names, notes and text on a lawful request (needs the passphrase)."""
    from refwatch.intake.deletion import delete_report

    with open_from(ctx) as ws:
        ws.unlock(secret_from(ctx))  # only a key holder may erase evidence
        result = delete_report(ws, report_id, reason, settings_of(ctx).actor)
    emit(
        result.as_dict(),
        as_json,
        f"Erased {len(result.report_ids)} version(s); persons affected: "
        f"{', '.join(result.persons) or 'none'}; published numbers to re-check "
        f"(refwatch ledger show ID): {', '.join(result.ledger_entries) or 'none'}.",
    )
