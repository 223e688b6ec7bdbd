"""Convergence diagnostics for MCMC draws, and plain-language checks of capture tables.

Why here and not in a library: R-hat and effective sample size are a few lines each
(Vehtari, Gelman, Simpson, Carpenter and Buerkner 2021, "Rank-normalization, folding,
and localization: an improved R-hat", Bayesian Analysis 16:667), and the checks of lists
must speak to a researcher, not a statistician.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri  # type: ignore[import-untyped]
from scipy.stats import rankdata  # type: ignore[import-untyped]

from refwatch.domain.errors import Message
from refwatch.estimate import messages
from refwatch.estimate.table import CaptureTable

FloatArray = npt.NDArray[np.float64]


def _split(chains: FloatArray) -> FloatArray:
    draws = chains.shape[1] // 2
    return np.vstack([chains[:, :draws], chains[:, chains.shape[1] - draws :]])


def _rhat_basic(chains: FloatArray) -> float:
    n = chains.shape[1]
    means = chains.mean(axis=1)
    within = chains.var(axis=1, ddof=1).mean()
    between = n * means.var(ddof=1)
    if within == 0.0:
        return 1.0 if between == 0.0 else math.inf
    var_plus = (n - 1) / n * within + between / n
    return float(math.sqrt(var_plus / within))


def _rank_normalise(chains: FloatArray) -> FloatArray:
    ranks = rankdata(chains, method="average").reshape(chains.shape)
    return np.asarray(ndtri((ranks - 0.375) / (chains.size + 0.25)))


def rhat(chains: FloatArray) -> float:
    """Rank-normalised split R-hat (max of bulk and folded-tail); near 1 when chains agree.

    `chains` has one row per chain.  Values above 1.01 (Vehtari et al.) or 1.1 (the older
    rule) mean the chains have not settled on the same distribution.
    """
    x = np.asarray(chains, dtype=np.float64)
    if x.shape[0] * (x.shape[1] // 2) < 4:
        return math.nan
    split = _split(x)
    bulk = _rhat_basic(_rank_normalise(split))
    folded = np.abs(split - np.median(split))
    tail = _rhat_basic(_rank_normalise(folded))
    return max(bulk, tail)


def ess(chains: FloatArray) -> float:
    """Bulk effective sample size across chains (Geyer's initial monotone sequence)."""
    x = _rank_normalise(_split(np.asarray(chains, dtype=np.float64)))
    m, n = x.shape
    if n < 4:
        return math.nan
    centred = x - x.mean(axis=1, keepdims=True)
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    acov = np.fft.irfft(spectrum * np.conjugate(spectrum), n=size, axis=1)[:, :n] / n
    chain_var = acov[:, 0] * n / (n - 1)
    within = chain_var.mean()
    var_plus = within * (n - 1) / n
    if m > 1:
        var_plus += x.mean(axis=1).var(ddof=1)
    if var_plus <= 0:
        return float(m * n)
    rho = 1.0 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    total = 0.0
    previous = math.inf
    for t in range(0, n - 1, 2):
        pair = rho[t] + rho[t + 1]
        if pair < 0:
            break
        pair = min(pair, previous)
        previous = pair
        total += pair
    tau = -1.0 + 2.0 * total
    return float(m * n / max(tau, 1.0 / math.log10(m * n + 10)))


def table_problems(table: CaptureTable) -> list[str]:
    """Reasons the lists cannot support an estimate at all, in plain words (empty if fine);
    each a `Message` with its code."""
    problems: list[str] = []
    if table.t < 3:
        problems.append(Message(messages.TOO_FEW_LISTS, n=table.t))
    sizes = table.list_sizes()
    empty = [name for name, size in sizes.items() if size == 0]
    if empty:
        problems.append(Message(messages.EMPTY_LISTS, lists=", ".join(empty)))
    for j, name in enumerate(table.lists):
        if sizes[name] and all(table.overlap(j, i) == 0 for i in range(table.t) if i != j):
            problems.append(Message(messages.LIST_APART, name=name))
    return problems


def table_warnings(table: CaptureTable) -> list[str]:
    """Weaknesses a reader of the estimate should know about (empty if none)."""
    warnings: list[str] = []
    on_several = table.n - sum(int(table.counts[1 << j]) for j in range(table.t))
    if on_several < 20:
        warnings.append(Message(messages.FEW_OVERLAPS, overlaps=on_several, n=table.n))
    if table.n < 50:
        warnings.append(Message(messages.FEW_PEOPLE, n=table.n))
    return warnings
