"""The shared parts of the `refwatch` command: the app, global options, output, errors.

Every command that answers takes `--json`. Errors RefWatch expects print one line to stderr
and exit with status 2; tracebacks never show local variables (they could hold names).
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from refwatch.cli._options import command_group
from refwatch.domain.errors import RefWatchError
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.workspace import Workspace, open_workspace

app = typer.Typer(
    help="RefWatch: document detentions and forced returns; publish numbers that hold up.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
audit_app = command_group("audit", "The audit trail.", parent=app)
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
    # soft_wrap: one line however long, also when stderr is a file or a pipe (80 columns).
    err.print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True
    )
    raise typer.Exit(2)


def date_option(text: str | None, option: str) -> date | None:
    """An optional date option (`--as-of 2017-09-30`): None when not given; anything but
    an ISO date stops the command with a line naming the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} takes a date such as 2017-09-30, got {text[:40]!r}")


def os_error_text(exc: OSError) -> str:
    """An operating-system error as one line: what failed, and on which path."""
    reason = exc.strerror or exc.__class__.__name__
    where = f": {exc.filename}" if exc.filename is not None else ""
    return f"{reason}{where}"


def guarded(function: Callable[..., None]) -> Callable[..., None]:
    """Turn an expected RefWatchError, or a file the system refuses (missing folder, no
    permission, full disk), into one line on stderr and exit status 2."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            function(*args, **kwargs)
        except RefWatchError as exc:
            fail(str(exc))
        except BrokenPipeError:
            # The reader went away (`refwatch export … | head`): stop quietly, as Unix
            # tools do, and keep Python from complaining when it flushes stdout at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except OSError as exc:
            fail(os_error_text(exc))

    return run


def emit(data: dict[str, Any], as_json: bool, human: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        # As written (no markup: a source may be called "[NGO] list") and never wrapped.
        out.print(human, highlight=False, markup=False, soft_wrap=True)


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
    # Everything a command creates (workspace, database and its -wal/-shm, backups, fact
    # sheets, exports) is its owner's only; the previous umask comes back at the end.
    previous_umask = os.umask(0o077)
    ctx.call_on_close(lambda: os.umask(previous_umask))
    ctx.obj = Settings(workspace, db, actor or f"cli:{getpass.getuser()}", keyfile)


def settings_of(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def workspace_path_of(ctx: typer.Context) -> Path:
    path = settings_of(ctx).workspace
    if path is None:
        fail("choose a workspace with --workspace DIR or REFWATCH_WORKSPACE")
    return path


def open_from(ctx: typer.Context) -> Workspace:
    return open_workspace(workspace_path_of(ctx), settings_of(ctx).db)


def secret_from(
    ctx: typer.Context,
    *,
    confirm: bool = False,
    env: str = "REFWATCH_PASSPHRASE",
    keyfile: Path | None = None,
    prompt: str = "Passphrase",
) -> Secret:
    chosen = keyfile if keyfile is not None else settings_of(ctx).keyfile
    if chosen is not None and env == "REFWATCH_PASSPHRASE":
        return Secret(keyfile=chosen)
    if keyfile is not None:
        return Secret(keyfile=keyfile)
    return Secret(passphrase=asked_secret(env, "passphrase", prompt, confirm=confirm))


def asked_secret(env: str, what: str, prompt: str, *, confirm: bool = False) -> str:
    """A passphrase or password from the environment variable `env`, else typed (hidden)
    in a terminal; without a terminal the command stops, naming the variable to set."""
    value = os.environ.get(env)
    if value is None:
        if not sys.stdin.isatty():
            fail(f"no {what}: set {env} or run in a terminal to be asked")
        value = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value


def cipher_from(ctx: typer.Context, workspace: Workspace) -> FieldCipher:
    """The workspace's field cipher, opened with the key the command was given: every
    command that reads or writes a sealed field opens it this one way (a wrong passphrase
    stops here, before any work)."""
    return FieldCipher(workspace.unlock(secret_from(ctx)))


def progress_bar(*, hidden: bool = False) -> Progress:
    """A progress bar on stderr; not shown with --json (`hidden`) or when stderr is not a
    terminal, so that scripts and logs get only the answer."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=hidden or not err.is_terminal,
    )


def main() -> None:
    app()
