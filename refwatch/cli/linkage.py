"""Commands of record linkage: link (and explain a person), review uncertain pairs."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from refwatch.cli.app import (
    JsonOpt,
    app,
    cipher_from,
    emit,
    err,
    fail,
    guarded,
    open_from,
    out,
    progress_bar,
    settings_of,
)

if TYPE_CHECKING:
    from refwatch.linkage import PairForReview, PersonExplanation
    from refwatch.linkage.evidence import MentionEvidence

EVIDENCE_ROWS: tuple[tuple[str, str], ...] = (
    ("name_hangul", "name (Hangul)"),
    ("name_latin", "name (Latin)"),
    ("person_id", "person now"),
    ("source", "source"),
    ("record_id", "record"),
    ("reported_on", "reported on"),
    ("sex", "sex"),
    ("birth_year", "birth year"),
    ("age", "age"),
    ("origin", "origin"),
    ("apprehended_on", "apprehended on"),
    ("apprehended_at", "apprehended at"),
    ("held_at", "held at"),
    ("status", "status"),
    ("status_on", "status on"),
    ("group", "group"),
    ("flags", "flags"),
)


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _explanation_text(found: PersonExplanation) -> str:
    lines = [f"{found.person_id} (version {found.version})"]
    if found.retired:
        lines.append(f"retired; its mentions went to {found.successor_id or 'nobody'}")
    lines.append(f"{len(found.mentions)} mentions:")
    for m in found.mentions:
        name = " / ".join(n for n in (m.name_hangul, m.name_latin) if n) or "(names hidden)"
        lines.append(
            f"  {m.mention_id}  {m.source} {m.record_id or ''}: {name}; sex {_shown(m.sex)}, "
            f"born {_shown(m.birth_year)}, age {_shown(m.age)}, from {_shown(m.origin)}; "
            f"apprehended {_shown(m.apprehended_on)} at {_shown(m.apprehended_at)}"
        )
    if found.pairs:
        lines.append(f"pairs scored by run {found.run_id} (threshold {found.threshold}):")
    for pair in found.pairs:
        lines.append(
            f"  {pair.mention_a} ~ {pair.mention_b}: probability {pair.match_probability:.4f}, "
            f"match weight {pair.match_weight:+.2f} (prior {pair.prior_weight})"
        )
        for part in pair.parts:
            lines.append(f"      {part.weight:+6.2f}  {part.comparison}: {part.level}")
    for decision in found.decisions:
        state = "undone" if decision["undone_at"] else "active"
        lines.append(
            f"  decision {decision['id']}: {decision['kind']} ({state}) by "
            f"{decision['actor']} on {decision['decided_at']}"
            + (f": {decision['reason']}" if decision.get("reason") else "")
        )
    if not found.pairs and len(found.mentions) > 1:
        lines.append("  joined by human decisions, not by a scored pair")
    return "\n".join(lines)


@app.command()
@guarded
def link(
    ctx: typer.Context,
    explain: Annotated[
        str | None,
        typer.Option("--explain", help="Show why the mentions of this person were joined."),
    ] = None,
    names: Annotated[
        bool,
        typer.Option(
            "--names/--no-names",
            help="With --explain: show names (needs the passphrase; audited).",
        ),
    ] = True,
    backend: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
    threshold: Annotated[
        float | None,
        typer.Option(help="Join groups whose average pair has at least this probability."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Link mentions into persons (record linkage), or --explain one person."""
    from refwatch.linkage import LinkageConfig, explain_person, run_linkage

    actor = settings_of(ctx).actor
    if backend not in ("duckdb", "spark"):
        fail("--backend takes duckdb or spark")
    with open_from(ctx) as ws:
        if explain is not None:
            cipher = cipher_from(ctx, ws) if names else None
            found = explain_person(ws, cipher, explain, actor=actor)
            emit(found.as_dict(), as_json, _explanation_text(found))
            return
        cipher = cipher_from(ctx, ws)
        config = LinkageConfig() if threshold is None else LinkageConfig(threshold=threshold)
        with progress_bar(hidden=as_json) as progress:
            task = progress.add_task("linking", total=None)

            def tick(what: str, done: int, total: int) -> None:
                progress.update(task, description=what, completed=done, total=total)

            summary = run_linkage(ws, cipher, actor, tick, config=config, backend=backend)
    emit(
        summary.as_dict(),
        as_json,
        f"Linked {summary.mentions} mentions into {summary.persons} persons "
        f"(before: {summary.persons_before}; {summary.kept} ids kept, {summary.created} new, "
        f"{summary.retired} retired, {summary.changed} changed) in {summary.seconds} s. "
        f"Run {summary.run_id}.",
    )


