"""A linkage run, start to finish: read, train, score, cluster, keep ids, write.

1. Register the run and audit the reading of names (counts only), then build the feature
   table in memory (`features`).
2. Train and score on DuckDB, in memory, with spilling to disk switched off: the feature
   table holds name keys, which must never reach a temporary file. DuckDB's extension
   auto-install is off too: nothing is downloaded.
3. Add the evidence of people reported together (`groups`, settings version 6), then
   cluster the scored pairs, obeying active decisions (`cluster`).
4. Give the clusters person ids by the stable-id policy (`persons`) and write everything
   in one transaction (`writer`). If new evidence was imported meanwhile, the run is
   refused (ConflictError) rather than overwriting links it never saw.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute  # type: ignore[import-untyped]
from sqlalchemy import Connection, func, insert, select, update

from refwatch.domain.errors import ConflictError
from refwatch.intake.gc_pause import gc_paused
from refwatch.linkage.chains import Chains, load_chains
from refwatch.linkage.cluster import Clustering, cluster, weight_of
from refwatch.linkage.constraints import Constraints, row_constraints
from refwatch.linkage.features import MentionTable, load_mentions
from refwatch.linkage.groups import add_group_evidence
from refwatch.linkage.model import Scores, score
from refwatch.linkage.order import ReportKey, report_keys
from refwatch.linkage.persons import Assignment, assign_ids
from refwatch.linkage.run_lock import linkage_lock
from refwatch.linkage.settings import LinkageConfig, saved_settings
from refwatch.linkage.writer import (
    bump_versions,
    create_persons,
    next_person_number,
    replace_pairs,
    retire,
    rewrite_links,
)
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.ids import new_id
from refwatch.store.locks import lock_evidence_writes
from refwatch.store.schema import Mention, table_of
from refwatch.store.schema_deletion import ReportDeletion
from refwatch.store.schema_linkage import LinkageDecision, LinkageRun
from refwatch.store.workspace import Workspace

Progress = Callable[[str, int, int], None]
"""Called with (what is happening, steps done, steps in all)."""

STEPS = 11
runs = table_of(LinkageRun)
mentions_table = table_of(Mention)
deletions_table = table_of(ReportDeletion)
decisions_table = table_of(LinkageDecision)


@dataclass
class LinkageSummary:
    """What a run did, in counts (safe to show anyone who may see the workspace's status)."""

    run_id: str
    backend: str
    mentions: int
    persons_before: int
    persons: int
    created: int
    retired: int
    changed: int
    kept: int
    pairs_scored: int
    pairs_kept: int
    refused_same: int
    refused_joins: int
    decisions_applied: int
    threshold: float
    seconds: float
    training: list[str] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each step, in the order the steps ran: where a slow run's time went."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def duckdb_connection(config: LinkageConfig) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never writes temporary files and never downloads."""
    con = duckdb.connect(":memory:")
    con.execute("SET temp_directory = ''")
    con.execute(f"SET memory_limit = '{config.memory_limit}'")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET enable_external_access = false")
    con.execute("SET preserve_insertion_order = false")
    return con


_NOT_EVIDENCE = ("unique_id", "source_id", "group_id")
"""Feature columns that hold row numbers or random ids: no part of the canonical order."""


def canonical_rows(table: MentionTable, keys: Mapping[str, ReportKey]) -> MentionTable:
    """The feature table in the canonical order (`refwatch.linkage.order`), rows renumbered.

    Rows are numbered in that order, not by mention id: Splink's samples (u by a hash of
    the row number and the run's seed, EM by a hash of the row number) and clustering's
    tie-breaks then pick the same mentions in every workspace holding the same lists. Ties
    left by the report keys are broken by what the feature table says, then by mention id.
    """
    n = len(table)
    if n < 2:
        return table
    report = [keys.get(m, ("", "", "")) for m in table.mention_ids]
    sortable = {f"report_{i}": pa.array([k[i] for k in report], pa.string()) for i in range(3)}
    for name in table.table.column_names:
        kind = table.table.schema.field(name).type
        if name not in _NOT_EVIDENCE and (
            pa.types.is_string(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind)
        ):
            sortable[name] = table.table.column(name)
    sortable["mention_id"] = pa.array(table.mention_ids, pa.string())
    order = pa.compute.sort_indices(
        pa.table(sortable),
        sort_keys=[(name, "ascending", "at_start") for name in sortable],
    )
    rows = order.to_numpy()
    if np.array_equal(rows, np.arange(n)):
        return table
    taken = table.table.take(order)
    position = taken.schema.get_field_index("unique_id")
    renumbered = taken.set_column(
        position, taken.schema.field(position), pa.array(np.arange(n, dtype=np.int64))
    )
    return replace(
        table,
        table=renumbered,
        mention_ids=[table.mention_ids[i] for i in rows.tolist()],
        person_ids=[table.person_ids[i] for i in rows.tolist()],
    )


def key_ids(table: MentionTable) -> np.ndarray:
    """Each row's name keys as two integer ids (-1: none), for `cluster`."""
    # Numbered in order of first appearance, name keys first, then alternative keys.
    both = pa.chunked_array(
        [*table.table.column("name_key").chunks, *table.table.column("name_key_alt").chunks],
        pa.string(),
    )
    ids = pa.compute.dictionary_encode(both).combine_chunks().indices.fill_null(-1)
    return np.asarray(ids.to_numpy(), dtype=np.int64).reshape(2, len(table)).T.copy()


def link_probabilities(
    labels: np.ndarray, scores: Scores, must_rows: set[int]
) -> list[float | None]:
    """Per row: how strongly it holds to its person (see docs/linkage.md).

    In a person with others: the probability of its strongest pair inside the person
    (1.0 if only a human decision holds it there). Alone: one minus the probability of
    its strongest pair with anyone.
    """
    n = len(labels)
    inside = np.zeros(n)
    outside = np.zeros(n)
    same = labels[scores.a] == labels[scores.b]
    for mask, target in ((same, inside), (~same, outside)):
        for rows in (scores.a[mask], scores.b[mask]):
            np.maximum.at(target, rows, scores.probability[mask])
    sizes = np.bincount(labels, minlength=n)[labels]
    result = np.where(sizes > 1, inside, 1.0 - outside)
    for row in must_rows:
        if sizes[row] > 1 and inside[row] == 0.0:
            result[row] = 1.0
    return [float(p) for p in result]


def pairs_to_keep(
    table: MentionTable,
    scores: Scores,
    labels: np.ndarray,
    config: LinkageConfig,
    run_id: str,
) -> list[dict[str, Any]]:
    """The pairs a run stores: all within a person (for explanations and for the most
    persons a count could be), every pair between persons scored at least
    `config.plausible_min` (persons that may be one human being, for the least a count
    can be), and the uncertain ones nearest the line for the review queue (at most
    `config.max_review_pairs` of those scored below `plausible_min`)."""
    same = labels[scores.a] == labels[scores.b]
    plausible = ~same & (scores.probability >= max(config.plausible_min, config.keep_pairs_min))
    band = (
        ~same
        & ~plausible
        & (scores.probability >= config.review_low)
        & (scores.probability <= config.review_high)
    )
    line = weight_of(config.threshold)
    candidates = np.flatnonzero(band)
    nearest = candidates[np.argsort(np.abs(scores.weight[candidates] - line), kind="stable")]
    rows = np.sort(
        np.concatenate([np.flatnonzero(same | plausible), nearest[: config.max_review_pairs]])
    )
    ids = np.asarray(table.mention_ids, dtype=object)
    a, b = ids[scores.a[rows]], ids[scores.b[rows]]
    # Stored and decided pairs name the smaller mention id first (rows are not in id
    # order: `canonical_rows`).
    swap = np.asarray(a > b, dtype=bool)
    tf = scores.tf[rows]
    columns = zip(
        np.where(swap, b, a).tolist(),
        np.where(swap, a, b).tolist(),
        scores.probability[rows].tolist(),
        scores.weight[rows].tolist(),
        [None if math.isnan(value) else value for value in tf.tolist()],
        scores.details(rows),
        strict=True,
    )
    return [
        {
            "mention_a": first,
            "mention_b": second,
            "run_id": run_id,
            "match_probability": probability,
            "match_weight": weight,
            "tf_weight": tf_weight,
            "detail": detail,
        }
        for first, second, probability, weight, tf_weight, detail in columns
    ]


def _evidence_state(conn: Connection) -> tuple[int, ...]:
    """Counts that change whenever evidence or decisions change (they only ever grow)."""
    return tuple(
        int(conn.execute(query).scalar_one())
        for query in (
            select(func.count()).select_from(mentions_table),
            select(func.count()).select_from(deletions_table),
            select(func.count()).select_from(decisions_table),
            select(func.count())
            .select_from(decisions_table)
            .where(decisions_table.c.undone_at.is_not(None)),
        )
    )


def _start(workspace: Workspace, actor: str, backend: str, config: LinkageConfig) -> str:
    run_id = new_id()
    with workspace.write() as conn:
        conn.execute(
            insert(runs).values(
                id=run_id,
                started_at=datetime.now(UTC),
                finished_at=None,
                actor=actor,
                status="running",
                backend=backend,
                mentions=0,
                persons=0,
                settings=json.dumps({"refwatch": config.as_dict()}),
                summary=None,
            )
        )
    return run_id


def _fail(workspace: Workspace, run_id: str, reason: str) -> None:
    with workspace.write() as conn:
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(
                status="failed",
                finished_at=datetime.now(UTC),
                summary=json.dumps({"error": reason}),
            )
        )


