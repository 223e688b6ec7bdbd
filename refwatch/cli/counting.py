"""Commands for numbers: count, trend, check, and the number ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from refwatch.cli._options import AsOfOpt, FromOpt, FromRequired, ToOpt, ToRequired, command_group
from refwatch.cli.app import JsonOpt, app, emit, guarded, open_from, settings_of
from refwatch.store.workspace import Workspace

if TYPE_CHECKING:
    from refwatch.counting.count import CountResult

ledger_app = command_group(
    "ledger", "The number ledger: every published number, reproducible.", parent=app
)

EventOpt = Annotated[
    str | None,
    typer.Option(
        "--event",
        help="apprehension, detention (began: caught or born in custody), return, release, "
        "safety, death or birth.",
    ),
]
PlaceOpt = Annotated[
    str | None,
    typer.Option("--place", help="Place, region (Yunnan: all places in it) or facility."),
]
SexOpt = Annotated[str | None, typer.Option("--sex", help="F or M.")]
AgeOpt = Annotated[
    str | None, typer.Option("--age-band", help="Age at detention: 0-17, 18-59, 60+ or A-B.")
]
FlagOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--flag",
        help="child, older, pregnant, ill, born_in_detention, guide (repeatable: all must hold).",
    ),
]
SourceOpt = Annotated[
    str | None, typer.Option("--source", help="Count only what this source reports.")
]
SourceTypeOpt = Annotated[
    str | None, typer.Option("--source-type", help="Count only what sources of this type report.")
]
StatusOpt = Annotated[
    str | None,
    typer.Option("--status", help="detained, returned, released, safe, died or unknown."),
]


@app.command()
@guarded
def count(
    ctx: typer.Context,
    event: EventOpt = None,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    place: PlaceOpt = None,
    sex: SexOpt = None,
    age_band: AgeOpt = None,
    flag: FlagOpt = None,
    source: SourceOpt = None,
    source_type: SourceTypeOpt = None,
    status: StatusOpt = None,
    as_of: AsOfOpt = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Break down by month, place, province, facility, sex, age_band, status, "
            "flag, source or source_type (give two for a cross-table).",
        ),
    ] = None,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="What the number is for (kept in the ledger).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Count persons, with bounds: at least (certainly) and at most (possibly).

    Every answer goes into the number ledger; its id is printed (and `ledger_id` in JSON).
    """
    from refwatch.counting.count import count_persons
    from refwatch.counting.filters import CountFilter

    # The filter options are read by their names (CountFilter.from_params), as in `trend`.
    with open_from(ctx) as ws:
        result = count_persons(
            ws,
            CountFilter.from_params(ctx.params),
            by=by or None,
            record=True,
            actor=settings_of(ctx).actor,
            purpose=purpose,
        )
    emit(result.as_dict(), as_json, escape("\n".join(_count_lines(result))))


def _count_lines(result: CountResult) -> list[str]:
    """`count`'s answer for a reader: the bounds, why they differ, the cells, the ledger id."""
    from refwatch.counting.describe import bounds_text, cell_label, describe, width_text

    lines = [
        f"{describe(result.query).capitalize()}: {bounds_text(result.at_least, result.at_most)}."
    ]
    explained = width_text(result.width) if result.width else ""
    if explained:
        lines.append(f"Why the bounds differ: {explained}.")
    if result.cells:
        dims = result.query.by
        names = [
            " / ".join(cell_label(d, v) for d, v in zip(dims, c.key, strict=True))
            for c in result.cells
        ]
        width = max(len(n) for n in [*names, " / ".join(dims)])
        lines.append(f"{' / '.join(dims):<{width}}  at least  up to")
        lines.extend(
            f"{name:<{width}}  {c.at_least:>8}  {c.at_most:>5}"
            for name, c in zip(names, result.cells, strict=True)
        )
    if result.conflicted:
        lines.append(
            f"{len(result.conflicted)} person(s) with conflicting reports count in 'up to' "
            "only; `refwatch check` lists them."
        )
    lines.append(f"Ledger entry {result.ledger_id} (snapshot {result.snapshot_hash[:12]}).")
    return lines


