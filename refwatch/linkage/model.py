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

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute  # type: ignore[import-untyped]
from splink import Linker, block_on

from refwatch.linkage.settings import (
    DETERMINISTIC_RECALL,
    DETERMINISTIC_RULES,
    EM_TRAINING_RULES,
    LinkageConfig,
    name_noise,
    settings_creator,
)
from refwatch.linkage.splink_adapter import (
    DatabaseAPI,
    SplinkDataFrame,
    levels,
    model_snapshot,
    one_thread,
    restore_model,
    run_sql,
    trained_prior,
)

logger = logging.getLogger(__name__)
Step = Callable[[str], None]


@dataclass
class Scores:
    """The scored pairs (a < b, rows of the feature table) as columns, and the model.

    `parts[i, j]` is pair i's match weight on comparison j (bits), `tf[i]` its name's
    term-frequency adjustment (NaN: none). Columns, not objects: a million mentions give
    millions of pairs. `group[i]`: the bits group co-membership added (`groups`; None
    before that step, or in settings before version 6).
    """

    a: np.ndarray
    b: np.ndarray
    probability: np.ndarray
    weight: np.ndarray
    parts: np.ndarray
    tf: np.ndarray
    model: dict[str, Any]
    training: list[str] = field(default_factory=list)
    group: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.a)

    def details(self, rows: np.ndarray) -> list[str]:
        """ "level:weight;…" per comparison, for these pairs (see LinkagePair.detail).

        A run keeps over a million pairs at a million mentions, but their weights take few
        values (one per level, and one per name frequency where that adjusts them): each
        distinct weight, then each distinct combination of them, is written out once."""
        levels = LevelOf(self.model)
        columns: list[tuple[np.ndarray, list[str]]] = []
        for j in range(self.parts.shape[1]):
            values, codes = _distinct(self.parts[rows, j])
            gammas = levels.vector(j, values)
            texts = [f"{g}:{v:.2f}" for g, v in zip(gammas.tolist(), values.tolist(), strict=True)]
            columns.append((codes, texts))
        if self.group is not None:
            # One more part after the comparisons: level 0 when group-mates are linked
            # across (explain.RunModel labels it), -1 when not.
            values, codes = _distinct(self.group[rows])
            columns.append((codes, [f"{0 if v > 0 else -1}:{v:.2f}" for v in values.tolist()]))
        return _joined(columns, len(rows)) if columns else []


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values and each value's index among them, told apart by their bits (so
    -0.0 and 0.0 stay apart, as they print apart)."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    distinct, codes = np.unique(bits, return_inverse=True)
    return distinct.view(np.float64), codes.reshape(-1)


def _joined(columns: Sequence[tuple[np.ndarray, list[str]]], n: int) -> list[str]:
    """Each row's texts of every column joined with ";", each distinct row joined once."""
    pattern = np.zeros(n, dtype=np.int64)
    span = 1
    for codes, texts in columns:
        if span * len(texts) >= 2**62:
            _, pattern = np.unique(pattern, return_inverse=True)
            pattern = pattern.reshape(-1)
            span = int(pattern.max(initial=0)) + 1
        pattern = pattern * len(texts) + codes
        span *= len(texts)
    _, first, inverse = np.unique(pattern, return_index=True, return_inverse=True)
    joined = [";".join(texts[codes[i]] for codes, texts in columns) for i in first.tolist()]
    return np.asarray(joined, dtype=object)[inverse.reshape(-1)].tolist()  # type: ignore[no-any-return]


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
    snapshot = model_snapshot(linker)
    try:
        action()
    except Exception as exc:  # Splink raises plain exceptions on degenerate data
        restore_model(linker, snapshot)
        return type(exc).__name__
    return None


class NoSurePairs(ValueError):
    """The deterministic rules found no pair: the data say nothing about the prior."""


