"""`Scores.details`: each pair's "level:weight;…" text, written once per distinct pattern.

The reference below formats every pair on its own, as runs before did; the stored texts
must not change by a character (explanations and the review queue parse them)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from refwatch.linkage.model import LevelOf, Scores


def _model(comparisons: int, levels: int, rng: np.random.Generator) -> dict[str, Any]:
    return {
        "comparisons": [
            {
                "output_column_name": f"c{j}",
                "comparison_levels": [{"is_null_level": True}]
                + [
                    {"m_probability": m, "u_probability": u}
                    for m, u in rng.uniform(0.01, 0.9, (levels, 2)).tolist()
                ],
            }
            for j in range(comparisons)
        ]
    }


def _level_weights(model: dict[str, Any], j: int) -> list[float]:
    levels = model["comparisons"][j]["comparison_levels"][1:]
    return [0.0] + [math.log2(lv["m_probability"] / lv["u_probability"]) for lv in levels]


def _scores(parts: np.ndarray, model: dict[str, Any], group: np.ndarray | None) -> Scores:
    n = len(parts)
    zeros = np.zeros(n)
    return Scores(
        a=np.zeros(n, dtype=np.int64),
        b=np.ones(n, dtype=np.int64),
        probability=zeros,
        weight=zeros,
        parts=parts,
        tf=zeros,
        model=model,
        group=group,
    )


def _one_by_one(scores: Scores, rows: np.ndarray) -> list[str]:
    """The texts as runs wrote them before: every pair formatted on its own."""
    levels = LevelOf(scores.model)
    out = []
    for row in rows.tolist():
        items = []
        for j in range(scores.parts.shape[1]):
            value = float(scores.parts[row, j])
            gamma = int(levels.vector(j, np.array([value]))[0])
            items.append(f"{gamma}:{value:.2f}")
        if scores.group is not None:
            value = float(scores.group[row])
            items.append(f"{0 if value > 0 else -1}:{value:.2f}")
        out.append(";".join(items))
    return out


def _parts(model: dict[str, Any], n: int, rng: np.random.Generator) -> np.ndarray:
    parts = np.column_stack(
        [rng.choice(_level_weights(model, j), size=n) for j in range(len(model["comparisons"]))]
    )
    # A name frequency shifts the first comparison's weight by a value of its own.
    parts[:, 0] += rng.choice(rng.normal(0.0, 1.0, 40), size=n) * (rng.random(n) < 0.5)
    return parts


def test_every_text_is_what_formatting_each_pair_alone_gives() -> None:
    rng = np.random.default_rng(7)
    model = _model(8, 6, rng)
    parts = _parts(model, 200, rng)[rng.integers(0, 200, 3000)]  # patterns repeat, as in runs
    parts[:10, 1] = -0.0  # prints "-0.00", unlike 0.0: the two must not be merged
    parts[10:20, 1] = 0.0
    group = np.where(np.arange(3000) % 3 == 0, -0.0, 0.0)
    group[::7] = 2.25
    scores = _scores(parts, model, group)
    rows = np.arange(3000)
    texts = scores.details(rows)
    assert texts == _one_by_one(scores, rows)
    assert {t.split(";")[1] for t in texts[:10]} == {"-1:-0.00"}
    assert {t.split(";")[1] for t in texts[10:20]} == {"-1:0.00"}
    assert len(set(texts)) < 1000


def test_rows_in_any_order_and_repeated_keep_their_order() -> None:
    rng = np.random.default_rng(8)
    model = _model(3, 4, rng)
    scores = _scores(_parts(model, 50, rng), model, None)
    rows = np.array([49, 3, 3, 17, 0])
    assert scores.details(rows) == _one_by_one(scores, rows)


def test_many_columns_of_many_values_do_not_overflow_the_pattern_code() -> None:
    rng = np.random.default_rng(9)
    model = _model(16, 20, rng)  # 21 ** 16 patterns could exist: more than 2 ** 62
    parts = np.column_stack(
        [rng.choice(_level_weights(model, j), size=4000) for j in range(16)]
    )
    scores = _scores(parts, model, rng.normal(0.0, 1.0, 4000))
    rows = np.arange(4000)
    assert scores.details(rows) == _one_by_one(scores, rows)


@pytest.mark.parametrize("group", [None, np.zeros(5)])
def test_no_rows_no_texts(group: np.ndarray | None) -> None:
    rng = np.random.default_rng(10)
    model = _model(2, 3, rng)
    scores = _scores(_parts(model, 5, rng), model, group)
    assert scores.details(np.array([], dtype=np.int64)) == []


def test_patterns_that_differ_only_in_the_first_of_many_comparisons_stay_apart() -> None:
    # 66 comparisons of two values each: a pattern code of 66 binary digits, which would
    # wrap around in 64 bits and make rows 0 and 1 one pattern if it were not compacted.
    rng = np.random.default_rng(11)
    model = _model(66, 1, rng)
    parts = np.zeros((3, 66))
    parts[:2, 1:] = [_level_weights(model, j)[1] for j in range(1, 66)]
    parts[1, 0] = _level_weights(model, 0)[1]
    scores = _scores(parts, model, None)
    rows = np.array([0, 1, 2])
    texts = scores.details(rows)
    assert texts == _one_by_one(scores, rows)
    assert len(set(texts)) == 3