@app.command("trend")
@guarded
def trend_command(
    ctx: typer.Context,
    period_from: FromRequired,
    period_to: ToRequired,
    event: Annotated[str, typer.Option("--event", help="The event counted.")] = "detention",
    place: PlaceOpt = None,
    sex: SexOpt = None,
    age_band: AgeOpt = None,
    flag: FlagOpt = None,
    source: SourceOpt = None,
    source_type: SourceTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A period against the one before it and the year before; change points by month."""
    from refwatch.counting.filters import CountFilter
    from refwatch.counting.trends import trend

    filters = CountFilter.from_params(ctx.params)
    with open_from(ctx) as ws:
        result = trend(ws, filters, record=True, actor=settings_of(ctx).actor)
    lines = [result.sentence().capitalize()]
    for point in result.change_points:
        lines.append(
            f"Change point in {point.month} ({point.series.replace('_', ' ')} series): "
            f"{point.mean_before:.1f} a month before, {point.mean_after:.1f} after"
            + (" — in both bounds" if point.robust else "")
        )
    ids = [r.ledger_id for r in (result.current, result.previous, result.year_before)]
    lines.append("Ledger entries: " + ", ".join(str(i) for i in ids))
    emit(result.as_dict(), as_json, escape("\n".join(lines)))


@app.command("check")
@guarded
def check_command(
    ctx: typer.Context,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Consistency checks before publishing: do the parts add up? Exit 1 on an error."""
    from refwatch.counting.checks import run_checks

    with open_from(ctx) as ws:
        outcomes = run_checks(ws, period_from=period_from, period_to=period_to, as_of=as_of)
    lines = []
    for outcome in outcomes:
        mark = "ok" if outcome.ok else ("FAIL" if outcome.severity == "error" else "warning")
        lines.append(f"{mark}: {outcome.name}: {outcome.message}")
        if outcome.persons:
            lines.append("       persons: " + ", ".join(outcome.persons))
    failed = any(not o.ok and o.severity == "error" for o in outcomes)
    emit(
        {"ok": not failed, "checks": [o.as_dict() for o in outcomes]},
        as_json,
        escape("\n".join(lines)),
    )
    if failed:
        raise typer.Exit(1)


@ledger_app.command("list")
@guarded
def ledger_list_command(
    ctx: typer.Context,
    kind: Annotated[
        str | None, typer.Option("--kind", help="count, breakdown or estimate.")
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", help="Text in the question, the purpose or who asked."),
    ] = None,
    before: Annotated[
        str | None, typer.Option("--before", help="Entries older than this id (paging).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The ledger's entries, newest first, and whether today's data gives each again."""
    from refwatch.counting.ledger_check import ledger_listing

    with open_from(ctx) as ws:
        entries = ledger_listing(ws, kind=kind, search=search, before=before, limit=limit)
    same = {True: "same today", False: "DIFFERENT today", None: "not recomputed"}
    lines = [
        f"{e['id']}  {e['created_at'][:16]}  {e['kind']:<9}  {e['number']}"
        + f"  {same[e['same_today']]}  by {e['actor']}"
        + (f"  ({e['purpose']})" if e["purpose"] else "")
        for e in entries
    ] or ["No ledger entries match."]
    emit({"entries": entries}, as_json, escape("\n".join(lines)))


@ledger_app.command("show")
@guarded
def ledger_show_command(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(help="Ledger entry id, e.g. L-000042.")],
    as_json: JsonOpt = False,
) -> None:
    """Recompute a ledger entry on today's data: same number? which persons changed?"""
    from refwatch.counting.describe import bounds_text, describe, width_text
    from refwatch.counting.ledger import read_entry
    from refwatch.counting.ledger_check import ledger_show

    with open_from(ctx) as ws:
        if read_entry(ws, entry_id)["kind"] == "estimate":
            _show_estimate_entry(ws, entry_id, as_json)
            return
        check = ledger_show(ws, entry_id)
    entry = check.entry
    then = bounds_text(entry["at_least"], entry["at_most"])
    now = bounds_text(check.now.at_least, check.now.at_most)
    lines = [
        f"{entry['id']} ({entry['kind']}, {entry['created_at']}, by {entry['actor']}): "
        f"{describe(check.now.query)}",
        f"Then: {then} (snapshot {entry['snapshot_hash'][:12]}).",
        f"Now:  {now} (snapshot {check.now.snapshot_hash[:12]}).",
    ]
    if check.same_numbers:
        lines.append(
            "Today's data gives the same numbers"
            + (" from the same evidence." if check.same_snapshot else " (the evidence changed).")
        )
    else:
        lines.append("Today's data gives DIFFERENT numbers.")
    explained = width_text(check.now.width) if check.now.width else ""
    if explained:
        lines.append(f"Why the bounds differ now: {explained}.")
    if not check.same_rules:
        lines.append("The counting rules changed since (see docs/counting.md).")
    for label, people in (
        ("Persons added", check.added),
        ("Persons removed", check.removed),
        ("Now certain", check.newly_certain),
        ("No longer certain", check.no_longer_certain),
    ):
        if people:
            lines.append(f"{label}: {', '.join(people)}")
    for cell in check.changed_cells:
        lines.append(f"Cell {' / '.join(cell['cell'])}: {cell['then']} -> {cell['now']}")
    emit(check.as_dict(), as_json, escape("\n".join(lines)))


def _show_estimate_entry(ws: Workspace, entry_id: str, as_json: bool) -> None:
    """`ledger show` for an estimate: rebuild its capture table today and estimate again."""
    from refwatch.counting.ledger import read_entry
    from refwatch.estimate.record import recheck_estimate

    check = recheck_estimate(ws, read_entry(ws, entry_id))
    entry, then = check.entry, check.entry["numbers"]

    def said(numbers: dict[str, Any]) -> str:
        return (
            f"{numbers['estimate']:,.0f} persons ({numbers['level']:.0%} interval "
            f"{numbers['lower']:,.0f}-{numbers['upper']:,.0f}), {numbers['n_observed']:,} observed"
        )

    stratum = entry["query"].get("stratum")
    lines = [
        f"{entry['id']} (estimate, {entry['created_at']}, by {entry['actor']}): "
        f"{then['method']} by {entry['query'].get('lists', 'source')}"
        + (f", stratum {stratum}" if stratum else ""),
        f"Then: {said(then)} (snapshot {entry['snapshot_hash'][:12]}).",
        f"Now:  {said(check.now)}." if check.now else f"Now:  no estimate ({check.error}).",
    ]
    if check.same_numbers:
        lines.append("Today's data gives the same estimate from the same capture table.")
    elif check.same_table and not check.seeded:
        lines.append(
            "Same capture table; the interval differs only because no seed was stored "
            "(bootstrap or sampler noise)."
        )
    else:
        lines.append("Today's data gives a DIFFERENT estimate.")
    if check.left_out:
        lines.append("Lists left out, then and again now: " + ", ".join(check.left_out))
    for label, people in (("Persons added", check.added), ("Persons removed", check.removed)):
        if people:
            lines.append(f"{label}: {', '.join(people)}")
    emit(check.as_dict(), as_json, escape("\n".join(lines)))
