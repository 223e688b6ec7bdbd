"""The sampler's random variates follow their distributions (checked against SciPy)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from numba import njit
from scipy import stats

from refwatch.estimate import rng
from refwatch.estimate.rng import Spare, State, new_state

DRAWS = 200_000


@njit(cache=True)
def _binomials(st: State, n: int, p: float, size: int) -> npt.NDArray[np.int64]:
    out = np.empty(size, dtype=np.int64)
    for i in range(size):
        out[i] = rng.binomial(st, n, p)
    return out


@njit(cache=True)
def _gammas(st: State, sp: Spare, shape: float, size: int) -> npt.NDArray[np.float64]:
    out = np.empty(size)
    for i in range(size):
        out[i] = rng.gamma(st, sp, shape)
    return out


@njit(cache=True)
def _betas(st: State, sp: Spare, a: float, b: float, size: int) -> npt.NDArray[np.float64]:
    out = np.empty(size)
    for i in range(size):
        out[i] = rng.beta(st, sp, a, b)
    return out


@njit(cache=True)
def _log_betas(st: State, sp: Spare, a: float, b: float, size: int) -> npt.NDArray[np.float64]:
    out = np.empty((size, 2))
    for i in range(size):
        out[i, 0], out[i, 1] = rng.log_beta(st, sp, a, b)
    return out


@njit(cache=True)
def _poissons(st: State, lam: float, size: int) -> npt.NDArray[np.int64]:
    out = np.empty(size, dtype=np.int64)
    for i in range(size):
        out[i] = rng.poisson(st, lam)
    return out


@njit(cache=True)
def _negbins(st: State, sp: Spare, n: int, p: float, size: int) -> npt.NDArray[np.int64]:
    out = np.empty(size, dtype=np.int64)
    for i in range(size):
        out[i] = rng.negative_binomial(st, sp, n, p)
    return out


def _chi2_pvalue(draws: npt.NDArray[np.int64], pmf: npt.NDArray[np.float64]) -> float:
    observed = np.bincount(draws, minlength=len(pmf))[: len(pmf)].astype(float)
    expected = pmf * len(draws)
    keep = expected > 5
    rest_obs = len(draws) - observed[keep].sum()
    rest_exp = len(draws) - expected[keep].sum()
    obs = np.append(observed[keep], rest_obs)
    exp = np.append(expected[keep], rest_exp)
    if rest_exp < 5:
        obs, exp = obs[:-1], exp[:-1] * (obs[:-1].sum() / exp[:-1].sum())
    return float(stats.chisquare(obs, exp).pvalue)


@pytest.mark.parametrize(("n", "p"), [(7, 0.3), (60, 0.1), (1131, 0.42), (4400, 0.93), (90, 0.5)])
def test_binomial_draws_follow_the_binomial_distribution(n: int, p: float) -> None:
    st, _ = new_state(11 + n)
    draws = _binomials(st, n, p, DRAWS)
    assert _chi2_pvalue(draws, stats.binom.pmf(np.arange(n + 1), n, p)) > 1e-4


@pytest.mark.parametrize("shape", [0.25, 1.0, 2.5, 800.0])
def test_gamma_draws_follow_the_gamma_distribution(shape: float) -> None:
    st, sp = new_state(7)
    draws = _gammas(st, sp, shape, DRAWS)
    assert stats.kstest(draws, stats.gamma(shape).cdf).pvalue > 1e-4


# each branch: Cheng's BB (both shapes above 1), the closed forms (a shape of 1) and the
# ratio of gammas (a shape below 1)
BETA_SHAPES = [
    (1.0, 1.0),
    (1.0, 40.0),
    (25.0, 1.0),
    (2.5, 3.5),
    (300.0, 4000.0),
    (3500.0, 120.0),
    (0.4, 0.7),
]


@pytest.mark.parametrize(("a", "b"), BETA_SHAPES)
def test_beta_draws_follow_the_beta_distribution(a: float, b: float) -> None:
    st, sp = new_state(17)
    draws = _betas(st, sp, a, b, DRAWS)
    assert stats.kstest(draws, stats.beta(a, b).cdf).pvalue > 1e-4


@pytest.mark.parametrize(("a", "b"), [*BETA_SHAPES, (3.0, 0.05)])
def test_log_beta_gives_both_logs_of_one_beta_draw(a: float, b: float) -> None:
    st, sp = new_state(19)
    logs = _log_betas(st, sp, a, b, DRAWS)
    assert np.allclose(np.exp(logs[:, 0]) + np.exp(logs[:, 1]), 1.0)
    # test the side nearer 0, where the digits are (1 - V ~ Beta(b, a))
    near_zero, shapes = (logs[:, 0], (a, b)) if a <= b else (logs[:, 1], (b, a))
    assert stats.kstest(np.exp(near_zero), stats.beta(*shapes).cdf).pvalue > 1e-4


def test_log_beta_keeps_the_digits_of_a_weight_that_underflows() -> None:
    # Beta(1, b) with b = 0.001: 1 - V = U^(1/b) is below 1e-304 half the time, where
    # 1 - V computed as a number would be 0 (or subnormal) and its log useless
    st, sp = new_state(23)
    b = 0.001
    logs = _log_betas(st, sp, 1.0, b, DRAWS)
    assert np.isfinite(logs).all()
    assert (logs[:, 1] < -700).mean() > 0.45
    # log(1 - V) = log(U) / b, so -b log(1 - V) is exponential with mean 1
    assert stats.kstest(-b * logs[:, 1], stats.expon.cdf).pvalue > 1e-4


@pytest.mark.parametrize(
    ("a", "b", "share"), [(1.0, 0.001, 0.9), (0.3, 0.02, 0.4), (5000.0, 3.0, 0.0)]
)
def test_log_beta_keeps_the_digits_of_a_share_next_to_one(a: float, b: float, share: float) -> None:
    # for `share` of these draws V is within 1e-16 of 1: log V must be the tiny negative
    # number log1p(-(1 - V)), not 0 (a difference of logs would round it away); only
    # where 1 - V is below the smallest double is log V itself too small to write
    st, sp = new_state(29)
    logs = _log_betas(st, sp, a, b, DRAWS)
    assert (logs[:, 1] < math.log(1e-16)).mean() >= share
    representable = logs[:, 1] > -700
    assert (logs[representable, 0] < 0).all()
    near = representable & (logs[:, 1] < -1.0)
    assert np.allclose(logs[near, 0], np.log1p(-np.exp(logs[near, 1])), rtol=1e-12, atol=0)


@pytest.mark.parametrize("lam", [2.5, 45.0, 6000.0])
def test_poisson_draws_follow_the_poisson_distribution(lam: float) -> None:
    st, _ = new_state(3)
    draws = _poissons(st, lam, DRAWS)
    top = int(lam + 10 * np.sqrt(lam) + 10)
    assert _chi2_pvalue(draws, stats.poisson.pmf(np.arange(top), lam)) > 1e-4


def test_negative_binomial_counts_failures_before_the_nth_success() -> None:
    st, sp = new_state(5)
    draws = _negbins(st, sp, 40, 0.3, DRAWS)
    pmf = stats.nbinom.pmf(np.arange(400), 40, 0.3)
    assert _chi2_pvalue(draws, pmf) > 1e-4


def test_the_same_seed_gives_the_same_stream() -> None:
    a, _ = new_state(2024)
    b, _ = new_state(2024)
    assert _binomials(a, 100, 0.4, 50).tolist() == _binomials(b, 100, 0.4, 50).tolist()
