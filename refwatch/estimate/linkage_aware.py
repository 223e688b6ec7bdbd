"""Estimates that carry linkage error: integrate over the clusterings linkage could give.

Why: multiple systems estimation counts overlaps between lists, and the overlaps are made
by record linkage. A missed link turns one person into two one-list persons and inflates
the estimate; a false link does the opposite. An interval computed from one clustering
treats the links as certain and is too narrow (issue 12: 1 of 7 worlds covered).

What is done here (docs/estimation.md, "Linkage-aware estimates"):

1. Read, once and without decrypting anything, the current mentions, the pairs the latest
   linkage run stored with their match probabilities (pairs inside persons and the
   uncertain ones between persons) and the active human decisions.
2. Draw `draws` clusterings. In each, every stored pair is kept independently with its
   (optionally calibrated) match probability; "same person" decisions are always kept;
   mentions are joined along kept pairs (connected pieces); where a piece would hold the
   two mentions of a "not the same" decision, the piece is rebuilt by joining along its
   kept pairs strongest first and refusing any join that would bring the two together.
   Mentions that are one person now but that no stored pair connects (joined by a person
   or before any run) stay together: there is no probability to vary.
3. Build the capture histories of each clustering with the usual rules and estimate on
   each: LCMCR with one chain per clustering and the chosen burn-in, its draws pooled
   (the same number from each clustering); log-linear with its bootstrap replicates
   pooled. The estimate is the median of the pooled draws (log-linear: of the per-
   clustering estimates), the interval their equal-tailed quantiles.
4. The answer keeps the fixed-linkage estimate (the persons as they are now, the user's
   full settings) beside the pooled one and says how much of the width comes from
   linkage: by the law of total variance, the share of the pooled variance that lies
   between clusterings, and one minus the ratio of the typical single-clustering width to
   the pooled width.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]
from sqlalchemy import Connection, select

from refwatch.domain.errors import Message
from refwatch.estimate import messages
from refwatch.estimate.core import (
    EstimateOptions,
    WorkspaceEstimate,
    estimate_from_table,
    estimate_strata,
)
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.histories import (
    HistoriesQuery,
    ListKey,
    MentionFacts,
    WorkspaceHistories,
    load_mention_facts,
    persons_from_facts,
)
from refwatch.estimate.result import EstimateResult
from refwatch.estimate.table import CaptureTable
from refwatch.linkage.chains import load_chains
from refwatch.linkage.constraints import row_constraints
from refwatch.linkage.order import report_key
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkagePair
from refwatch.store.workspace import Workspace

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
pairs_table = table_of(LinkagePair)

DRAWS = 30
"""Clusterings drawn by default."""
PER_DRAW_MODELS = 20
"""Log-linear models searched in each drawn clustering (the best on the persons now)."""
SURE = 1.0 - 1e-9
"""A pair at or above this probability is always kept."""
LOOKALIKE_FLOOR = 0.2
"""A stored pair between two persons at or above this probability makes them look alike."""
LOOKALIKE_SHARE = 0.05
LOOKALIKE_MIN = 10
"""Warn when at least this many one-list persons, and this share of them, look alike."""


@dataclass(frozen=True)
class LinkageGraph:
    """The mentions (rows), the stored pairs between them and the human decisions."""

    mention_ids: list[str]
    person_now: list[str]
    a: IntArray
    b: IntArray
    probability: FloatArray
    same: list[tuple[int, int]]
    different: list[tuple[int, int]]

    @property
    def n(self) -> int:
        return len(self.mention_ids)

    def inside(self) -> npt.NDArray[np.bool_]:
        """Whether each pair joins two mentions of one current person."""
        now = np.array(self.person_now, dtype=object)
        return np.asarray(now[self.a] == now[self.b], dtype=bool)

    def keep_probability(
        self, temperature: float, shift_inside: float, shift_between: float
    ) -> FloatArray:
        """Each pair's calibrated probability of being kept in a drawn clustering."""
        if len(self.a) == 0:
            return self.probability
        shift = np.where(self.inside(), shift_inside, shift_between)
        return calibrated(self.probability, temperature, shift)


