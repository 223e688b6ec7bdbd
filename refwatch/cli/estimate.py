"""The `estimate` command: multiple systems estimation from a table or from the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from refwatch.cli.app import JsonOpt, app, date_option, emit, fail, guarded, open_from, settings_of

if TYPE_CHECKING:
    from refwatch.estimate import EstimateOptions
    from refwatch.estimate.api import HistoriesQuery
    from refwatch.estimate.asked import EstimateRequest


def _human(data: dict[str, Any]) -> str:
    def number(v: float | None) -> str:
        return "no upper limit" if v is None else f"{v:,.0f}"

    level = round(100 * data["level"])
    model = data["model"]
    how = (
        f"model {model.get('name')} chosen by {model.get('selection', '').upper()}"
        if data["method"] == "loglinear"
        else f"LCMCR, K={model.get('K')}, {model.get('chains')} chains"
    )
    lines = [
        f"Estimated total: {number(data['estimate'])} ({level}% interval "
        f"{number(data['lower'])} to {number(data['upper'])}); {data['n_observed']:,} seen "
        f"on {len(data['lists'])} lists; {how}.",
    ]
    for label, stratum in (data.get("strata") or {}).items():
        if "error" in stratum:
            lines.append(f"  {label}: no estimate — {stratum['error']}")
        else:
            lines.append(
                f"  {label}: {number(stratum['estimate'])} ({number(stratum['lower'])} to "
                f"{number(stratum['upper'])}), {stratum['n_observed']:,} seen"
            )
    linkage = data.get("linkage")
    if linkage:
        fixed = linkage["fixed"]
        lines.append(
            f"Linkage: {linkage['draws']} linkages drawn; about "
            f"{100 * linkage['share_of_width']:.0f}% of the width comes from linkage; with the "
            f"links taken as certain: {number(fixed['estimate'])} ({number(fixed['lower'])} to "
            f"{number(fixed['upper'])})."
        )
    lines += [f"Note: {n}" for n in data.get("notes", [])]
    lines += [f"Warning: {w}" for w in data["warnings"]]
    if data.get("ledger_ids"):
        lines.append("Ledger entries: " + ", ".join(data["ledger_ids"].values()))
    return escape("\n".join(lines))


HistoriesArg = Annotated[
    Path | None,
    typer.Argument(
        help="CSV of capture histories (one 0/1 column per list and a count column). "
        "Without it, histories are built from the workspace's linked persons."
    ),
]
MethodOpt = Annotated[str, typer.Option(help="loglinear or lcmcr.")]
SelectOpt = Annotated[
    str | None,
    typer.Option("--select", help="bic, aic or stepwise (default: bic up to 5 lists)."),
]
MaxorderOpt = Annotated[
    int | None, typer.Option(help="Highest interaction order searched (default t-1).")
]
IntervalOpt = Annotated[str, typer.Option(help="bootstrap (redoes model selection) or profile.")]
NbootOpt = Annotated[int, typer.Option(help="Bootstrap replicates.")]
LevelOpt = Annotated[float, typer.Option(help="Interval level.")]
SeedOpt = Annotated[int | None, typer.Option(help="Seed: same seed, same answer.")]
ListsOpt = Annotated[str, typer.Option(help="Workspace lists: source or source_type.")]
StratifyOpt = Annotated[
    str | None,
    typer.Option(help="Also estimate per month, quarter, region, sex or age_band."),
]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day (ISO).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (ISO).")]
MergeOpt = Annotated[
    list[str] | None,
    typer.Option(help="Merge lists into one, e.g. --merge 'PF+NCA' (table input)."),
]
KOpt = Annotated[int, typer.Option("--K", help="LCMCR: most latent classes.")]
BurninOpt = Annotated[int, typer.Option(help="LCMCR: burn-in sweeps per chain.")]
SamplesOpt = Annotated[int, typer.Option(help="LCMCR: draws kept per chain.")]
ThinningOpt = Annotated[int, typer.Option(help="LCMCR: sweeps between kept draws.")]
ChainsOpt = Annotated[int, typer.Option(help="LCMCR: chains (run on all cores).")]
SensitivityOpt = Annotated[
    bool,
    typer.Option(
        "--linkage-sensitivity",
        help="Re-cluster at several match thresholds and show how the estimate moves.",
    ),
]
LinkageOpt = Annotated[
    str,
    typer.Option(
        help="Workspace estimates: aware (integrate over linkages drawn from the latest "
        "run's match probabilities) or fixed (links taken as certain)."
    ),
]
DrawsOpt = Annotated[int, typer.Option(help="Linkage-aware: clusterings drawn.", min=1, max=1000)]
InsideOpt = Annotated[
    float, typer.Option(help="Linkage-aware: logit shift of the pairs inside a person.")
]
BetweenOpt = Annotated[
    float, typer.Option(help="Linkage-aware: logit shift of the pairs between persons.")
]
LeaveOutOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--leave-out",
        help="Workspace estimates: leave this list out (repeatable); its persons count only "
        "if another list saw them.",
    ),
]
PurposeOpt = Annotated[
    str | None, typer.Option(help="What the estimate is for (kept in the ledger).")
]


@app.command("estimate")
@guarded
def estimate_command(
    ctx: typer.Context,
    histories: HistoriesArg = None,
    method: MethodOpt = "loglinear",
    select: SelectOpt = None,
    maxorder: MaxorderOpt = None,
    interval: IntervalOpt = "bootstrap",
    nboot: NbootOpt = 1000,
    level: LevelOpt = 0.95,
    seed: SeedOpt = None,
    lists: ListsOpt = "source",
    stratify: StratifyOpt = None,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    merge: MergeOpt = None,
    k_classes: KOpt = 5,
    burnin: BurninOpt = 10_000,
    samples: SamplesOpt = 1_000,
    thinning: ThinningOpt = 10,
    chains: ChainsOpt = 4,
    linkage_sensitivity: SensitivityOpt = False,
    linkage: LinkageOpt = "aware",
    linkage_draws: DrawsOpt = 30,
    linkage_shift_inside: InsideOpt = 2.0,
    linkage_shift_between: BetweenOpt = 0.0,
    purpose: PurposeOpt = None,
    leave_out: LeaveOutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Estimate how many people no list recorded (multiple systems estimation)."""
    from refwatch.estimate import EstimateOptions, LcmcrSettings

    _check_choices(method, select, interval, linkage)
    options = EstimateOptions(
        method=method,  # type: ignore[arg-type]
        selection=select,  # type: ignore[arg-type]
        maxorder=maxorder,
        level=level,
        interval=interval,  # type: ignore[arg-type]
        nboot=nboot,
        seed=seed,
        lcmcr=LcmcrSettings(
            K=k_classes, burnin=burnin, samples=samples, thinning=thinning, chains=chains, seed=seed
        ),
        linkage=linkage,  # type: ignore[arg-type]
        linkage_draws=linkage_draws,
        linkage_shift_inside=linkage_shift_inside,
        linkage_shift_between=linkage_shift_between,
    )
    if leave_out and (histories is not None or linkage_sensitivity):
        fail("--leave-out is for workspace estimates; a table's lists are merged with --merge")
    if histories is not None:
        data = _from_table(histories, merge or [], options)
        emit(data, as_json, _human(data))
        return
    from refwatch.estimate.asked import EstimateRequest

    asked = EstimateRequest(
        lists,  # type: ignore[arg-type]
        None if linkage_sensitivity else stratify,
        date_option(period_from, "--from"),
        date_option(period_to, "--to"),
        options,
        purpose,
        tuple(leave_out or ()),
    )
    if linkage_sensitivity:
        data = _sensitivity(ctx, asked.query, options)
        emit(data, as_json, escape(str(data.get("summary", ""))))
        return
    data = _from_workspace(ctx, asked)
    emit(data, as_json, _human(data))


