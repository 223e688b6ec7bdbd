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
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


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


class _Groups:
    def __init__(self, n: int, cannot: Iterable[tuple[int, int]]) -> None:
        self.owner = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.cannot: dict[int, set[int]] = {}
        for a, b in cannot:
            self.cannot.setdefault(a, set()).add(b)
            self.cannot.setdefault(b, set()).add(a)

    def forbidden(self, x: int, y: int) -> bool:
        """Would joining groups x and y put a "not the same" pair together?"""
        small, other = (x, y) if len(self.members[x]) <= len(self.members[y]) else (y, x)
        owner = self.owner
        for member in self.members[small]:
            for partner in self.cannot.get(member, ()):
                if owner[partner] == other:
                    return True
        return False

    def join(self, x: int, y: int) -> None:
        if len(self.members[x]) < len(self.members[y]):
            x, y = y, x
        moved = self.members.pop(y)
        for member in moved:
            self.owner[member] = x
        self.members[x].extend(moved)


def cluster(
    n: int,
    pairs: Sequence[tuple[int, int, float]],
    *,
    keys: Sequence[frozenset[str]],
    threshold_weight: float,
    unseen_weight: float,
    same: Sequence[tuple[int, int]] = (),
    different: Sequence[tuple[int, int]] = (),
) -> Clustering:
    """Cluster rows 0..n-1 given scored pairs (a, b, match weight).

    `keys[i]` are row i's name keys: two rows sharing one were compared, so a missing
    pair between them is evidence against (`unseen_weight`). `same` and `different` are
    the human decisions, as row pairs.
    """
    groups = _Groups(n, different)
    result = Clustering(labels=[])
    for a, b in same:
        x, y = groups.owner[a], groups.owner[b]
        if x == y:
            continue
        if groups.forbidden(x, y):
            result.refused_same.append((a, b))
            continue
        groups.join(x, y)

    weights: dict[int, float] = {}
    for a, b, w in pairs:
        lo, hi = (a, b) if a < b else (b, a)
        weights[lo * n + hi] = w

    def weight(a: int, b: int) -> float | None:
        lo, hi = (a, b) if a < b else (b, a)
        found = weights.get(lo * n + hi)
        if found is not None:
            return found
        return unseen_weight if keys[a] & keys[b] else None

    ordered = sorted(
        ((w, min(a, b), max(a, b)) for a, b, w in pairs if w >= threshold_weight),
        key=lambda edge: (-edge[0], edge[1], edge[2]),
    )
    for _w, a, b in ordered:
        x, y = groups.owner[a], groups.owner[b]
        if x == y:
            continue
        if groups.forbidden(x, y):
            result.refused_joins += 1
            continue
        total, count = 0.0, 0
        for p in groups.members[x]:
            for q in groups.members[y]:
                found = weight(p, q)
                if found is not None:
                    total += found
                    count += 1
        if count and total / count < threshold_weight:
            result.refused_joins += 1
            continue
        groups.join(x, y)

    smallest = {root: min(members) for root, members in groups.members.items()}
    result.labels = [smallest[groups.owner[i]] for i in range(n)]
    return result
