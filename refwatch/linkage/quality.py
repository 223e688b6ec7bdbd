"""How good a clustering is against a known truth: pairwise and B-cubed scores.

Why both: pairwise precision and recall count pairs of mentions, so a wrongly merged big
cluster weighs quadratically; B-cubed averages over mentions, so it reads as "for a
typical mention, how much of its person did we get right". Used by the benchmarks (the
synthetic world has a truth) and by anyone with a hand-checked sample.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Quality:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    persons_found: int
    persons_true: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _pairs(sizes: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def evaluate(found: Mapping[Hashable, Hashable], truth: Mapping[Hashable, Hashable]) -> Quality:
    """Score `found` (item -> cluster) against `truth` (item -> true cluster)."""
    items = list(truth)
    if set(found) != set(items):
        raise ValueError("found and truth must cover the same items")
    both: Counter[tuple[Hashable, Hashable]] = Counter((found[i], truth[i]) for i in items)
    found_sizes: Counter[Hashable] = Counter(found[i] for i in items)
    true_sizes: Counter[Hashable] = Counter(truth[i] for i in items)
    together = _pairs(both)
    found_pairs, true_pairs = _pairs(found_sizes), _pairs(true_sizes)
    precision = together / found_pairs if found_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    b_precision = b_recall = 0.0
    per_cell: dict[tuple[Hashable, Hashable], int] = defaultdict(int, both)
    for (cluster, person), shared in per_cell.items():
        b_precision += shared * shared / found_sizes[cluster]
        b_recall += shared * shared / true_sizes[person]
    n = len(items) or 1
    b_precision, b_recall = b_precision / n, b_recall / n
    return Quality(
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_f1(precision, recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
        persons_found=len(found_sizes),
        persons_true=len(true_sizes),
    )
