"""From scored pairs to persons: average-link clustering that obeys human decisions.

Why not connected components: joining every pair above a threshold chains — mention A
links to B, B to C, and A and C (two different people named 김영희) end up one person
although the model was sure they differ. Here groups of mentions join in order of their
strongest pair, and only when the *average* match weight of all the pairs between the two
groups reaches the threshold. A pair the model scored too low to keep, between mentions
that share a name key (so it was compared), counts with the weight of the keep-threshold:
the strongest evidence against joining that is certain to hold. Pairs never compared
(different names, nothing in common) are not counted either way.

Human decisions are constraints, not evidence: "same person" pairs are joined first (in
the order they were made), and a join that would put the two mentions of a "not the same"
decision into one person is refused — directly or through any chain of other joins,
because the check looks at every member of both groups.

Joins only ever happen along pairs at or above the threshold, so the mentions are first
split into the connected pieces of that graph (and of the "same person" decisions), and
each piece is clustered on its own with only its own pairs: a million mentions make a
few hundred thousand small problems.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

IntArray = np.ndarray
FloatArray = np.ndarray


def weight_of(probability: float) -> float:
    """Match weight (log2 of the odds) of a probability."""
    probability = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log2(probability / (1 - probability))


@dataclass
class Clustering:
    """`labels[i]` is the cluster of row i (the smallest row index in it)."""

    labels: list[int]
    refused_same: list[tuple[int, int]] = field(default_factory=list)
    refused_joins: int = 0


class _Piece:
    """Average-link clustering of one connected piece, with its own pair weights."""

    def __init__(self, members: list[int], cannot: dict[int, set[int]]) -> None:
        self.owner = {m: m for m in members}
        self.groups: dict[int, list[int]] = {m: [m] for m in members}
        self.cannot = cannot

    def forbidden(self, x: int, y: int) -> bool:
        small, other = (x, y) if len(self.groups[x]) <= len(self.groups[y]) else (y, x)
        for member in self.groups[small]:
            for partner in self.cannot.get(member, ()):
                if self.owner.get(partner) == other:
                    return True
        return False

    def join(self, x: int, y: int) -> None:
        if len(self.groups[x]) < len(self.groups[y]):
            x, y = y, x
        moved = self.groups.pop(y)
        for member in moved:
            self.owner[member] = x
        self.groups[x].extend(moved)


def _share_key(keys: IntArray, a: int, b: int) -> bool:
    ka, kb = keys[a], keys[b]
    return bool(
        (ka[0] >= 0 and (ka[0] == kb[0] or ka[0] == kb[1]))
        or (ka[1] >= 0 and (ka[1] == kb[0] or ka[1] == kb[1]))
    )


def cluster(
    n: int,
    a: Sequence[int] | IntArray,
    b: Sequence[int] | IntArray,
    weights: Sequence[float] | FloatArray,
    *,
    keys: IntArray | None = None,
    threshold_weight: float,
    unseen_weight: float,
    same: Sequence[tuple[int, int]] = (),
    different: Sequence[tuple[int, int]] = (),
) -> Clustering:
    """Cluster rows 0..n-1 given scored pairs (a[i], b[i], weights[i] in bits).

    `keys[i]` holds row i's name keys as two integer ids (-1: none): two rows sharing one
    were compared, so a missing pair between them is evidence against (`unseen_weight`).
    `same` and `different` are the human decisions, as row pairs.
    """
    left = np.asarray(a, dtype=np.int64)
    right = np.asarray(b, dtype=np.int64)
    weight = np.asarray(weights, dtype=np.float64)
    key_ids = keys if keys is not None else np.full((n, 2), -1, dtype=np.int64)
    result = Clustering(labels=[])
    piece_of = _pieces(n, left[weight >= threshold_weight], right[weight >= threshold_weight], same)
    members: dict[int, list[int]] = {}
    for row in np.flatnonzero(np.bincount(piece_of)[piece_of] > 1):
        members.setdefault(int(piece_of[row]), []).append(int(row))
    cannot: dict[int, set[int]] = {}
    for x, y in different:
        if piece_of[x] == piece_of[y]:
            cannot.setdefault(x, set()).add(y)
            cannot.setdefault(y, set()).add(x)
    same_by_piece: dict[int, list[tuple[int, int]]] = {}
    for x, y in same:
        same_by_piece.setdefault(int(piece_of[x]), []).append((x, y))
    inside = piece_of[left] == piece_of[right]
    order = np.argsort(piece_of[left[inside]], kind="stable")
    pl, pr, pw = left[inside][order], right[inside][order], weight[inside][order]
    starts = np.searchsorted(piece_of[pl], np.arange(piece_of.max() + 2 if n else 1))
    labels = np.arange(n, dtype=np.int64)
    for piece, rows in members.items():
        lo, hi = starts[piece], starts[piece + 1]
        piece_pairs = {
            (int(x), int(y)) if x < y else (int(y), int(x)): float(w)
            for x, y, w in zip(pl[lo:hi], pr[lo:hi], pw[lo:hi], strict=True)
        }
        groups = _Piece(rows, cannot)
        _join_decided(groups, same_by_piece.get(piece, []), result)
        _join_by_average(groups, piece_pairs, key_ids, threshold_weight, unseen_weight, result)
        for group in groups.groups.values():
            smallest = min(group)
            for member in group:
                labels[member] = smallest
    result.labels = labels.tolist()
    return result


def _pieces(n: int, left: IntArray, right: IntArray, same: Sequence[tuple[int, int]]) -> IntArray:
    """The connected pieces of the strong pairs and the "same person" decisions: joins
    only ever happen inside one."""
    same_a = np.array([x for x, _ in same], dtype=np.int64)
    same_b = np.array([y for _, y in same], dtype=np.int64)
    graph = coo_matrix(
        (
            np.ones(len(left) + len(same), dtype=np.int8),
            (np.concatenate([left, same_a]), np.concatenate([right, same_b])),
        ),
        shape=(n, n),
    )
    _, piece_of = connected_components(graph, directed=False)
    return np.asarray(piece_of)


def _join_decided(groups: _Piece, same: list[tuple[int, int]], result: Clustering) -> None:
    """Join "same person" decisions first, in the order they were made, unless a "not the
    same" decision forbids it."""
    for x, y in same:
        gx, gy = groups.owner[x], groups.owner[y]
        if gx == gy:
            continue
        if groups.forbidden(gx, gy):
            result.refused_same.append((x, y))
            continue
        groups.join(gx, gy)


def _join_by_average(
    groups: _Piece,
    piece_pairs: dict[tuple[int, int], float],
    key_ids: IntArray,
    threshold_weight: float,
    unseen_weight: float,
    result: Clustering,
) -> None:
    """Join along strong pairs, strongest first, while the average weight of all pairs
    between the two groups reaches the threshold."""
    edges = sorted(
        ((w, x, y) for (x, y), w in piece_pairs.items() if w >= threshold_weight),
        key=lambda edge: (-edge[0], edge[1], edge[2]),
    )
    for _w, x, y in edges:
        gx, gy = groups.owner[x], groups.owner[y]
        if gx == gy:
            continue
        if groups.forbidden(gx, gy):
            result.refused_joins += 1
            continue
        total, count = 0.0, 0
        for p in groups.groups[gx]:
            for q in groups.groups[gy]:
                found = piece_pairs.get((p, q) if p < q else (q, p))
                if found is None and _share_key(key_ids, p, q):
                    found = unseen_weight
                if found is not None:
                    total += found
                    count += 1
        if count and total / count < threshold_weight:
            result.refused_joins += 1
            continue
        groups.join(gx, gy)