def load_graph(conn: Connection, facts: MentionFacts) -> LinkageGraph:
    """The stored pairs and active decisions over the current mentions of `facts`.

    Mentions that are one person now without a chain of stored pairs between them are
    tied with a "same" constraint: nothing says how uncertain that link is.
    """
    mention_ids = facts.mention_ids
    person_now = [str(row["person_id"]) for row in facts.rows]
    row_of = {m: i for i, m in enumerate(mention_ids)}
    a: list[int] = []
    b: list[int] = []
    prob: list[float] = []
    query = select(
        pairs_table.c.mention_a, pairs_table.c.mention_b, pairs_table.c.match_probability
    )
    for pair in conn.execute(query):
        left, right = row_of.get(pair.mention_a), row_of.get(pair.mention_b)
        if left is None or right is None or left == right:
            continue  # a mention corrected or deleted since the run
        a.append(left)
        b.append(right)
        prob.append(float(pair.match_probability))
    same, different = _decisions(conn, row_of)
    order, first, second = canonical_pairs(
        canonical_ranks(facts), np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    )
    graph = LinkageGraph(
        mention_ids,
        person_now,
        first,
        second,
        np.asarray(prob, dtype=np.float64)[order],
        same,
        different,
    )
    return replace(graph, same=graph.same + _untied(graph))


CONTENT = ("sex", "birth_year", "age", "origin_place_id", "status", "status_on", "group_label")
"""Unencrypted facts that order the mentions a report key leaves tied (`canonical_ranks`)."""


def canonical_ranks(facts: MentionFacts) -> IntArray:
    """Each row's place in the order every workspace holding the same lists agrees on
    (`refwatch.linkage.order`): by report key, then by what the mention says without its
    names, then by mention id."""

    def key(row: Any) -> tuple[Any, ...]:
        content = tuple("" if row.get(c) is None else str(row.get(c)) for c in CONTENT)
        report = report_key(row["source"], row.get("record_id"), row.get("reported_on"))
        return (*report, *content, str(row["id"]))

    keys = [key(row) for row in facts.rows]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(keys), dtype=np.int64)
    return rank


