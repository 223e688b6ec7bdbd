"""Commands for synthetic data and serving: simulate, demo, serve."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from refwatch.cli.app import (
    JsonOpt,
    app,
    emit,
    fail,
    guarded,
    open_from,
    out,
    progress_bar,
    secret_from,
    settings_of,
    workspace_path_of,
)
from refwatch.domain.errors import RefWatchError
from refwatch.store.keys import Secret


@app.command()
@guarded
def simulate(
    outdir: Annotated[Path, typer.Argument(help="Folder for the synthetic case lists and truth.")],
    people: Annotated[int, typer.Option(help="Persons in the synthetic population.")] = 400,
    sources: Annotated[
        int, typer.Option(help="Overlapping sources, each writing a case list.")
    ] = 4,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same world).")] = 1,
    noise: Annotated[
        str, typer.Option(help="Extra noise preset: none, realistic or hard.")
    ] = "none",
    as_json: JsonOpt = False,
) -> None:
    """Generate a synthetic world: case lists with realistic noise, plus the truth."""
    from refwatch.simulate.world import NOISE_PRESETS, simulate_world

    if noise not in NOISE_PRESETS:
        raise typer.BadParameter(f"--noise must be one of {', '.join(NOISE_PRESETS)}")
    with progress_bar(hidden=as_json) as progress:
        progress.add_task("simulating", total=None)
        summary = simulate_world(
            outdir, people=people, sources=sources, seed=seed, noise=NOISE_PRESETS[noise]
        )
    data = dataclasses.asdict(summary)
    emit(
        data,
        as_json,
        f"Wrote a synthetic world of {people} persons and {sources} sources to {outdir}.",
    )


@app.command()
@guarded
def demo(
    ctx: typer.Context,
    link: Annotated[
        bool, typer.Option("--link/--no-link", help="Run record linkage after the import.")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Build the demo workspace (synthetic seed scenario), linked unless --no-link."""
    from refwatch.alerts.demo import add_demo_channel
    from refwatch.simulate.load_demo import build_demo

    settings = settings_of(ctx)
    path = workspace_path_of(ctx)
    secret = secret_from(ctx, confirm=True)
    with (
        tempfile.TemporaryDirectory(prefix="refwatch-demo-") as tmp,
        progress_bar(hidden=as_json) as progress,
    ):
        progress.add_task("building the demo workspace", total=None)
        result = build_demo(
            path,
            secret,
            Path(tmp),
            db_url=settings.db,
            actor=settings.actor,
            link=link,
            add_alert_channel=add_demo_channel,
        )
    linked = (
        f"; linkage found {result['persons_linked']} persons"
        if result["persons_linked"] is not None
        else "; not linked yet (run `refwatch link`)"
    )
    channel = result.get("alert_channel")
    alerts = (
        f"\nAlerts go to {channel['url']} (start a receiver there with `refwatch alerts "
        f"receive`; its signing key, shown once: {channel['signing_key']})."
        if channel
        else ""
    )
    emit(
        result,
        as_json,
        f"Built the demo workspace at {path}: SYNTHETIC data, {result['mentions']} mentions "
        f"from {result['sources']} sources ({result['true_persons']} invented persons)"
        f"{linked}.{alerts}",
    )


CREDENTIAL_KEYFILE = "refwatch-key"
CREDENTIAL_PASSPHRASE = "refwatch-passphrase"  # noqa: S105 (a file name)


def serve_secret(ctx: typer.Context, ask: bool) -> Secret | None:
    """The secret `serve` unlocks with, first found: --keyfile (or REFWATCH_KEYFILE); a
    systemd credential (`refwatch-key`, a keyfile, or `refwatch-passphrase`, in
    $CREDENTIALS_DIRECTORY: systemd decrypts it into a private in-memory folder for this
    service only); REFWATCH_PASSPHRASE; the terminal prompt (--ask-passphrase). None:
    serve locked."""
    import os

    settings = settings_of(ctx)
    if settings.keyfile is not None:
        return Secret(keyfile=settings.keyfile)
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials:
        keyfile = Path(credentials) / CREDENTIAL_KEYFILE
        if keyfile.is_file():
            return Secret(keyfile=keyfile)
        passphrase_file = Path(credentials) / CREDENTIAL_PASSPHRASE
        if passphrase_file.is_file():
            text = passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
            return Secret(passphrase=text)
    if os.environ.get("REFWATCH_PASSPHRASE") is not None or ask:
        return secret_from(ctx)
    return None