def run_linkage(
    workspace: Workspace,
    cipher: FieldCipher,
    actor: str,
    progress: Progress | None = None,
    *,
    config: LinkageConfig | None = None,
    backend: str = "duckdb",
) -> LinkageSummary:
    """Link all current mentions into persons and write the result.

    One run at a time per workspace, across processes: LinkageBusy if another holds it
    (`refwatch.linkage.run_lock`).

    `backend` is "duckdb" (embedded, default) or "spark" (Splink's Spark backend in the
    session `refwatch.linkage.spark.spark_session` gives; see docs/linkage.md).
    """
    config = config or LinkageConfig()
    done = 0
    clock = StageClock()

    def step(what: str) -> None:
        nonlocal done
        clock.start(what)
        done = STEPS if what == "done" else min(done + 1, STEPS - 1)
        if progress is not None:
            progress(what, done, STEPS)

    with linkage_lock(workspace), gc_paused():
        run_id = _start(workspace, actor, backend, config)
        try:
            return _run(workspace, cipher, actor, config, backend, run_id, step, clock)
        except BaseException as exc:
            _fail(workspace, run_id, type(exc).__name__)
            raise


def _run(
    workspace: Workspace,
    cipher: FieldCipher,
    actor: str,
    config: LinkageConfig,
    backend: str,
    run_id: str,
    step: Callable[[str], None],
    clock: StageClock,
) -> LinkageSummary:
    step("reading mentions")
    with workspace.read() as conn:
        state_before = _evidence_state(conn)
    _audit_reading(workspace, actor, run_id, state_before[0])
    with workspace.read() as conn:
        table = load_mentions(
            conn, cipher, rare_name_cap=config.rare_name_cap, key_cap=config.key_cap
        )
        table = canonical_rows(table, report_keys(conn))
        chains = load_chains(conn)
        constraints = row_constraints(conn, table.mention_ids, chains)
    n = len(table)
    scores = _score(table, config, constraints, backend, step)
    keys = key_ids(table)
    if config.group_bar is not None:
        # Settings version 6: people reported together (`groups`).
        scores = add_group_evidence(
            table, scores, config.group_bar, constraints.different, keys=keys
        )
    step("clustering")
    clustering = _cluster(n, scores, keys, config, constraints)
    labels = np.asarray(clustering.labels, dtype=np.int64)
    probabilities = link_probabilities(labels, scores, constraints.must_rows)
    step("writing persons")
    now = datetime.now(UTC)
    with workspace.write() as conn:
        lock_evidence_writes(conn)
        if _evidence_state(conn) != state_before:
            raise ConflictError(
                "evidence or decisions changed while linkage ran; run `refwatch link` again"
            )
        assignment: Assignment = assign_ids(
            clustering.labels,
            table.person_ids,
            [chains.root_of(m) for m in table.mention_ids],
            table.mention_ids,
            next_person_number(conn),
        )
        create_persons(conn, assignment.created, now)
        bump_versions(conn, assignment.changed)
        retire(conn, assignment.retired, run_id=run_id, reason="linkage", now=now)
        link_rows = _link_rows(table, chains, assignment.person_of, probabilities)
        rewrite_links(conn, link_rows, run_id=run_id, now=now)
        kept = replace_pairs(conn, pairs_to_keep(table, scores, labels, config, run_id))
        summary = LinkageSummary(
            run_id=run_id,
            backend=backend,
            mentions=n,
            persons_before=len(set(table.person_ids)),
            persons=len(set(assignment.person_of)),
            **_changes(assignment, clustering, constraints),
            pairs_scored=len(scores),
            pairs_kept=kept,
            threshold=config.threshold,
            seconds=clock.total(),
            training=scores.training,
            stages=clock.stages(),
        )
        _record_run(conn, actor, config, scores, summary)
    step("done")
    return summary


