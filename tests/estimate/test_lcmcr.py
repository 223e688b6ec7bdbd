"""LCMCR: reproducible, several chains, and right where the truth is known."""

from __future__ import annotations

import numpy as np
import pytest

from refwatch.estimate.lcmcr import LcmcrSettings, estimate_lcmcr, sample_posterior
from refwatch.estimate.simulation import latent_class_table
from refwatch.estimate.table import CaptureTable

QUICK = LcmcrSettings(burnin=500, samples=200, thinning=2, chains=2, seed=11)


def test_the_same_seed_gives_the_same_posterior(korea: CaptureTable) -> None:
    a = sample_posterior(korea, QUICK)
    b = sample_posterior(korea, QUICK)
    assert np.array_equal(a.total, b.total)


def test_chains_get_different_seeds_and_different_draws(korea: CaptureTable) -> None:
    posterior = sample_posterior(korea, QUICK)
    assert len(set(posterior.seeds)) == 2
    assert not np.array_equal(posterior.total[0], posterior.total[1])
    assert (posterior.total >= korea.n).all()


def test_running_chains_in_processes_or_in_line_gives_the_same_draws(
    korea: CaptureTable,
) -> None:
    parallel = sample_posterior(korea, QUICK)
    serial = sample_posterior(korea, LcmcrSettings(**{**QUICK.__dict__, "processes": 1}))
    assert np.array_equal(parallel.total, serial.total)


def test_the_result_reports_rhat_ess_and_the_settings(korea: CaptureTable) -> None:
    result = estimate_lcmcr(korea, QUICK)
    data = result.as_dict()
    assert data["method"] == "lcmcr"
    assert data["model"]["K"] == 5 and data["model"]["seed"] == 11
    assert data["diagnostics"]["rhat"] is not None
    assert data["diagnostics"]["ess"] > 0
    assert data["lower"] <= data["estimate"] <= data["upper"]


def test_defaults_are_the_r_packages() -> None:
    settings = LcmcrSettings()
    assert (settings.K, settings.a_alpha, settings.b_alpha) == (5, 0.25, 0.25)
    assert (settings.burnin, settings.samples, settings.thinning) == (10_000, 1_000, 10)


def test_lcmcr_recovers_a_heterogeneous_population_it_models() -> None:
    # Manrique-Vallier (2016), simulation 1: two classes (90% / 10%), five lists
    rng = np.random.default_rng(5)
    table = latent_class_table(
        rng,
        2000,
        [0.9, 0.1],
        [[0.033, 0.033, 0.099, 0.132, 0.033], [0.660, 0.825, 0.759, 0.990, 0.693]],
    )
    result = estimate_lcmcr(
        table, LcmcrSettings(burnin=3000, samples=500, thinning=10, chains=2, seed=3)
    )
    assert result.lower is not None and result.upper is not None
    assert result.lower <= 2000 <= result.upper


@pytest.mark.slow
def test_kosovo_posterior_brackets_the_kosovo_memory_book_count(kosovo: CaptureTable) -> None:
    # The LCMCR package's Kosovo example (K = 10, thinning 100).  The Kosovo Memory Book,
    # a near-census made later, counts 10,401 (HRDAG, StanLCMCR write-up).
    result = estimate_lcmcr(
        kosovo, LcmcrSettings(K=10, burnin=10_000, samples=1000, thinning=100, chains=2, seed=1)
    )
    assert result.lower is not None and result.upper is not None
    assert result.lower < 10_401 < result.upper
    assert 9_500 < result.estimate < 11_500
