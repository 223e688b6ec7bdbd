"""A straightforward LCMCR sampler on Numba's `np.random`: the speed baseline.

Why it exists: `benchmarks/lcmcr_speed.py` measures RefWatch's sampler against a
baseline run in the same process on the same machine (the R package cannot run here: its
C++ sampler's 86,000 sweeps/s is the figure quoted in issue 6).  This is the same Gibbs
sweep as `refwatch.estimate.lcmcr_sampler`, written the obvious way: per-cell
multinomials by `np.random.binomial`, gammas and betas by `np.random`.  It is also an
independent implementation: its posterior must agree with RefWatch's within Monte Carlo
error (the speed script prints both medians).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _log_gamma(shape: float) -> float:
    if shape < 0.5:
        return math.log(1.0 - np.random.random()) / shape + math.log(
            np.random.gamma(1.0 + shape, 1.0)
        )
    return math.log(np.random.gamma(shape, 1.0))


@njit(cache=True)
def _log_sum(a: float, b: float) -> float:
    if a < b:
        return b + math.log1p(math.exp(a - b))
    return a + math.log1p(math.exp(b - a))


@njit(cache=True)
def _multinomial(total, weights, out):  # type: ignore[no-untyped-def]
    k_count = weights.shape[0]
    norm = 0.0
    for k in range(k_count):
        norm += weights[k]
        out[k] = 0
    remaining = total
    left = norm
    for k in range(k_count - 1):
        if remaining == 0:
            return
        p = weights[k] / left if left > 0 else 0.0
        if p >= 1.0:
            out[k] = remaining
            return
        if p > 0.0:
            x = np.random.binomial(remaining, p)
            out[k] = x
            remaining -= x
        left -= weights[k]
    out[k_count - 1] += remaining


@njit(cache=True)
def reference_chain(cells, freq, k_count, a_alpha, b_alpha, burnin, samples, thinning, seed):  # type: ignore[no-untyped-def]
    np.random.seed(seed)
    m_count, j_count = cells.shape
    n = freq.sum()
    lam = np.empty((j_count, k_count))
    nu = np.empty(k_count)
    log_nu = np.empty(k_count)
    count_mk = np.zeros((m_count, k_count), dtype=np.int64)
    count0 = np.zeros(k_count, dtype=np.int64)
    probs = np.empty(k_count)
    l_acc = 0.0
    for k in range(k_count - 1):
        g1 = _log_gamma(1.0)
        g2 = _log_gamma(1.0)
        gs = _log_sum(g1, g2)
        log_nu[k] = g1 - gs + l_acc
        l_acc += g2 - gs
    log_nu[k_count - 1] = l_acc
    for j in range(j_count):
        seen = 0
        for m in range(m_count):
            if cells[m, j] == 1:
                seen += freq[m]
        for k in range(k_count):
            lam[j, k] = seen / n
    alpha = 0.3 / k_count
    head = min(4, k_count)
    for k in range(k_count):
        nu[k] = (
            (0.9 / head if k_count > head else 1.0 / head) if k < head else 0.1 / (k_count - head)
        )
    n0 = 0
    total = 500 + burnin + samples * thinning
    trace = np.empty(samples, dtype=np.int64)
    kept = 0
    for it in range(total):
        for m in range(m_count):
            for k in range(k_count):
                p = nu[k]
                for j in range(j_count):
                    p *= lam[j, k] if cells[m, j] == 1 else 1.0 - lam[j, k]
                probs[k] = p
            _multinomial(freq[m], probs, count_mk[m])
        count_k = count0.copy()
        aux1 = np.zeros((j_count, k_count), dtype=np.int64)
        aux0 = np.zeros((j_count, k_count), dtype=np.int64)
        for k in range(k_count):
            for j in range(j_count):
                aux0[j, k] = count0[k]
        for m in range(m_count):
            for k in range(k_count):
                c = count_mk[m, k]
                count_k[k] += c
                for j in range(j_count):
                    if cells[m, j] == 1:
                        aux1[j, k] += c
                    else:
                        aux0[j, k] += c
        for j in range(j_count):
            for k in range(k_count):
                ga = np.random.gamma(1.0 + aux1[j, k], 1.0)
                gb = np.random.gamma(1.0 + aux0[j, k], 1.0)
                lam[j, k] = ga / (ga + gb)
        n_acc = 0
        l_acc = 0.0
        for k in range(k_count - 1):
            n_acc += count_k[k]
            g1 = _log_gamma(1.0 + count_k[k])
            g2 = _log_gamma(alpha + (n0 + n - n_acc))
            gs = _log_sum(g1, g2)
            log_nu[k] = g1 - gs + l_acc
            l_acc += g2 - gs
            nu[k] = math.exp(log_nu[k])
        log_nu[k_count - 1] = l_acc
        nu[k_count - 1] = math.exp(l_acc)
        prob_zero = 0.0
        for k in range(k_count):
            p = nu[k]
            for j in range(j_count):
                p *= 1.0 - lam[j, k]
            probs[k] = p
            prob_zero += p
        n0 = np.random.negative_binomial(n, max(1.0 - prob_zero, 1e-12))
        _multinomial(n0, probs, count0)
        if it >= 500:
            alpha = np.random.gamma(a_alpha + k_count - 1.0, 1.0 / (b_alpha - log_nu[k_count - 1]))
        if it == 499:
            order = np.argsort(-nu)
            lam[:, :] = lam[:, order]
            nu[:] = nu[order]
            log_nu[:] = log_nu[order]
            count0[:] = count0[order]
            for m in range(m_count):
                count_mk[m, :] = count_mk[m, order]
        done = it - 500 - burnin + 1
        if done > 0 and done % thinning == 0:
            trace[kept] = n0
            kept += 1
    return trace
