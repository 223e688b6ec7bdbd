"""The sampler's multinomial draw is exact whatever the order and size of the weights."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from refwatch.estimate.lcmcr_sampler import SMALL, _multinomial
from refwatch.estimate.rng import new_state

WEIGHTS = {
    "decreasing": [0.5, 0.25, 0.15, 0.07, 0.03],
    "increasing": [0.001, 0.01, 0.09, 0.3, 0.6],
    "with zeros": [0.0, 0.4, 0.0, 0.6, 1e-4],
    "unnormalised": [3.0, 1.0, 2.0, 0.5, 0.25],
}


def _draws(weights: list[float], total: int, repeats: int, seed: int) -> np.ndarray:
    st, _spare = new_state(seed)
    w = np.asarray(weights, dtype=np.float64)
    out = np.zeros(len(w), dtype=np.int64)
    cum = np.zeros(len(w))
    draws = np.empty((repeats, len(w)), dtype=np.int64)
    for r in range(repeats):
        _multinomial(st, total, w, out, cum)
        draws[r] = out
    return draws


@pytest.mark.parametrize("shape", sorted(WEIGHTS))
@pytest.mark.parametrize("total", [0, 1, SMALL, SMALL + 1, 40, 1200])
def test_counts_add_up_and_match_the_multinomial_moments(shape: str, total: int) -> None:
    weights = WEIGHTS[shape]
    p = np.asarray(weights) / sum(weights)
    repeats = 20_000
    draws = _draws(weights, total, repeats, seed=total * 7 + len(shape))
    assert (draws.sum(axis=1) == total).all()
    assert (draws[:, p == 0] == 0).all()  # a class of weight 0 never gets anyone
    if total == 0:
        return
    mean = draws.mean(axis=0)
    sd = np.sqrt(total * p * (1 - p) / repeats)
    live = p > 0
    assert np.all(np.abs(mean[live] - total * p[live]) <= 5 * sd[live] + 1e-12)
    # the variance too: a draw with the right mean but the wrong spread would pass above
    var = draws.var(axis=0)
    expected = total * p * (1 - p)
    big = expected > 1
    assert np.all(np.abs(var[big] / expected[big] - 1) < 0.08)


def test_a_single_member_falls_in_each_class_with_its_probability() -> None:
    weights = WEIGHTS["increasing"]
    p = np.asarray(weights) / sum(weights)
    draws = _draws(weights, 1, 50_000, seed=3)
    observed = draws.sum(axis=0)
    assert stats.chisquare(observed, p * len(draws)).pvalue > 1e-4
