"""The LCMCR Gibbs sampler, compiled with Numba (Manrique-Vallier 2016, Biometrics 72:1246).

Why its own module: this is the hot loop (a million sweeps should take seconds), so it is
written as plain array code for `numba.njit`, and kept apart from the Python that
prepares data, runs chains and summarises them (`refwatch.estimate.lcmcr`).

The model: each person belongs to one of K latent classes (a truncated stick-breaking,
i.e. Dirichlet-process, prior with concentration alpha ~ Gamma(a, b)); within a class the
lists capture independently with probabilities lambda[j, k] ~ Beta(1, 1).  The sampler
works on tabulated histories (one multinomial draw of class counts per observed cell), and
imputes the unseen people: n0 ~ NegBin(n, 1 - P(unseen)), their classes ~ Multinomial.
Each step mirrors `CNPLCM_CR_Basic_Freq::Update` of the R package LCMCR (Manrique-Vallier,
GPL-2), including its initialisation and 500-sweep warm-up; the code is RefWatch's own.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from refwatch.estimate import rng
from refwatch.estimate.rng import Spare, State, leaf_jit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@leaf_jit
def _multinomial(
    st: State, total: int, weights: FloatArray, out: IntArray, cum: FloatArray
) -> None:
    """Multinomial(total, weights / sum(weights)), exactly.

    Conditional binomials class by class while many members remain, then one
    categorical draw per remaining member, found by counting the cumulative weights
    below the uniform (no branch to mispredict). Classes are taken in their own order:
    the sampler keeps them labelled by decreasing weight (stick-breaking), so the big
    classes come first without sorting.
    """
    k_count = weights.shape[0]
    norm = 0.0
    for k in range(k_count):
        norm += weights[k]
        out[k] = 0
    remaining = total
    left = norm
    k = 0
    while k < k_count - 1 and remaining > SMALL and left > 0.0:
        p = weights[k] / left
        if p >= 1.0:
            out[k] += remaining
            return
        if p > 0.0:
            x = rng.binomial(st, remaining, p)
            out[k] += x
            remaining -= x
        left -= weights[k]
        k += 1
    if remaining <= 0:
        return
    if k == k_count - 1 or left <= 0.0:
        out[k] += remaining
        return
    acc = 0.0
    for c in range(k, k_count):
        acc += weights[c]
        cum[c] = acc
    last = k_count - 1
    for _ in range(remaining):
        u = rng.uniform(st) * acc
        chosen = k
        for d in range(k, last):
            chosen += u >= cum[d]
        out[chosen] += 1


SMALL = 16


Work = tuple[
    IntArray,  # cells: the observed histories (m, j), 0/1
    IntArray,  # freq: people per history
    FloatArray,  # lam: capture probabilities (j, k)
    FloatArray,  # nu: class weights
    FloatArray,  # log_nu
    IntArray,  # count_mk: observed people per history and class
    IntArray,  # count0: unseen people per class
    FloatArray,  # state: [alpha, n0, prob_zero, k_star]
    FloatArray,  # probs: scratch, one per class
    IntArray,  # aux1: scratch (j, k)
    IntArray,  # count_k: people per class
    IntArray,  # on_lists: the lists each history is on, -1 after the last
    IntArray,  # on_count: how many lists each history is on
    FloatArray,  # work: scratch (1 + j, k)
    FloatArray,  # cum: scratch, one per class
]
"""The chain's arrays, made once by `_work` and handed to every step as one tuple (Numba
passes a tuple of arrays to a compiled function as it would the arrays one by one)."""


@leaf_jit
def _seen_classes(st: State, ws: Work) -> None:
    """Classes of the observed people, cell by cell.

    A cell's class weights are nu_k * prod_j (1 - lambda_jk) * prod_{j on} odds_jk, so
    each needs one product per list the cell is on, not one per list.
    """
    cells, freq, lam, nu, _, count_mk, _, _, probs, _, _, on_lists, on_count, work, cum = ws
    m_count, j_count = cells.shape
    k_count = nu.shape[0]
    base = work[0]
    odds = work[1 : 1 + j_count]
    # loops run over classes innermost: contiguous, branch-free, vectorised
    for k in range(k_count):
        base[k] = nu[k]
    for j in range(j_count):
        for k in range(k_count):
            miss = 1.0 - lam[j, k]
            base[k] *= miss
            odds[j, k] = lam[j, k] / miss
    for m in range(m_count):
        for k in range(k_count):
            probs[k] = base[k]
        for i in range(on_count[m]):
            j = on_lists[m, i]
            for k in range(k_count):
                probs[k] *= odds[j, k]
        _multinomial(st, freq[m], probs, count_mk[m], cum)


@leaf_jit
def _capture_probabilities(st: State, sp: Spare, ws: Work) -> None:
    """Capture probabilities given classes (observed and imputed people)."""
    cells, _, lam, nu, _, count_mk, count0, _, _, aux1, count_k, on_lists, on_count, _, _ = ws
    m_count, j_count = cells.shape
    k_count = nu.shape[0]
    for k in range(k_count):
        count_k[k] = count0[k]
    for j in range(j_count):
        for k in range(k_count):
            aux1[j, k] = 0
    for m in range(m_count):
        for k in range(k_count):
            count_k[k] += count_mk[m, k]
        for i in range(on_count[m]):
            j = on_lists[m, i]
            for k in range(k_count):
                aux1[j, k] += count_mk[m, k]
    for j in range(j_count):
        for k in range(k_count):
            a = 1.0 + aux1[j, k]
            b = 1.0 + (count_k[k] - aux1[j, k])
            draw = rng.beta(st, sp, a, b)
            # a draw that rounds to exactly 1 would make the odds infinite
            lam[j, k] = draw if draw < 1.0 else 1.0 - 2.0**-53


@leaf_jit
def _stick_breaking(st: State, sp: Spare, ws: Work, n: int) -> None:
    """The class weights, and the number of occupied classes (state[3])."""
    _, _, _, nu, log_nu, _, _, state, _, _, count_k, _, _, _, _ = ws
    k_count = nu.shape[0]
    alpha = state[0]
    n0 = int(state[1])
    n_acc = 0
    l_acc = 0.0
    k_star = 0
    for k in range(k_count):
        if count_k[k] > 0:
            k_star += 1
    for k in range(k_count - 1):
        n_acc += count_k[k]
        log_v, log_rest = rng.log_beta(st, sp, 1.0 + count_k[k], alpha + (n0 + n - n_acc))
        log_nu[k] = log_v + l_acc
        l_acc += log_rest
        nu[k] = math.exp(log_nu[k])
    log_nu[k_count - 1] = l_acc
    nu[k_count - 1] = math.exp(l_acc)
    state[3] = k_star


@leaf_jit
def _unseen(
    st: State,
    sp: Spare,
    ws: Work,
    n: int,
    a_alpha: float,
    b_alpha: float,
    update_alpha: bool,
) -> None:
    """The unseen: how many, and their classes; then alpha (when it is updated)."""
    _, _, lam, nu, log_nu, _, count0, state, probs, _, _, _, _, _, cum = ws
    j_count = lam.shape[0]
    k_count = nu.shape[0]
    alpha = state[0]
    prob_zero = 0.0
    for k in range(k_count):
        p = nu[k]
        for j in range(j_count):
            p *= 1.0 - lam[j, k]
        probs[k] = p
        prob_zero += p
    success = 1.0 - prob_zero
    if success <= 1e-12:
        success = 1e-12
    n0 = rng.negative_binomial(st, sp, n, success)
    _multinomial(st, n0, probs, count0, cum)
    if update_alpha:
        rate = b_alpha - log_nu[k_count - 1]
        alpha = rng.gamma(st, sp, a_alpha + k_count - 1.0) / rate
    state[0] = alpha
    state[1] = n0
    state[2] = prob_zero


@leaf_jit
def _sweep(
    st: State,
    sp: Spare,
    ws: Work,
    n: int,
    a_alpha: float,
    b_alpha: float,
    update_alpha: bool,
) -> None:
    """One Gibbs sweep, its steps in LCMCR's order.  state = [alpha, n0, prob_zero, k_star]."""
    _seen_classes(st, ws)
    _capture_probabilities(st, sp, ws)
    _stick_breaking(st, sp, ws, n)
    _unseen(st, sp, ws, n, a_alpha, b_alpha, update_alpha)


