"""Clustering: average links, no chains through doubt, and human decisions always obeyed."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from refwatch.linkage.cluster import cluster, weight_of

THRESHOLD = weight_of(0.25)
UNSEEN = weight_of(0.01)


def run(
    n: int,
    pairs: list[tuple[int, int, float]],
    keys: list[frozenset[str]] | None = None,
    same: list[tuple[int, int]] | None = None,
    different: list[tuple[int, int]] | None = None,
) -> list[int]:
    return cluster(
        n,
        [a for a, _, _ in pairs],
        [b for _, b, _ in pairs],
        [w for _, _, w in pairs],
        keys=key_array(keys or [frozenset()] * n),
        threshold_weight=THRESHOLD,
        unseen_weight=UNSEEN,
        same=same or [],
        different=different or [],
    ).labels


def key_array(keys: list[frozenset[str]]) -> np.ndarray:
    ids: dict[str, int] = {}
    out = np.full((len(keys), 2), -1, dtype=np.int64)
    for row, found in enumerate(keys):
        for column, key in enumerate(sorted(found)[:2]):
            out[row, column] = ids.setdefault(key, len(ids))
    return out


def test_two_strong_pairs_make_one_person_of_three_mentions() -> None:
    labels = run(4, [(0, 1, 10.0), (1, 2, 8.0)])
    assert labels[0] == labels[1] == labels[2] != labels[3]


def test_a_doubtful_bridge_does_not_chain_two_people_who_clearly_differ() -> None:
    # 0 and 2 are two different people with the same name; 1 is a sparse mention that
    # resembles both. Connected components would make one person of all three.
    pairs = [(0, 1, 1.0), (1, 2, 0.9), (0, 2, -12.0)]
    labels = run(3, pairs)
    assert labels[0] != labels[2]
    assert labels[1] in (labels[0], labels[2])


def test_a_pair_dropped_for_a_low_score_counts_against_a_join_when_names_were_compared() -> None:
    keys = [frozenset({"김|yoNhi"})] * 3
    pairs = [(0, 1, 1.0), (1, 2, 0.5)]  # (0, 2) was compared and scored below 0.01
    assert len(set(run(3, pairs, keys=keys))) == 2
    assert len(set(run(3, pairs))) == 1  # never compared: no evidence either way


def test_a_same_person_decision_joins_mentions_the_model_kept_apart() -> None:
    labels = run(3, [(0, 1, -20.0)], same=[(0, 2), (2, 1)])
    assert labels[0] == labels[1] == labels[2]


def test_a_not_the_same_decision_splits_even_the_strongest_pair() -> None:
    labels = run(2, [(0, 1, 30.0)], different=[(0, 1)])
    assert labels[0] != labels[1]


def test_a_same_person_decision_that_contradicts_a_not_the_same_one_is_refused() -> None:
    result = cluster(
        3,
        [],
        [],
        [],
        threshold_weight=THRESHOLD,
        unseen_weight=UNSEEN,
        same=[(0, 1), (1, 2)],
        different=[(0, 2)],
    )
    assert result.labels[0] == result.labels[1] != result.labels[2]
    assert result.refused_same == [(1, 2)]


def test_labels_name_each_cluster_by_its_smallest_row() -> None:
    assert run(3, [(1, 2, 5.0)]) == [0, 1, 1]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, float]], list[tuple[int, int]]]:
    n = draw(st.integers(min_value=2, max_value=14))
    edge = st.tuples(
        st.integers(0, n - 1), st.integers(0, n - 1), st.floats(-20, 20, allow_nan=False)
    ).filter(lambda e: e[0] != e[1])
    pairs = draw(st.lists(edge, max_size=40))
    splits = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            max_size=6,
        )
    )
    return n, pairs, splits


@settings(max_examples=300)
@given(graphs(), st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=6))
def test_a_not_the_same_pair_never_ends_up_together_even_through_a_chain(
    graph: tuple[int, list[tuple[int, int, float]], list[tuple[int, int]]],
    joins: list[tuple[int, int]],
) -> None:
    n, pairs, different = graph
    same = [(a, b) for a, b in joins if a < n and b < n and a != b]
    labels = run(n, pairs, keys=[frozenset({"k"})] * n, same=same, different=different)
    for a, b in different:
        assert labels[a] != labels[b]


@settings(max_examples=200)
@given(graphs())
def test_same_person_decisions_hold_when_nothing_contradicts_them(
    graph: tuple[int, list[tuple[int, int, float]], list[tuple[int, int]]],
) -> None:
    n, pairs, joins = graph
    labels = run(n, pairs, same=joins)
    for a, b in joins:
        assert labels[a] == labels[b]