def canonical_pairs(
    rank: IntArray, a: IntArray, b: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """(order, a, b): the pairs, the earlier row in `rank` first, sorted by `rank`.

    A drawn clustering gives each pair its own random number in this order, so the same
    seed keeps the same pairs in every workspace holding the same lists and linked
    alike, whatever order the database returned the stored pairs in (issue 12).
    """
    if len(a) == 0:
        return np.zeros(0, dtype=np.int64), a, b
    swap = rank[a] > rank[b]
    first, second = np.where(swap, b, a), np.where(swap, a, b)
    order = np.lexsort((rank[second], rank[first]))
    return order, first[order], second[order]


def _decisions(
    conn: Connection, row_of: dict[str, int]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Active "same" and "not the same" decisions as row pairs, corrections followed
    forward (the rule of a linkage run's constraints)."""
    decided = row_constraints(conn, row_of, load_chains(conn))
    return decided.same, decided.different


def _untied(graph: LinkageGraph) -> list[tuple[int, int]]:
    """Ties between the pieces of a current person that no stored pair connects."""
    n = graph.n
    if n == 0:
        return []
    person_code = {p: i for i, p in enumerate(dict.fromkeys(graph.person_now))}
    code = np.array([person_code[p] for p in graph.person_now], dtype=np.int64)
    inside = code[graph.a] == code[graph.b]
    same_a = np.array([x for x, _ in graph.same], dtype=np.int64)
    same_b = np.array([y for _, y in graph.same], dtype=np.int64)
    left = np.concatenate([graph.a[inside], same_a])
    right = np.concatenate([graph.b[inside], same_b])
    matrix = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, piece = connected_components(matrix, directed=False)
    first: dict[tuple[int, int], int] = {}
    anchor: dict[int, int] = {}
    ties: list[tuple[int, int]] = []
    for row in range(n):
        key = (int(code[row]), int(piece[row]))
        if key in first:
            continue
        first[key] = row
        person = int(code[row])
        if person in anchor:
            ties.append((anchor[person], row))
        else:
            anchor[person] = row
    return ties


def calibrated(
    probability: FloatArray, temperature: float = 1.0, shift: float | FloatArray = 0.0
) -> FloatArray:
    """Match probabilities recalibrated on the logit scale: logit(p) / temperature + shift.

    Temperature 1 and shift 0 keep them as the model gave them. A temperature above 1
    flattens over-confident probabilities; a positive shift says that pairs match more
    often than the model says (`shift` may be one value per pair). Pairs the model is
    sure of stay sure.
    """
    if temperature == 1.0 and np.all(np.asarray(shift) == 0.0):
        return probability
    p = np.clip(probability, 1e-12, 1 - 1e-12)
    logit = np.log(p / (1 - p)) / temperature + shift
    result: FloatArray = 1.0 / (1.0 + np.exp(-logit))
    result[probability >= SURE] = 1.0
    return result


class _Joins:
    """Union-find over a few rows that refuses joins a "not the same" decision forbids."""

    def __init__(self, rows: Sequence[int], different: Sequence[tuple[int, int]]) -> None:
        self.parent = {r: r for r in rows}
        self.cannot: dict[int, set[int]] = defaultdict(set)
        for x, y in different:
            if x in self.parent and y in self.parent:
                self.cannot[x].add(y)
                self.cannot[y].add(x)

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, x: int, y: int) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return True
        if any(self.find(q) == ry for q in self.cannot.get(rx, ())) or any(
            self.find(q) == rx for q in self.cannot.get(ry, ())
        ):
            return False
        if len(self.cannot.get(rx, ())) < len(self.cannot.get(ry, ())):
            rx, ry = ry, rx
        self.parent[ry] = rx
        moved = self.cannot.pop(ry, set())
        if moved:
            self.cannot[rx] |= moved
        return True


def sample_labels(
    graph: LinkageGraph,
    rng: np.random.Generator,
    temperature: float = 1.0,
    shift_inside: float = 0.0,
    shift_between: float = 0.0,
) -> IntArray:
    """One clustering: `labels[i]` is the smallest row in row i's cluster.

    `shift_inside` calibrates the pairs inside a current person, `shift_between` those
    between two persons (see `calibrated` and docs/estimation.md for why they differ).
    """
    n = graph.n
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keep_p = graph.keep_probability(temperature, shift_inside, shift_between)
    kept = (rng.random(len(keep_p)) < keep_p) | (keep_p >= SURE)
    same_a = np.array([x for x, _ in graph.same], dtype=np.int64)
    same_b = np.array([y for _, y in graph.same], dtype=np.int64)
    left = np.concatenate([same_a, graph.a[kept]])
    right = np.concatenate([same_b, graph.b[kept]])
    matrix = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, piece = connected_components(matrix, directed=False)
    piece = np.asarray(piece, dtype=np.int64)
    broken = {int(piece[x]) for x, y in graph.different if piece[x] == piece[y]}
    if broken:
        _rebuild(graph, piece, broken, kept, keep_p)
    # Label each cluster by its smallest row.
    smallest = np.full(int(piece.max()) + 1, n, dtype=np.int64)
    np.minimum.at(smallest, piece, np.arange(n, dtype=np.int64))
    labels: IntArray = smallest[piece]
    return labels


def _rebuild(
    graph: LinkageGraph,
    piece: IntArray,
    broken: set[int],
    kept: npt.NDArray[np.bool_],
    keep_p: FloatArray,
) -> None:
    """Re-join the pieces that hold a "not the same" pair: decisions first, then the kept
    pairs strongest first, refusing joins the decisions forbid (`piece` is updated)."""
    in_broken = np.isin(piece, np.fromiter(broken, dtype=np.int64))
    rows = np.flatnonzero(in_broken).tolist()
    joins = _Joins(rows, graph.different)
    for x, y in graph.same:
        if in_broken[x] and in_broken[y]:
            joins.join(x, y)
    edges = np.flatnonzero(kept & in_broken[graph.a] & in_broken[graph.b])
    for e in edges[np.argsort(-keep_p[edges], kind="stable")]:
        joins.join(int(graph.a[e]), int(graph.b[e]))
    fresh = int(piece.max()) + 1
    roots: dict[int, int] = {}
    for row in rows:
        root = joins.find(row)
        if root not in roots:
            roots[root] = fresh
            fresh += 1
        piece[row] = roots[root]


def one_list_lookalikes(
    graph: LinkageGraph, facts: MentionFacts, lists: ListKey, floor: float = LOOKALIKE_FLOOR
) -> tuple[int, int]:
    """(one-list persons with a stored pair ≥ `floor` to another person, one-list persons).

    Name keys are not kept outside the encrypted fields, so "looks alike" is what the
    latest linkage run stored: a scored pair between two persons at `floor` or more.
    """
    column = "source" if lists == "source" else "source_type"
    on: dict[str, set[str]] = defaultdict(set)
    for row, person in zip(facts.rows, graph.person_now, strict=True):
        on[person].add(str(row[column]))
    single = {p for p, seen in on.items() if len(seen) == 1}
    between = graph.probability >= floor
    look: set[str] = set()
    for x, y in zip(graph.a[between].tolist(), graph.b[between].tolist(), strict=True):
        px, py = graph.person_now[x], graph.person_now[y]
        if px != py:
            look.update(p for p in (px, py) if p in single)
    return len(look), len(single)


@dataclass
class DrawnHistories:
    """Capture tables of each drawn clustering (total and per stratum)."""

    totals: list[CaptureTable]
    strata: dict[str, list[CaptureTable]]
    persons: list[int]


def draw_histories(
    facts: MentionFacts,
    graph: LinkageGraph,
    query: HistoriesQuery,
    *,
    names: Sequence[str],
    draws: int,
    sample: Callable[[], IntArray],
) -> DrawnHistories:
    """`draws` capture tables, each of the persons one clustering (`sample()`) makes."""
    out = DrawnHistories([], defaultdict(list), [])
    ids = graph.mention_ids
    for _ in range(draws):
        labels = sample()
        person_of = {ids[i]: ids[int(label)] for i, label in enumerate(labels)}
        drawn = query.histories(persons_from_facts(facts, query.lists, person_of), names)
        out.totals.append(drawn.total)
        out.persons.append(drawn.total.n)
        for label, table in drawn.strata.items():
            out.strata[label].append(table)
    return out


def _estimate_job(job: tuple[CaptureTable, Any, Any]) -> EstimateResult | str:
    table, options, models = job
    try:
        return estimate_from_table(table, options, models=models)
    except EstimationError as exc:
        return exc.reason


def candidate_models(table: CaptureTable, options: Any) -> list[Any] | None:
    """The log-linear models each drawn clustering searches: the best `PER_DRAW_MODELS`
    on the persons as they are (None: the full search, or stepwise selection)."""
    from refwatch.estimate.loglinear import default_ntop, default_selection, ranked_fits

    if options.method != "loglinear":
        return None
    selection = options.selection or default_selection(table.t)
    keep = default_ntop(table.t)
    if selection == "stepwise" or keep is None:
        return None
    try:
        ranking = ranked_fits(table, selection, options.maxorder)
    except EstimationError:
        return None
    return [fit.model for fit in ranking[: min(keep, PER_DRAW_MODELS)]] or None


def _run_jobs(
    jobs: list[tuple[CaptureTable, Any, Any]], processes: int
) -> list[EstimateResult | str]:
    if processes > 1 and len(jobs) > 1:
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        context = multiprocessing.get_context(method)
        try:
            with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
                return list(pool.map(_estimate_job, jobs, chunksize=max(1, len(jobs) // 8)))
        except BrokenProcessPool:
            pass  # a worker died (memory, a signal): the same jobs, one after another
    return [_estimate_job(job) for job in jobs]


def per_draw_options(options: Any, seed: int) -> Any:
    """The settings for one clustering: one LCMCR chain with the chosen burn-in and an equal
    share of the kept draws; a bootstrap with an equal share of the replicates."""
    from refwatch.estimate.lcmcr import LcmcrSettings

    assert isinstance(options, EstimateOptions)
    draws = max(1, options.linkage_draws)
    settings = options.lcmcr
    samples = max(50, math.ceil(settings.samples * settings.chains / draws))
    lcmcr = LcmcrSettings(
        **{**settings.__dict__, "chains": 1, "samples": samples, "seed": seed, "processes": 1}
    )
    nboot = max(50, math.ceil(options.nboot / draws)) if options.nboot > 0 else 0
    return replace(options, linkage="fixed", seed=seed, nboot=nboot, lcmcr=lcmcr)


def _draw_values(result: EstimateResult, size: int, rng: np.random.Generator) -> FloatArray:
    """`size` draws standing for one clustering's uncertainty about the total."""
    values = result.draws
    if values is not None and len(values) > 0:
        array = np.asarray(values, dtype=np.float64).ravel()
        array = array[np.isfinite(array)]
        if len(array):
            return array if len(array) == size else rng.choice(array, size=size, replace=True)
    # No replicates (a profile interval): a normal with the interval's spread.
    lower = result.lower if result.lower is not None else result.estimate
    upper = result.upper if result.upper is not None else result.estimate
    z = 1.959963984540054
    sd = max(upper - lower, 0.0) / (2 * z)
    return result.estimate + sd * rng.standard_normal(size)


def _linkage_warnings(
    fixed: EstimateResult, centres: FloatArray, typical: float, draws: int
) -> list[str]:
    """The fixed estimate's warnings, and one more when the estimate moves over the drawn
    linkages by more than an interval's width."""
    warnings = list(fixed.warnings)
    low_c = min(float(centres.min()), fixed.estimate)
    high_c = max(float(centres.max()), fixed.estimate)
    fixed_width = (
        (fixed.upper - fixed.lower) if fixed.upper is not None and fixed.lower is not None else None
    )
    reference = min(w for w in (typical, fixed_width) if w is not None)
    if high_c - low_c > reference:
        warnings.append(
            Message(
                messages.LINKAGE_MOVES,
                low=f"{low_c:,.0f}",
                high=f"{high_c:,.0f}",
                draws=draws,
                width=f"{reference:,.0f}",
            )
        )
    return warnings


def pool(
    fixed: EstimateResult,
    drawn: list[EstimateResult],
    persons: list[int],
    *,
    level: float,
    rng: np.random.Generator,
    temperature: float,
    shift: tuple[float, float],
    draws_asked: int,
) -> EstimateResult:
    """One estimate from the estimates on each drawn clustering, with the linkage share."""
    size = max(
        (len(r.draws) for r in drawn if r.draws is not None and len(r.draws) > 0), default=200
    )
    samples = [_draw_values(r, size, rng) for r in drawn]
    pooled = np.concatenate(samples)
    tail = (1 - level) / 2
    lower, median, upper = (float(q) for q in np.quantile(pooled, [tail, 0.5, 1 - tail]))
    centres = np.array([float(np.median(s)) for s in samples])
    point = median if fixed.method == "lcmcr" else float(np.median([r.estimate for r in drawn]))
    widths = np.array(
        [float(np.quantile(s, 1 - tail) - np.quantile(s, tail)) for s in samples], dtype=float
    )
    within_var = float(np.mean([np.var(s) for s in samples]))
    between_var = float(np.var([np.mean(s) for s in samples]))
    total_var = within_var + between_var
    pooled_width = upper - lower
    typical = float(np.median(widths))
    no_upper = any(r.upper is None for r in drawn)
    info = {
        "mode": "aware",
        "draws": len(drawn),
        "draws_asked": draws_asked,
        "temperature": temperature,
        "shift_inside": shift[0],
        "shift_between": shift[1],
        "share_of_width": max(0.0, 1.0 - typical / pooled_width) if pooled_width > 0 else 0.0,
        "share_of_variance": between_var / total_var if total_var > 0 else 0.0,
        "fixed": {"estimate": fixed.estimate, "lower": fixed.lower, "upper": fixed.upper},
        "width_one_linkage": typical,
        "estimates": {
            "min": float(centres.min()),
            "median": float(np.median(centres)),
            "max": float(centres.max()),
        },
        "persons": {
            "min": int(min(persons)),
            "median": float(np.median(persons)),
            "max": int(max(persons)),
            "now": fixed.n_observed,
        },
    }
    warnings = _linkage_warnings(fixed, centres, typical, len(drawn))
    histogram = np.histogram(pooled, bins=40)
    diagnostics = dict(fixed.diagnostics)
    key = "posterior_histogram" if fixed.method == "lcmcr" else "pooled_histogram"
    diagnostics[key] = {"counts": histogram[0].tolist(), "edges": histogram[1].tolist()}
    if fixed.method == "lcmcr":
        diagnostics["posterior_mean"] = float(pooled.mean())
        diagnostics["posterior_sd"] = float(pooled.std(ddof=1))
    return EstimateResult(
        method=fixed.method,
        n_observed=fixed.n_observed,
        estimate=point,
        lower=lower,
        upper=None if no_upper else upper,
        level=level,
        lists=list(fixed.lists),
        model={**fixed.model, "linkage": "aware", "linkage_draws": len(drawn)},
        diagnostics=diagnostics,
        warnings=warnings,
        stratum=fixed.stratum,
        linkage=info,
        draws=pooled,
    )


def _base_seed(options: EstimateOptions) -> int:
    """The seed every draw's seed derives from: the one asked for, or a fresh one."""
    if options.seed is not None:
        return options.seed
    return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])


def _by_part(
    parts: list[tuple[str, int]], outputs: Sequence[EstimateResult | str]
) -> dict[str, list[EstimateResult]]:
    """The estimates made on the drawn tables, by part (a refused draw is left out)."""
    by_part: dict[str, list[EstimateResult]] = defaultdict(list)
    for (label, _d), out in zip(parts, outputs, strict=True):
        if isinstance(out, EstimateResult):
            by_part[label].append(out)
    if not by_part["total"]:
        raise EstimationError(
            "no clustering drawn from the linkage probabilities gave an estimate; "
            "use the fixed linkage (--linkage fixed)"
        )
    return by_part


def _jobs(
    drawn: Any,
    histories: WorkspaceHistories,
    strata_fixed: dict[str, EstimateResult | str],
    options: EstimateOptions,
    base: int,
) -> tuple[list[tuple[str, int]], list[tuple[CaptureTable, Any, Any]]]:
    """One estimate to make per drawn table (the total's, then each stratum's that has a
    fixed estimate), each with its own seed, and which part and draw it is."""
    parts: list[tuple[str, int]] = []
    jobs: list[tuple[CaptureTable, Any, Any]] = []
    models = candidate_models(histories.total, options)
    for d, table in enumerate(drawn.totals):
        parts.append(("total", d))
        jobs.append((table, per_draw_options(options, _seed(base, 0, d)), models))
    labels = [label for label, r in strata_fixed.items() if isinstance(r, EstimateResult)]
    for k, label in enumerate(labels, start=1):
        for d, table in enumerate(drawn.strata.get(label, [])):
            parts.append((label, d))
            stratum_models = candidate_models(histories.strata[label], options)
            jobs.append((table, per_draw_options(options, _seed(base, k, d)), stratum_models))
    return parts, jobs


def aware_estimate(
    workspace: Workspace, query: HistoriesQuery, options: EstimateOptions
) -> WorkspaceEstimate:
    """The linkage-aware `WorkspaceEstimate` (see the module text); the question's lists
    left out are left out of the links as they stand and of every drawn linkage."""
    query.check_strata()
    with workspace.read() as conn:
        facts = load_mention_facts(conn)
        graph = load_graph(conn, facts)
    histories = _histories_now(facts, graph, query)
    fixed_options = replace(options, linkage="fixed")
    total_fixed = estimate_from_table(histories.total, fixed_options)
    strata_fixed = estimate_strata(histories.strata, fixed_options)
    shifts = (options.linkage_shift_inside, options.linkage_shift_between)
    uncertain = graph.keep_probability(options.linkage_temperature, *shifts)
    if not np.any(uncertain < SURE):
        # Nothing to vary: no stored pairs, or only pairs the model is sure of.
        return _unvaried_estimate(total_fixed, strata_fixed, histories, options)
    base = _base_seed(options)
    rng = np.random.default_rng([base, 12])
    draws = max(1, options.linkage_draws)
    drawn = draw_histories(
        facts,
        graph,
        query,
        names=histories.lists,
        draws=draws,
        sample=lambda: sample_labels(graph, rng, options.linkage_temperature, *shifts),
    )
    parts, jobs = _jobs(drawn, histories, strata_fixed, options, base)
    processes = options.lcmcr.processes or min(2, os.cpu_count() or 1)
    by_part = _by_part(parts, _run_jobs(jobs, processes))
    pool_rng = np.random.default_rng([base, 13])
    pooling: dict[str, Any] = {
        "level": options.level,
        "temperature": options.linkage_temperature,
        "shift": shifts,
        "draws_asked": draws,
    }
    total = pool(total_fixed, by_part["total"], drawn.persons, rng=pool_rng, **pooling)
    strata: dict[str, EstimateResult | str] = {}
    for label, fixed_result in strata_fixed.items():
        if isinstance(fixed_result, EstimateResult) and by_part.get(label):
            sizes = [t.n for t in drawn.strata.get(label, [])] or [fixed_result.n_observed]
            strata[label] = pooled = pool(
                fixed_result, by_part[label], sizes, rng=pool_rng, **pooling
            )
            pooled.stratum = label
        else:
            strata[label] = fixed_result
    if strata:
        total.warnings.append(Message(messages.STRATA_APART))
    share = total.linkage["share_of_width"] if total.linkage else 0.0
    histories.notes.append(
        Message(messages.LINKAGE_SHARE, share=f"{100 * share:.0f}%", draws=len(by_part["total"]))
    )
    total.warnings += _lookalike_warnings(graph, facts, query.lists)
    return WorkspaceEstimate(total, strata, histories, options)


def _histories_now(
    facts: MentionFacts, graph: LinkageGraph, query: HistoriesQuery
) -> WorkspaceHistories:
    """The capture tables of the persons as the links stand now."""
    now = {m: p for m, p in zip(graph.mention_ids, graph.person_now, strict=True)}
    return query.histories(persons_from_facts(facts, query.lists, now) if facts.rows else [])


def _lookalike_warnings(graph: LinkageGraph, facts: MentionFacts, lists: ListKey) -> list[str]:
    """A warning when many persons seen on one list only have a possible match."""
    look, single = one_list_lookalikes(graph, facts, lists)
    if look >= LOOKALIKE_MIN and look >= LOOKALIKE_SHARE * max(single, 1):
        floor = f"{LOOKALIKE_FLOOR:.1f}"
        return [Message(messages.ONE_LIST_LOOKALIKES, n=look, single=single, floor=floor)]
    return []


def _unvaried_estimate(
    total: EstimateResult,
    strata: dict[str, EstimateResult | str],
    histories: WorkspaceHistories,
    options: EstimateOptions,
) -> WorkspaceEstimate:
    """The fixed estimate, said to be so: the links give nothing to vary."""
    histories.notes.append(Message(messages.LINKAGE_NO_PAIRS))
    for part in (total, *strata.values()):
        if isinstance(part, EstimateResult):
            part.linkage = _unvaried(part)
    if strata:
        total.warnings.append(Message(messages.STRATA_APART))
    return WorkspaceEstimate(total, strata, histories, options)


def _unvaried(result: EstimateResult) -> dict[str, Any]:
    fixed = {"estimate": result.estimate, "lower": result.lower, "upper": result.upper}
    return {
        "mode": "aware",
        "draws": 0,
        "share_of_width": 0.0,
        "share_of_variance": 0.0,
        "fixed": fixed,
    }


def _seed(base: int, part: int, draw: int) -> int:
    return int(np.random.SeedSequence([base, part, draw]).generate_state(1, np.uint64)[0])