@njit(cache=True)
def _work(cells: IntArray, freq: IntArray, k_count: int) -> Work:
    """The chain's arrays (see `Work`), with each history's lists listed once."""
    m_count, j_count = cells.shape
    on_lists = np.full((m_count, j_count), -1, dtype=np.int64)
    on_count = np.zeros(m_count, dtype=np.int64)
    for m in range(m_count):
        for j in range(j_count):
            if cells[m, j] == 1:
                on_lists[m, on_count[m]] = j
                on_count[m] += 1
    return (
        cells,
        freq,
        np.empty((j_count, k_count)),
        np.empty(k_count),
        np.empty(k_count),
        np.zeros((m_count, k_count), dtype=np.int64),
        np.zeros(k_count, dtype=np.int64),
        np.zeros(4),
        np.empty(k_count),
        np.zeros((j_count, k_count), dtype=np.int64),
        np.zeros(k_count, dtype=np.int64),
        on_lists,
        on_count,
        np.zeros((1 + j_count, k_count)),
        np.zeros(k_count),
    )


@leaf_jit
def _initialise(st: State, sp: Spare, ws: Work, n: int) -> None:
    """LCMCR's `Initializes()`: a stick-breaking draw with alpha = 1, capture
    probabilities at each list's share of the people seen, alpha = 0.3 / K and 90% of
    the weight on four classes."""
    cells, freq, lam, nu, log_nu, _, _, state, _, _, _, _, _, _, _ = ws
    m_count, j_count = cells.shape
    k_count = nu.shape[0]
    l_acc = 0.0
    for k in range(k_count - 1):
        log_v, log_rest = rng.log_beta(st, sp, 1.0, 1.0)
        log_nu[k] = log_v + l_acc
        l_acc += log_rest
    log_nu[k_count - 1] = l_acc
    for j in range(j_count):
        seen = 0
        for m in range(m_count):
            if cells[m, j] == 1:
                seen += freq[m]
        for k in range(k_count):
            lam[j, k] = seen / n
    state[0] = 0.3 / k_count
    head = min(4, k_count)
    for k in range(k_count):
        if k < head:
            nu[k] = 0.9 / head if k_count > head else 1.0 / head
        else:
            nu[k] = 0.1 / (k_count - head)