def _train_prior(linker: Linker, training: Any) -> None:
    """How often two mentions match, from pairs the deterministic rules call sure.

    When the rules find no pair (dates only to the month, say, or no apprehension at
    all), Splink does not refuse: it sets the probability to 0, and every match weight
    would then be minus infinity. That is refused here, so `_guarded` keeps the prior.
    """
    training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=DETERMINISTIC_RECALL
    )
    value = trained_prior(linker)
    if value is None or not 0.0 < float(value) < 1.0 or math.isnan(float(value)):
        raise NoSurePairs(f"the deterministic rules gave a match probability of {value}")


def regularise(linker: Linker, m_floor: float, u_floor: float) -> None:
    """Keep every trained probability away from zero.

    A level EM never saw among matches (or random sampling never saw among non-matches)
    would otherwise get a weight of minus (or plus) twenty bits or more: one unseen
    combination would veto (or force) a link, whatever else agrees.
    """
    for level in levels(linker):
        if not level.m_fixed:
            m = level.m
            if m is None or m < m_floor:
                level.m = m_floor
        if not level.u_fixed:
            u = level.u
            if u is None or u < u_floor:
                level.u = u_floor


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
    failed = _guarded(linker, lambda: _train_prior(linker, training))
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
            with one_thread(linker):  # sums of floats in one order: the same m every run
                training.estimate_parameters_using_expectation_maximisation(
                    block_on(*rule),
                    max_pairs=config.em_max_pairs if large else None,
                    estimate_without_term_frequencies=config.em_without_tf,
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


class LevelOf:
    """Which comparison level a pair reached, read back from its match weight.

    Predictions keep the weight of each comparison but not its level (keeping the levels
    would also keep every compared column of every pair in memory). Within a comparison
    each level has its own weight, log2(m/u), so the nearest one is the level reached;
    a missing value (null level) weighs exactly zero.
    """

    def __init__(self, model: dict[str, Any]) -> None:
        self.levels: list[list[tuple[float, int]]] = []
        for comparison in model["comparisons"]:
            levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            weights = []
            for index, level in enumerate(levels):
                m, u = level.get("m_probability"), level.get("u_probability")
                if m and u:
                    weights.append((math.log2(m / u), len(levels) - 1 - index))
            self.levels.append(weights)

    def vector(self, comparison: int, weights: np.ndarray) -> np.ndarray:
        candidates = sorted(self.levels[comparison], key=lambda item: -item[1])
        if not candidates:
            return np.full(len(weights), -1, dtype=np.int64)
        known = np.array([w for w, _ in candidates])
        gammas = np.array([g for _, g in candidates], dtype=np.int64)
        nearest = np.abs(weights[:, None] - known[None, :]).argmin(axis=1)
        return np.where(weights == 0.0, -1, gammas[nearest])


def _arrow_of(result: Any) -> pa.Table:
    if hasattr(result, "to_arrow_table"):  # DuckDB
        return result.to_arrow_table()
    return result.toArrow()  # Spark 4


def fetch_pairs(
    db_api: DatabaseAPI[Any], predictions: SplinkDataFrame, model: dict[str, Any]
) -> Scores:
    """The scored pairs as columns (weights per comparison), smaller row first, sorted by
    rows."""
    comparisons = comparison_names(model)
    weights = ", ".join(f"mw_{c}" for c in comparisons)
    sql = (
        f"SELECT unique_id_l, unique_id_r, match_probability, match_weight, {weights}, "
        f"mw_tf_adj_name FROM {predictions.physical_name}"
    )
    table = _arrow_of(run_sql(db_api, sql))

    def column(name: str, kind: Any) -> np.ndarray:
        return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=kind)

    left, right = column("unique_id_l", np.int64), column("unique_id_r", np.int64)
    a, b = np.minimum(left, right), np.maximum(left, right)
    # The backend returns pairs in the order its threads finished; sums over them (the
    # calibrated prior) and the order pairs are stored in must not depend on that.
    order = np.lexsort((b, a))
    weight = column("match_weight", np.float64)[order]
    weight = np.where(np.isfinite(weight), weight, np.sign(weight) * 50.0)
    parts = (
        np.stack([column(f"mw_{c}", np.float64)[order] for c in comparisons], axis=1)
        if len(table)
        else np.zeros((0, len(comparisons)))
    )
    return Scores(
        a=a[order],
        b=b[order],
        probability=column("match_probability", np.float64)[order],
        weight=weight,
        parts=parts,
        tf=column("mw_tf_adj_name", np.float64)[order],
        model=model,
    )


