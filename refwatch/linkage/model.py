"""Train the Splink model and score candidate pairs, on whichever backend holds the data.

Why separate from `run`: the same training plan and the same settings run on DuckDB (the
default, embedded) and on Spark (`refwatch.linkage.spark`); only the `DatabaseAPI` and
the registered input differ.

The training plan, in order (each step is skipped, with a note, when the data is too
small for it; the priors in `settings` then stand):

1. the probability that two random mentions are one person, from pairs that are almost
   surely matches (`DETERMINISTIC_RULES`);
2. u probabilities from random pairs (almost all non-matches);
3. m probabilities by expectation maximisation, in the blocks of `EM_TRAINING_RULES`;
4. m probabilities from reviewers' "same person" decisions, once there are enough.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from splink import Linker, block_on
from splink.internals.database_api import DatabaseAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from refwatch.linkage.settings import (
    DETERMINISTIC_RECALL,
    DETERMINISTIC_RULES,
    EM_TRAINING_RULES,
    LinkageConfig,
    settings_creator,
)

logger = logging.getLogger(__name__)
Step = Callable[[str], None]


@dataclass
class ScoredPair:
    """Two feature-table rows (a < b) and what the model says about them."""

    a: int
    b: int
    probability: float
    weight: float
    detail: str
    tf_weight: float | None


@dataclass
class Scores:
    pairs: list[ScoredPair]
    model: dict[str, Any]
    training: list[str] = field(default_factory=list)


def comparison_names(model: dict[str, Any]) -> list[str]:
    return [str(c["output_column_name"]) for c in model["comparisons"]]


def _quiet_splink() -> None:
    # Splink logs progress at INFO; a run reports its own progress instead.
    logging.getLogger("splink").setLevel(logging.ERROR)


def _guarded(linker: Linker, action: Callable[[], Any]) -> str | None:
    """Run one training step; on failure restore the model and say why.

    A failed EM session can leave Splink's model without the comparisons it had set
    aside for its blocking rule, so the model is snapshotted first.
    """
    snapshot = linker._settings_obj.core_model_settings.copy()  # type: ignore[no-untyped-call]
    try:
        action()
    except Exception as exc:  # Splink raises plain exceptions on degenerate data
        linker._settings_obj.core_model_settings = snapshot
        return type(exc).__name__
    return None


def regularise(linker: Linker, m_floor: float, u_floor: float) -> None:
    """Keep every trained probability away from zero.

    A level EM never saw among matches (or random sampling never saw among non-matches)
    would otherwise get a weight of minus (or plus) twenty bits or more: one unseen
    combination would veto (or force) a link, whatever else agrees.
    """
    for comparison in linker._settings_obj.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            if not level._fix_m_probability:
                m = level.m_probability
                if m is None or m < m_floor:
                    level.m_probability = m_floor
            if not level._fix_u_probability:
                u = level.u_probability
                if u is None or u < u_floor:
                    level.u_probability = u_floor


def train(
    linker: Linker,
    rows: int,
    config: LinkageConfig,
    labels_table: str | None,
    labels: int,
    step: Step,
) -> list[str]:
    """Train in place; return notes saying what was trained and what was skipped."""
    notes: list[str] = []
    if rows < config.min_mentions_to_train:
        notes.append(f"priors only: {rows} mentions, fewer than {config.min_mentions_to_train}")
        return notes
    training = linker.training
    step("training: how often two mentions match")
    failed = _guarded(
        linker,
        lambda: training.estimate_probability_two_random_records_match(
            list(DETERMINISTIC_RULES), recall=DETERMINISTIC_RECALL
        ),
    )
    notes.append(f"match probability: {'prior kept (' + failed + ')' if failed else 'trained'}")
    step("training: u probabilities from random pairs")
    failed = _guarded(
        linker,
        lambda: training.estimate_u_using_random_sampling(
            max_pairs=config.u_max_pairs, seed=config.seed, num_chunks=1
        ),
    )
    notes.append(f"u: {'priors kept (' + failed + ')' if failed else 'random sampling'}")
    large = rows > 50_000
    for rule in EM_TRAINING_RULES:
        step(f"training: EM on pairs sharing {', '.join(rule)}")

        def em(rule: tuple[str, ...] = rule) -> None:
            training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), max_pairs=config.em_max_pairs if large else None
            )

        failed = _guarded(linker, em)
        notes.append(f"EM on {'+'.join(rule)}: {'skipped (' + failed + ')' if failed else 'ok'}")
    if labels_table is not None and labels >= config.min_labels_to_train:
        step("training: m probabilities from reviewers' decisions")
        failed = _guarded(
            linker,
            lambda: training.estimate_m_from_pairwise_labels(  # type: ignore[no-untyped-call]
                labels_table
            ),
        )
        notes.append(f"m from {labels} reviewed pairs: {'skipped' if failed else 'ok'}")
    regularise(linker, config.m_floor, 1.0 / config.u_max_pairs)
    return notes


def fetch_pairs(
    db_api: DatabaseAPI[Any], predictions: SplinkDataFrame, comparisons: Sequence[str]
) -> list[ScoredPair]:
    """The scored pairs as Python objects (gamma level and weight per comparison)."""
    gammas = ", ".join(f"gamma_{c}, mw_{c}" for c in comparisons)
    sql = (
        f"SELECT unique_id_l, unique_id_r, match_probability, match_weight, {gammas}, "
        f"mw_tf_adj_name FROM {predictions.physical_name}"
    )
    result = db_api._execute_sql_against_backend(sql)
    rows: list[tuple[Any, ...]]
    if hasattr(result, "fetchall"):
        rows = result.fetchall()
    else:  # Spark
        rows = [tuple(r) for r in result.collect()]
    pairs = []
    for row in rows:
        a, b, probability, weight = int(row[0]), int(row[1]), float(row[2]), float(row[3])
        parts = []
        for index in range(len(comparisons)):
            gamma, mw = row[4 + 2 * index], row[5 + 2 * index]
            parts.append(f"{int(gamma)}:{float(mw):.2f}")
        tf = row[4 + 2 * len(comparisons)]
        if a > b:
            a, b = b, a
        pairs.append(
            ScoredPair(
                a,
                b,
                probability,
                weight if math.isfinite(weight) else (50.0 if weight > 0 else -50.0),
                ";".join(parts),
                None if tf is None else float(tf),
            )
        )
    return pairs


def _identity(table: pa.Table) -> Any:
    return table


def score(
    db_api: DatabaseAPI[Any],
    table: pa.Table,
    config: LinkageConfig,
    *,
    labels: Sequence[tuple[int, int]] = (),
    step: Step = lambda _: None,
    to_backend: Callable[[pa.Table], Any] = _identity,
) -> Scores:
    """Train a model on the feature `table` and score its candidate pairs.

    `to_backend` turns an Arrow table into what `db_api` registers (a Spark DataFrame
    for Spark; DuckDB takes Arrow as it is).
    """
    _quiet_splink()
    rows = table.num_rows
    if config.prior_match is None:
        config = replace(config, prior_match=min(0.5, 1.0 / max(rows, 2)))
    frame = db_api.register(to_backend(table), table_name="refwatch_mentions")
    linker = Linker(frame, settings_creator(config), log_level=None)
    labels_table = None
    if labels:
        label_rows = pa.table(
            {
                "unique_id_l": pa.array([a for a, _ in labels], pa.int64()),
                "unique_id_r": pa.array([b for _, b in labels], pa.int64()),
            }
        )
        labels_frame = db_api.register(to_backend(label_rows), table_name="refwatch_labels")
        labels_table = labels_frame.physical_name
    notes = train(linker, rows, config, labels_table, len(labels), step)
    step("scoring candidate pairs")
    predictions = linker.inference.predict(
        threshold_match_probability=config.keep_pairs_min, warning_mode="never"
    )
    model = linker.misc.save_model_to_json()
    pairs = fetch_pairs(db_api, predictions, comparison_names(model))
    predictions.drop_table_from_database_and_remove_from_cache()
    return Scores(pairs, model, notes)