class StageClock:
    """Wall time per step of a run, for its summary (`stages`) and the run's record."""

    def __init__(self, now: Callable[[], float] = time.perf_counter) -> None:
        self._now = now
        self._started = now()
        self._marks: list[tuple[str, float]] = []

    def start(self, what: str) -> None:
        self._marks.append((what, self._now()))

    def stages(self) -> dict[str, float]:
        """Each step's seconds so far (a step named twice, both times); the step still
        going counts until now."""
        ends = [at for _, at in self._marks[1:]] + [self._now()]
        spent: dict[str, float] = {}
        for (what, began), end in zip(self._marks, ends, strict=True):
            if what != "done":
                spent[what] = spent.get(what, 0.0) + end - began
        return {what: round(seconds, 2) for what, seconds in spent.items()}

    def total(self) -> float:
        return round(self._now() - self._started, 2)


def _audit_reading(workspace: Workspace, actor: str, run_id: str, mentions: Any) -> None:
    """Linkage reads every name: the audit says so before it does."""
    with workspace.write() as conn:
        audit.log(
            conn,
            actor,
            "linkage.read_names",
            table_name="mentions",
            record_id=run_id,
            details={"run": run_id, "mentions": mentions, "purpose": "linkage"},
        )


def _changes(
    assignment: Assignment, clustering: Clustering, constraints: Constraints
) -> dict[str, int]:
    """What the run changed in persons, and what it refused, for its summary."""
    return {
        "created": len(assignment.created),
        "retired": len(assignment.retired),
        "changed": len(assignment.changed),
        "kept": assignment.kept,
        "refused_same": len(clustering.refused_same),
        "refused_joins": clustering.refused_joins,
        "decisions_applied": len(constraints.same) + len(constraints.different),
    }