def calibrate_prior(scores: Scores, rows: int, keep_min: float, iterations: int = 100) -> str:
    """Set the prior so that it agrees with the scored pairs, and rescore.

    The prior trained from the deterministic rules assumes they find a fixed share of
    the true pairs (`DETERMINISTIC_RECALL`); in noisy lists they find far fewer, and the
    prior, hence every match probability, comes out too low. Here the probability that
    two mentions match is set to the expected number of matching pairs (the sum of the
    scored pairs' match probabilities; pairs not scored are taken as non-matches) over
    all pairs, and the pairs are rescored with it, until the two agree: the fixed point
    of expectation maximisation for the prior alone, with m and u held. The model saved
    with the run carries the calibrated prior, so explanations add up.
    """
    total = rows * (rows - 1) / 2
    before = float(scores.model.get("probability_two_random_records_match") or 0.0)
    if total <= 0 or not 0.0 < before < 1.0 or len(scores) == 0:
        return "prior: not calibrated (nothing to calibrate on)"
    start = math.log2(before / (1 - before))
    evidence = scores.weight - start
    prior = before
    for _ in range(iterations):
        weight = evidence + math.log2(prior / (1 - prior))
        expected = float((1.0 / (1.0 + np.exp2(-weight))).sum())
        new = min(max(expected / total, 1e-9), 0.5)
        if abs(new - prior) <= 1e-4 * prior:
            prior = new
            break
        prior = new
    weight = evidence + math.log2(prior / (1 - prior))
    probability = 1.0 / (1.0 + np.exp2(-weight))
    keep = probability >= keep_min
    scores.a, scores.b = scores.a[keep], scores.b[keep]
    scores.weight, scores.probability = weight[keep], probability[keep]
    scores.parts, scores.tf = scores.parts[keep], scores.tf[keep]
    scores.model["probability_two_random_records_match"] = prior
    return f"prior: calibrated on the scored pairs, {before:.3g} -> {prior:.3g}"


TF_COLUMNS = ("hangul", "name_key")
"""Columns whose term frequencies adjust the name comparison (see `settings`)."""


def term_frequencies(
    table: pa.Table, column: str, own_mentions: float = 0.0, share: float = 1.0
) -> pa.Table:
    """How often each value of `column` is seen in another person's mention, per mention.

    Splink divides by the mentions that have a value; but the level a frequency adjusts
    counts pairs that both have one, so a name most mentions lack (Hangul, in many
    lists) would count as more common than it is, by the share of pairs that have it
    on both sides. Dividing by all mentions removes that bias.

    The frequency stands for the chance that a mention of *another* person has the
    value (the u of that name). A count of mentions also counts the person's own other
    mentions: a name held by one person reported twice is seen twice, and two mentions
    of it are then weighed as if two people held it (in the hard synthetic worlds, 86%
    of the pairs of a Hangul name seen twice are one person; counted as is, the model
    gave them 21%). `own_mentions` (the mention itself and a typical second report of
    its person) is taken off each count, down to `TF_FLOOR` of a mention.

    `share` (since settings version 7, `level_shares`): the share of pairs of mentions
    that can reach the level this frequency adjusts at all; the frequency is multiplied
    by it.
    """
    counts = table.column(column).value_counts()
    values = counts.field("values")
    seen = pa.compute.cast(counts.field("counts"), pa.float64())
    if own_mentions:
        seen = pa.compute.max_element_wise(
            pa.compute.subtract(seen, float(own_mentions)), pa.scalar(TF_FLOOR)
        )
    frequency = pa.compute.divide(seen, float(max(table.num_rows, 1)) / share)
    keep = pa.compute.is_valid(values)
    return pa.table({column: values.filter(keep), f"tf_{column}": frequency.filter(keep)})