@app.command()
@guarded
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (one per core is a start).")
    ] = 1,
    ask_passphrase: Annotated[
        bool,
        typer.Option("--ask-passphrase", help="Ask for the passphrase on the terminal."),
    ] = False,
    log_format: Annotated[
        str, typer.Option(help="text, or json: one JSON object per line, with an access log.")
    ] = "text",
    worker_header: Annotated[bool, typer.Option(hidden=True)] = False,
) -> None:
    """Serve the web app, unlocked with --keyfile, a systemd credential, REFWATCH_PASSPHRASE
    or --ask-passphrase (see docs/deploy.md)."""
    from refwatch.simulate.demo_users import DEMO_USERS
    from refwatch.store.stats import workspace_stats
    from refwatch.web.serving import Handover, new_csrf_key
    from refwatch.web.serving import serve as run_server

    if log_format not in ("text", "json"):
        raise typer.BadParameter("--log-format must be text or json")
    settings = settings_of(ctx)
    path = workspace_path_of(ctx)
    secret = serve_secret(ctx, ask_passphrase)
    keys = None
    with open_from(ctx) as workspace:
        if secret is not None:
            keys = workspace.unlock(secret)  # a wrong passphrase stops here, with a clear message
        synthetic = bool(workspace_stats(workspace)["synthetic"])
    handover = Handover(
        path,
        settings.db,
        keys,
        new_csrf_key(),
        "json" if log_format == "json" else "text",
        worker_header,
    )
    del secret  # only the unwrapped data keys go on, to the workers
    out.print(
        f"RefWatch is serving workspace {path} at http://{host}:{port}/"
        + (f" with {workers} workers" if workers > 1 else ""),
        highlight=False,
    )
    if keys is None:
        out.print(
            "No passphrase or keyfile given: names and report text stay locked "
            "(use --keyfile, a systemd credential, REFWATCH_PASSPHRASE or --ask-passphrase).",
            highlight=False,
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        out.print(
            "Sessions use Secure cookies: serve other hosts behind HTTPS (a TLS proxy).",
            highlight=False,
        )
    if synthetic:
        out.print("SYNTHETIC demo workspace. Demo sign-ins (demo only):", highlight=False)
        for username, role, password in DEMO_USERS:
            out.print(f"  {role.value:11} {username} / {password}", highlight=False)
    run_server(handover, host=host, port=port, workers=workers)


@app.command()
def doctor(
    ctx: typer.Context,
    public_url: Annotated[
        str | None,
        typer.Option(envvar="REFWATCH_PUBLIC_URL", help="The address users open (https://…)."),
    ] = None,
    behind_proxy: Annotated[
        bool,
        typer.Option(
            "--behind-proxy", envvar="REFWATCH_BEHIND_PROXY", help="A TLS proxy is in front."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check this installation: permissions, key location, TLS in front, backup age, the
    database's settings, free disk. Exit status 1 when a check fails."""
    import json
    import os
    import sys

    from refwatch.store.doctor import DoctorInput, as_dicts, run_checks, worst
    from refwatch.store.workspace import open_workspace

    settings = settings_of(ctx)
    keyfile = settings.keyfile
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if keyfile is None and credentials and (Path(credentials) / CREDENTIAL_KEYFILE).is_file():
        keyfile = Path(credentials) / CREDENTIAL_KEYFILE
    given = DoctorInput(
        keyfile=keyfile,
        passphrase_in_environment=os.environ.get("REFWATCH_PASSPHRASE") is not None,
        public_url=public_url,
        behind_proxy=behind_proxy,
    )
    try:
        # Without upgrading: a check must change nothing, not even the schema.
        with open_workspace(workspace_path_of(ctx), settings.db, upgrade=False) as workspace:
            checks = run_checks(workspace, given)
    except RefWatchError as exc:
        fail(str(exc))
    overall = worst(checks)
    if as_json:
        sys.stdout.write(
            json.dumps({"status": overall, "checks": as_dicts(checks)}, indent=2) + "\n"
        )
    else:
        for check in checks:
            out.print(
                f"{check.level.upper():4}  {check.name:11} {check.reason}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        out.print(f"overall: {overall}", highlight=False)
    if overall == "fail":
        raise typer.Exit(1)
