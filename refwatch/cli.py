"""The `refwatch` command: one thin command per job over the library's functions.

Every command that answers takes `--json`. Errors RefWatch expects print one line to stderr
and exit with status 2; tracebacks never show local variables (they could hold names).
"""

from __future__ import annotations

import dataclasses
import functools
import getpass
import json
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from refwatch.domain.errors import RefWatchError
from refwatch.store.keys import Secret, create_keyfile
from refwatch.store.workspace import Workspace, init_workspace, open_workspace

app = typer.Typer(
    help="RefWatch: document detentions and forced returns; publish numbers that hold up.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
err = Console(stderr=True)
out = Console()

JsonOpt = Annotated[bool, typer.Option("--json", help="Answer in JSON on standard output.")]


@dataclass
class Settings:
    workspace: Path | None
    db: str | None
    actor: str
    keyfile: Path | None


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(2)


def guarded(function: Callable[..., None]) -> Callable[..., None]:
    """Turn an expected RefWatchError into one line on stderr and exit status 2."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            function(*args, **kwargs)
        except RefWatchError as exc:
            fail(str(exc))

    return run


def emit(data: dict[str, Any], as_json: bool, human: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        out.print(human, highlight=False)


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", envvar="REFWATCH_WORKSPACE", help="Workspace folder."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", envvar="REFWATCH_DB", help="PostgreSQL URL (default: SQLite in the workspace)."
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor", envvar="REFWATCH_ACTOR", help="Who is acting, for the audit trail."
        ),
    ] = None,
    keyfile: Annotated[
        Path | None,
        typer.Option(
            "--keyfile",
            envvar="REFWATCH_KEYFILE",
            help="Keyfile (kept outside the workspace) instead of a passphrase.",
        ),
    ] = None,
) -> None:
    ctx.obj = Settings(workspace, db, actor or f"cli:{getpass.getuser()}", keyfile)


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def _workspace_path(ctx: typer.Context) -> Path:
    path = _settings(ctx).workspace
    if path is None:
        fail("choose a workspace with --workspace DIR or REFWATCH_WORKSPACE")
    return path


def _open(ctx: typer.Context) -> Workspace:
    return open_workspace(_workspace_path(ctx), _settings(ctx).db)


def _secret(
    ctx: typer.Context,
    *,
    confirm: bool = False,
    env: str = "REFWATCH_PASSPHRASE",
    keyfile: Path | None = None,
    prompt: str = "Passphrase",
) -> Secret:
    chosen = keyfile if keyfile is not None else _settings(ctx).keyfile
    if chosen is not None and env == "REFWATCH_PASSPHRASE":
        return Secret(keyfile=chosen)
    if keyfile is not None:
        return Secret(keyfile=keyfile)
    passphrase = os.environ.get(env)
    if passphrase is None:
        if not sys.stdin.isatty():
            fail(f"no passphrase: set {env} or run in a terminal to be asked")
        passphrase = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return Secret(passphrase=passphrase)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


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
    settings = _settings(ctx)
    path = _workspace_path(ctx)
    if settings.keyfile is not None and not settings.keyfile.exists():
        create_keyfile(settings.keyfile)
    secret = _secret(ctx, confirm=True)
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
    emit(
        data,
        as_json,
        f"Created workspace {path} ({data['engine']}, key protected by a {secret.kind}).",
    )


@app.command("import")
@guarded
def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Case lists: .csv, .xlsx or .jsonl.")],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="Rename a column: OLD=NEW (repeatable).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import case lists; each file is one transaction."""
    from refwatch.intake.importer import import_files, parse_mapping
    from refwatch.store.crypto import FieldCipher

    mapping = parse_mapping(map_ or [])
    with _open(ctx) as ws:
        cipher = FieldCipher(ws.unlock(_secret(ctx)))
        with _progress() as progress:
            task = progress.add_task("importing", total=None)

            def tick(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            summary = import_files(
                ws, cipher, files, mapping=mapping, actor=_settings(ctx).actor, progress=tick
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
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")
    ] = None,
    include_names: Annotated[
        bool,
        typer.Option(
            "--include-names", help="Include names and notes (needs the passphrase; audited)."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write mentions, persons or events out as CSV or JSON Lines."""
    from refwatch.intake.export import export
    from refwatch.store.crypto import FieldCipher

    with _open(ctx) as ws:
        cipher = FieldCipher(ws.unlock(_secret(ctx))) if include_names else None
        with ExitStack() as stack:
            handle = (
                stack.enter_context(open(out_path, "w", encoding="utf-8", newline=""))
                if out_path is not None
                else sys.stdout
            )
            count = export(ws, kind, fmt, handle, cipher=cipher, actor=_settings(ctx).actor)
    if out_path is not None:
        emit(
            {
                "kind": kind,
                "format": fmt,
                "rows": count,
                "out": str(out_path),
                "names": include_names,
            },
            as_json,
            f"Wrote {count} {kind} to {out_path}.",
        )


@audit_app.command("verify")
@guarded
def audit_verify(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Check the audit chain; say where it breaks, if it does."""
    with _open(ctx) as ws:
        report = ws.verify_audit()
    human = (
        f"Audit chain intact: {report.entries} entries."
        if report.ok
        else f"Audit chain BROKEN at entry {report.broken_at}: {report.problem}"
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
    with _open(ctx) as ws:
        old = _secret(ctx)
        if new_keyfile is not None and not new_keyfile.exists():
            create_keyfile(new_keyfile)
        new = _secret(
            ctx,
            confirm=True,
            env="REFWATCH_NEW_PASSPHRASE",
            keyfile=new_keyfile,
            prompt="New passphrase",
        )
        versions = ws.rotate_key(old, new, _settings(ctx).actor)
    emit(
        {"rewrapped_versions": versions, "key": new.kind},
        as_json,
        f"Re-wrapped {len(versions)} data key(s) under the new {new.kind}; "
        "the old one opens nothing.",
    )


@app.command()
@guarded
def simulate(
    outdir: Annotated[Path, typer.Argument(help="Folder for the synthetic case lists and truth.")],
    people: Annotated[int, typer.Option(help="Persons in the synthetic population.")] = 400,
    sources: Annotated[
        int, typer.Option(help="Overlapping sources, each writing a case list.")
    ] = 4,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same world).")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Generate a synthetic world: case lists with realistic noise, plus the truth."""
    from refwatch.simulate.world import simulate_world

    summary = simulate_world(outdir, people=people, sources=sources, seed=seed)
    data = dataclasses.asdict(summary)
    emit(
        data,
        as_json,
        f"Wrote a synthetic world of {people} persons and {sources} sources to {outdir}.",
    )


@app.command()
@guarded
def demo(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Build the demo workspace (synthetic seed scenario)."""
    from refwatch.simulate.load_demo import build_demo

    settings = _settings(ctx)
    path = _workspace_path(ctx)
    secret = _secret(ctx, confirm=True)
    with tempfile.TemporaryDirectory(prefix="refwatch-demo-") as tmp:
        result = build_demo(path, secret, Path(tmp), db_url=settings.db, actor=settings.actor)
    emit(
        result,
        as_json,
        f"Built the demo workspace at {path}: SYNTHETIC data, {result['mentions']} mentions "
        f"from {result['sources']} sources ({result['true_persons']} invented persons).",
    )


@app.command()
@guarded
def status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """How much evidence the workspace holds (no names)."""
    from refwatch.store.stats import workspace_stats

    with _open(ctx) as ws:
        stats = workspace_stats(ws)
    emit(stats, as_json, "\n".join(f"{key}: {value}" for key, value in stats.items()))


@app.command()
@guarded
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web app."""
    import uvicorn

    from refwatch.web.app import create_app

    path = _workspace_path(ctx)
    application = create_app(path, _settings(ctx).db)
    out.print(f"RefWatch is serving workspace {path} at http://{host}:{port}/", highlight=False)
    out.print(
        "Sign-in and user accounts arrive with the web app; this page shows status only.",
        highlight=False,
    )
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False)


def main() -> None:
    app()
