"""LCMCR: Bayesian non-parametric latent-class capture-recapture (Manrique-Vallier 2016).

Why this method: people differ in how likely each list is to record them (heterogeneity),
and that is what biases simple estimates.  LCMCR lets the data decide how many kinds of
people there are (a Dirichlet-process mixture of independent-list classes) and averages
over that uncertainty; HRDAG has used it for casualty counts since 2016.

Defaults are the R package LCMCR's (`lcmCR` and `lcmCR_PostSampl`): K = 5 classes at
most, alpha ~ Gamma(0.25, 0.25), 10,000 sweeps of burn-in, 1,000 samples kept one every
10 sweeps.  RefWatch runs several chains (on separate processes, so on both cores) from
seeds derived from one seed, and reports R-hat and the effective sample size so that a
reader can see whether the chains agree.  The estimate is the posterior median; the
interval is the equal-tailed credible interval.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from refwatch.domain.errors import Message
from refwatch.estimate import messages
from refwatch.estimate.diagnostics import ess, rhat
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.lcmcr_sampler import run_chain
from refwatch.estimate.result import EstimateResult
from refwatch.estimate.rng import new_state
from refwatch.estimate.table import CaptureTable

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LcmcrSettings:
    """Sampler settings; the defaults are the R package's."""

    K: int = 5
    a_alpha: float = 0.25
    b_alpha: float = 0.25
    burnin: int = 10_000
    samples: int = 1_000
    thinning: int = 10
    chains: int = 4
    seed: int | None = None
    processes: int | None = None

    def __post_init__(self) -> None:
        if self.K < 2:
            raise EstimationError("LCMCR needs at least 2 latent classes (K)")
        if self.samples < 4 or self.thinning < 1 or self.burnin < 0 or self.chains < 1:
            raise EstimationError("LCMCR needs samples >= 4, thinning >= 1, chains >= 1")
        if self.a_alpha <= 0 or self.b_alpha <= 0:
            raise EstimationError("the Gamma prior on alpha needs positive a and b")


@dataclass(frozen=True)
class Posterior:
    """Draws of the total N (one row per chain), alpha and the number of occupied classes."""

    total: IntArray
    alpha: npt.NDArray[np.float64]
    occupied: IntArray
    seeds: tuple[int, ...]


def tabulated_cells(table: CaptureTable) -> tuple[IntArray, IntArray]:
    observed = [h for h in range(1, 1 << table.t) if table.counts[h] > 0]
    cells = np.array([[(h >> j) & 1 for j in range(table.t)] for h in observed], dtype=np.int64)
    freq = np.array([table.counts[h] for h in observed], dtype=np.int64)
    return cells, freq


def _chain(
    args: tuple[IntArray, IntArray, LcmcrSettings, int],
) -> tuple[IntArray, npt.NDArray[np.float64], IntArray]:
    cells, freq, settings, seed = args
    state, spare = new_state(seed)
    return run_chain(
        cells,
        freq,
        settings.K,
        settings.a_alpha,
        settings.b_alpha,
        settings.burnin,
        settings.samples,
        settings.thinning,
        state,
        spare,
    )


def chain_seeds(seed: int | None, chains: int) -> tuple[int, tuple[int, ...]]:
    """One seed per chain, derived from `seed` (or fresh entropy, which is returned)."""
    sequence = np.random.SeedSequence(seed)
    root = int(sequence.entropy) if isinstance(sequence.entropy, int) else 0
    seeds = tuple(int(s.generate_state(1, np.uint64)[0]) for s in sequence.spawn(chains))
    return root, seeds


def sample_posterior(table: CaptureTable, settings: LcmcrSettings) -> Posterior:
    """Run the chains (in parallel processes when there is more than one core)."""
    cells, freq = tabulated_cells(table)
    _, seeds = chain_seeds(settings.seed, settings.chains)
    jobs = [(cells, freq, settings, s) for s in seeds]
    workers = settings.processes or min(settings.chains, os.cpu_count() or 1)
    if workers > 1 and settings.chains > 1:
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            outputs = list(pool.map(_chain, jobs))
    else:
        outputs = [_chain(job) for job in jobs]
    total = np.vstack([o[0] for o in outputs]) + table.n
    return Posterior(
        total=total,
        alpha=np.vstack([o[1] for o in outputs]),
        occupied=np.vstack([o[2] for o in outputs]),
        seeds=seeds,
    )


def estimate_lcmcr(
    table: CaptureTable, settings: LcmcrSettings | None = None, *, level: float = 0.95
) -> EstimateResult:
    """Posterior median and equal-tailed interval of the total, with chain diagnostics."""
    settings = settings or LcmcrSettings()
    root, _ = chain_seeds(settings.seed, settings.chains)
    if settings.seed is None:
        settings = LcmcrSettings(**{**asdict(settings), "seed": root})
    posterior = sample_posterior(table, settings)
    draws = posterior.total.ravel()
    tail = (1.0 - level) / 2.0
    lower, median, upper = np.quantile(draws, [tail, 0.5, 1.0 - tail])
    chain_rhat = rhat(posterior.total.astype(np.float64)) if settings.chains > 1 else None
    chain_ess = ess(posterior.total.astype(np.float64))
    warnings: list[str] = []
    if chain_rhat is not None and chain_rhat > 1.05:
        warnings.append(
            Message(messages.CHAINS_DISAGREE, chains=settings.chains, rhat=f"{chain_rhat:.2f}")
        )
    if chain_ess < 100:
        warnings.append(Message(messages.FEW_DRAWS, ess=f"{chain_ess:.0f}"))
    if median > 10 * table.n:
        warnings.append(Message(messages.TOO_LARGE))
    histogram = np.histogram(draws, bins=40)
    return EstimateResult(
        method="lcmcr",
        n_observed=table.n,
        estimate=float(median),
        lower=float(lower),
        upper=float(upper),
        level=level,
        lists=list(table.lists),
        model={
            "name": "LCMCR",
            "K": settings.K,
            "a_alpha": settings.a_alpha,
            "b_alpha": settings.b_alpha,
            "burnin": settings.burnin,
            "samples": settings.samples,
            "thinning": settings.thinning,
            "chains": settings.chains,
            "seed": settings.seed,
        },
        diagnostics={
            "posterior_mean": float(draws.mean()),
            "posterior_sd": float(draws.std(ddof=1)),
            "rhat": chain_rhat,
            "ess": chain_ess,
            "chain_medians": [float(np.median(c)) for c in posterior.total],
            "alpha_mean": float(posterior.alpha.mean()),
            "occupied_classes_mean": float(posterior.occupied.mean()),
            "posterior_histogram": {
                "counts": histogram[0].tolist(),
                "edges": histogram[1].tolist(),
            },
        },
        warnings=warnings,
        draws=draws,
    )