def _score(
    table: MentionTable,
    config: LinkageConfig,
    constraints: Constraints,
    backend: str,
    step: Callable[[str], None],
) -> Scores:
    """Score the candidate pairs with Splink, on Spark or on DuckDB."""
    if backend == "spark":
        from refwatch.linkage.spark import score_on_spark

        return score_on_spark(table.table, config, labels=constraints.same, step=step)
    with duckdb_connection(config) as con:
        from splink import DuckDBAPI

        return score(DuckDBAPI(con), table.table, config, labels=constraints.same, step=step)


def _cluster(
    n: int, scores: Scores, keys: np.ndarray, config: LinkageConfig, constraints: Constraints
) -> Clustering:
    """The scored pairs clustered at the run's threshold, obeying active decisions."""
    return cluster(
        n,
        scores.a,
        scores.b,
        scores.weight,
        keys=keys,
        threshold_weight=weight_of(config.threshold),
        unseen_weight=weight_of(config.keep_pairs_min),
        same=constraints.same,
        different=constraints.different,
    )


def _link_rows(
    table: MentionTable,
    chains: Chains,
    persons: Sequence[str],
    probabilities: Sequence[float | None],
) -> list[tuple[str, str, float | None]]:
    """Each current mention's link to its person, and each superseded mention's link to the
    person of the mention that replaced it."""
    link_rows = list(zip(table.mention_ids, persons, probabilities, strict=True))
    superseded = chains.superseded()
    if not superseded:
        return link_rows
    person_of = dict(zip(table.mention_ids, persons, strict=True))
    probability_of = dict(zip(table.mention_ids, probabilities, strict=True))
    for old in superseded:
        current = chains.current_of(old)
        if current in person_of:
            link_rows.append((old, person_of[current], probability_of[current]))
    return link_rows


def _record_run(
    conn: Connection, actor: str, config: LinkageConfig, scores: Scores, summary: LinkageSummary
) -> None:
    """The run marked done with its settings and summary, and audited."""
    conn.execute(
        update(runs)
        .where(runs.c.id == summary.run_id)
        .values(
            status="done",
            finished_at=datetime.now(UTC),
            mentions=summary.mentions,
            persons=summary.persons,
            settings=saved_settings(config, scores.model),
            summary=json.dumps(summary.as_dict()),
        )
    )
    audit.log(
        conn,
        actor,
        "linkage.run",
        table_name="linkage_runs",
        record_id=summary.run_id,
        details={
            "mentions": summary.mentions,
            "persons": summary.persons,
            "created": summary.created,
            "retired": summary.retired,
            "changed": summary.changed,
            "backend": summary.backend,
        },
    )