TF_FLOOR = 0.25
"""The least count of another person's mentions a name is given (see `term_frequencies`):
a name seen only in one person's mentions may still be someone else's."""


def level_shares(table: pa.Table) -> dict[str, float]:
    """Per column of `TF_COLUMNS`: the share of pairs of mentions that can reach the name
    level its frequency adjusts (settings version 7).

    A frequency adjustment weighs a level at log2(m / frequency), where m is the share of
    *all* true pairs that reach the level (trained by EM). That is the right weight only
    if the frequency is, likewise, the chance that a pair of two people reaches the level
    with that name. "Same Hangul name" needs Hangul on both sides; "same name under every
    spelling" is reached only when at least one side lacks Hangul (two Hangul names go to
    the Hangul levels first). So with a share h of mentions written in Hangul, two people
    of one Hangul name reach its level in h of the cases their name frequency counts, and
    two people of one name key reach the key level in 1 - h^2: the unadjusted frequency
    underweighed the key level by log2(1 / (1 - h^2)) bits (1.7 bits in a world of
    100,000 persons where 83% of mentions have Hangul), and the Hangul level by
    log2(1 / h). Floored at one pair in the mentions, for a level no pair can reach.
    """
    rows = max(table.num_rows, 1)
    with_hangul = (table.num_rows - table.column("hangul").null_count) / rows
    floor = 1.0 / rows
    return {
        "hangul": max(with_hangul, floor),
        "name_key": max(1.0 - with_hangul * with_hangul, floor),
    }


def _identity(table: pa.Table) -> Any:
    return table


def register_term_frequencies(
    db_api: DatabaseAPI[Any],
    linker: Linker,
    table: pa.Table,
    to_backend: Callable[[pa.Table], Any] = _identity,
    own_mentions: float = 0.0,
    pair_shares: bool = False,
) -> None:
    """Give `linker` RefWatch's term frequencies (`term_frequencies`) for `TF_COLUMNS`.

    Scoring a feature table again with a saved model needs the same call first, with the
    run's `LinkageConfig.tf_own_mentions` and `LinkageConfig.tf_pair_shares`.
    """
    shares = level_shares(table) if pair_shares else {}
    for column in TF_COLUMNS:
        frame = db_api.register(
            to_backend(term_frequencies(table, column, own_mentions, shares.get(column, 1.0))),
            table_name=f"refwatch_tf_{column}",
        )
        linker.table_management.register_term_frequency_lookup(frame, column)


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
    noise = name_noise(
        table.column("surname").to_pylist(),
        table.column("ph").to_pylist(),
        table.column("hangul").to_pylist(),
    )
    frame = db_api.register(to_backend(table), table_name="refwatch_mentions")
    linker = Linker(frame, settings_creator(config, noise), log_level=None)
    register_term_frequencies(
        db_api, linker, table, to_backend, config.tf_own_mentions, config.tf_pair_shares
    )
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
    notes.append(f"romanised names without a readable family name: {noise:.1%}")
    step("scoring candidate pairs")
    predictions = linker.inference.predict(
        threshold_match_probability=config.keep_pairs_min, warning_mode="never"
    )
    model = linker.misc.save_model_to_json()
    scores = fetch_pairs(db_api, predictions, model)
    predictions.drop_table_from_database_and_remove_from_cache()
    if config.calibrate_prior and rows >= config.min_mentions_to_train:
        notes.append(calibrate_prior(scores, rows, config.keep_pairs_min))
    scores.training = notes
    return scores