@njit(cache=True)
def _relabel(ws: Work) -> None:
    """Relabel classes by decreasing weight (after the warm-up)."""
    _, _, lam, nu, log_nu, count_mk, count0, _, _, _, _, _, _, _, _ = ws
    relabel = np.argsort(-nu)
    lam[:, :] = lam[:, relabel]
    nu[:] = nu[relabel]
    log_nu[:] = log_nu[relabel]
    count0[:] = count0[relabel]
    for m in range(count_mk.shape[0]):
        count_mk[m, :] = count_mk[m, relabel]


@njit(cache=True)
def run_chain(
    cells: IntArray,
    freq: IntArray,
    k_count: int,
    a_alpha: float,
    b_alpha: float,
    burnin: int,
    samples: int,
    thinning: int,
    st: State,
    sp: Spare,
) -> tuple[IntArray, FloatArray, IntArray]:
    """Initialise as LCMCR does, warm up 500 sweeps, burn in, then keep every
    `thinning`-th sweep (advancing the generator state `st`, `sp`).

    Returns the traces of n0 (people unseen), alpha and the number of occupied classes.
    """
    n = 0
    for m in range(cells.shape[0]):
        n += freq[m]
    ws = _work(cells, freq, k_count)
    state = ws[7]
    _initialise(st, sp, ws, n)
    for _ in range(500):
        _sweep(st, sp, ws, n, a_alpha, b_alpha, False)
    _relabel(ws)
    for _ in range(burnin):
        _sweep(st, sp, ws, n, a_alpha, b_alpha, True)
    n0_trace = np.empty(samples, dtype=np.int64)
    alpha_trace = np.empty(samples)
    kstar_trace = np.empty(samples, dtype=np.int64)
    for s in range(samples):
        for _ in range(thinning):
            _sweep(st, sp, ws, n, a_alpha, b_alpha, True)
        n0_trace[s] = int(state[1])
        alpha_trace[s] = state[0]
        kstar_trace[s] = int(state[3])
    return n0_trace, alpha_trace, kstar_trace