def _pair_table(pair: PairForReview) -> Table:
    table = Table(title=f"p = {pair.match_probability:.3f}  (weight {pair.match_weight:+.2f})")
    table.add_column("")
    table.add_column(f"A  {pair.mention_a.mention_id}")
    table.add_column(f"B  {pair.mention_b.mention_id}")
    a: MentionEvidence = pair.mention_a
    b: MentionEvidence = pair.mention_b
    for attribute, label in EVIDENCE_ROWS:
        table.add_row(label, _shown(getattr(a, attribute)), _shown(getattr(b, attribute)))
    return table


def _parts_table(pair: PairForReview) -> Table:
    table = Table(title="what drove the score (match weights, bits)")
    table.add_column("comparison")
    table.add_column("level")
    table.add_column("weight", justify="right")
    if pair.prior_weight is not None:
        table.add_row("prior", "two random mentions", f"{pair.prior_weight:+.2f}")
    for part in pair.parts:
        table.add_row(part.comparison, part.level, f"{part.weight:+.2f}")
    return table


def _ask(question: str, default: str) -> str:
    """One answer typed at the review prompt, trimmed and lower-cased."""
    return str(typer.prompt(question, default=default)).strip().lower()


@app.command()
@guarded
def review(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Pairs to fetch at a time.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Review uncertain pairs: same person, not the same, skip, or undo the last answer."""
    from refwatch.linkage import decide, review_queue, undo_decision

    actor = settings_of(ctx).actor
    with open_from(ctx) as ws:
        cipher = cipher_from(ctx, ws)
        queue = review_queue(ws, cipher, limit, actor=actor)
        if as_json:
            sys.stdout.write(
                json.dumps([p.as_dict() for p in queue], ensure_ascii=False, indent=2) + "\n"
            )
            return
        if not queue:
            out.print("Nothing to review: no uncertain pairs in the latest linkage run.")
            return
        answered: list[tuple[str, PairForReview]] = []
        index = 0
        while True:
            if index >= len(queue):
                answer = _ask("No more pairs in this batch: [u]ndo last / [q]uit", "q")
                if answer not in ("u", "undo"):
                    break
            else:
                pair = queue[index]
                out.print(_pair_table(pair))
                out.print(_parts_table(pair))
                answer = _ask("[s]ame person / [n]ot the same / s[k]ip / [u]ndo last / [q]uit", "k")
            if answer in ("q", "quit"):
                break
            if answer in ("u", "undo"):
                if not answered:
                    err.print("nothing to undo")
                    continue
                decision_id, previous = answered.pop()
                undo_decision(ws, decision_id, actor)
                out.print(f"Undone {decision_id}; persons follow at the next `refwatch link`.")
                index = queue.index(previous)
                continue
            choices = {"s": True, "same": True, "n": False, "not": False, "k": None, "skip": None}
            if answer not in choices:
                err.print("answer s, n, k, u or q")
                continue
            same = choices[answer]
            reason = None
            if same is not None:
                reason = typer.prompt("Why? (optional; stored encrypted)", default="") or None
            decision = decide(
                ws,
                pair.mention_a.mention_id,
                pair.mention_b.mention_id,
                same,
                actor,
                reason,
                cipher=cipher,
                run_id=pair.run_id,
            )
            answered.append((decision.id, pair))
            out.print(f"Recorded {decision.kind} ({decision.id}).")
            index += 1
    emit(
        {"answered": len(answered)},
        False,
        f"{len(answered)} answers recorded this session.",
    )