def _check_choices(method: str, select: str | None, interval: str, linkage: str) -> None:
    if method not in ("loglinear", "lcmcr"):
        fail(f"--method is loglinear or lcmcr, not {method!r}")
    if select not in (None, "bic", "aic", "stepwise"):
        fail(f"--select is bic, aic or stepwise, not {select!r}")
    if interval not in ("bootstrap", "profile"):
        fail(f"--interval is bootstrap or profile, not {interval!r}")
    if linkage not in ("aware", "fixed"):
        fail(f"--linkage is aware or fixed, not {linkage!r}")


def _from_table(histories: Path, merge: list[str], options: EstimateOptions) -> dict[str, Any]:
    """An estimate from a CSV of capture histories, with lists merged as asked."""
    from refwatch.estimate import estimate_from_table
    from refwatch.estimate.table import read_histories_csv

    table = read_histories_csv(histories)
    if merge:
        groups = [g.split("+") for g in merge]
        merged = {name for g in groups for name in g}
        groups += [[name] for name in table.lists if name not in merged]
        table = table.merged(groups)
    return estimate_from_table(table, options).as_dict()


def _sensitivity(
    ctx: typer.Context, query: HistoriesQuery, options: EstimateOptions
) -> dict[str, Any]:
    from refwatch.estimate.sensitivity import linkage_sensitivity as run_sensitivity

    with open_from(ctx) as workspace:
        return run_sensitivity(workspace, query, options=options)


def _from_workspace(ctx: typer.Context, asked: EstimateRequest) -> dict[str, Any]:
    """An estimate from the workspace's linked persons, recorded in the ledger."""
    from refwatch.estimate.asked import estimate_recorded

    with open_from(ctx) as workspace:
        return estimate_recorded(workspace, asked, actor=settings_of(ctx).actor).as_dict()
