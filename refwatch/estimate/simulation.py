"""Capture tables drawn from a known population, for checking the estimators.

Why: a method is only trustworthy where it has been seen to recover a known total.  A
latent-class population (each class with its own list capture probabilities) produces
heterogeneity and apparent dependence between lists, the conditions real lists show;
the benchmark `benchmarks/estimation_simulation.py` and the tests draw from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from refwatch.estimate.table import CaptureTable


def latent_class_table(
    rng: np.random.Generator,
    total: int,
    shares: Sequence[float],
    capture: Sequence[Sequence[float]],
    lists: Sequence[str] | None = None,
) -> CaptureTable:
    """Draw `total` people into classes by `shares`; list j sees a class-k person with
    probability `capture[k][j]`, independently given the class."""
    probs = np.asarray(capture, dtype=np.float64)
    classes = rng.choice(len(shares), size=total, p=np.asarray(shares) / np.sum(shares))
    seen = rng.random((total, probs.shape[1])) < probs[classes]
    weights = 1 << np.arange(probs.shape[1])
    histories = seen.astype(np.int64) @ weights
    counts = np.bincount(histories, minlength=1 << probs.shape[1]).astype(np.int64)
    counts[0] = 0
    names = tuple(lists) if lists is not None else tuple(f"L{j + 1}" for j in range(probs.shape[1]))
    return CaptureTable(names, counts)
