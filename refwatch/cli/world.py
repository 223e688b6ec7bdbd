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
    guarded,
    open_from,
    out,
    progress_bar,
    secret_from,
    settings_of,
    workspace_path_of,
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
        summary = simulate_world(outdir, people=people, sources=sources, seed=seed,
                                 noise=NOISE_PRESETS[noise])
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
            path, secret, Path(tmp), db_url=settings.db, actor=settings.actor, link=link
        )
    linked = (
        f"; linkage found {result['persons_linked']} persons"
        if result["persons_linked"] is not None
        else "; not linked yet (run `refwatch link`)"
    )
    emit(
        result,
        as_json,
        f"Built the demo workspace at {path}: SYNTHETIC data, {result['mentions']} mentions "
        f"from {result['sources']} sources ({result['true_persons']} invented persons){linked}.",
    )


@app.command()
@guarded
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web app (unlocked with REFWATCH_PASSPHRASE or --keyfile when given)."""
    import os

    import uvicorn

    from refwatch.simulate.demo_users import DEMO_USERS
    from refwatch.store.stats import workspace_stats
    from refwatch.web.app import create_app

    settings = settings_of(ctx)
    path = workspace_path_of(ctx)
    secret = None
    if settings.keyfile is not None or os.environ.get("REFWATCH_PASSPHRASE") is not None:
        secret = secret_from(ctx)
    with open_from(ctx) as workspace:
        if secret is not None:
            workspace.unlock(secret)  # a wrong passphrase stops here, with a clear message
        synthetic = bool(workspace_stats(workspace)["synthetic"])
    application = create_app(path, settings.db, secret=secret)
    out.print(f"RefWatch is serving workspace {path} at http://{host}:{port}/", highlight=False)
    if secret is None:
        out.print(
            "No passphrase or keyfile given: names and report text stay locked "
            "(set REFWATCH_PASSPHRASE or --keyfile to unlock them).",
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
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False)
