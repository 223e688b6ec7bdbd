"""Behaviour of the log-linear estimate: selection, intervals, reproducibility, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from refwatch.estimate.errors import EstimationError
from refwatch.estimate.loglinear import bca_interval, estimate_loglinear
from refwatch.estimate.table import CaptureTable


def test_the_bootstrap_interval_is_reproducible_with_a_seed(korea: CaptureTable) -> None:
    a = estimate_loglinear(korea, nboot=200, seed=7)
    b = estimate_loglinear(korea, nboot=200, seed=7)
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert a.lower is not None and a.upper is not None
    assert a.lower <= a.estimate <= a.upper


def test_the_bootstrap_redoes_model_selection_so_it_is_wider_than_the_profile_interval(
    korea: CaptureTable,
) -> None:
    # Silverman, Chan and Vincent (2024), Table 3: with model choice the interval for the
    # Korea data reaches far above the best model's (published 95%: 128 to 349)
    boot = estimate_loglinear(korea, nboot=400, seed=1)
    profile = estimate_loglinear(korea, interval="profile")
    assert boot.upper is not None and profile.upper is not None
    assert boot.upper > profile.upper
    assert boot.upper > 250


def test_stepwise_is_the_default_for_six_lists(uk6: CaptureTable) -> None:
    result = estimate_loglinear(uk6, interval="profile")
    assert result.model["selection"] == "stepwise"
    assert result.diagnostics["steps"]
    # the published range for these data is 10,000 to 13,000 (Silverman 2014)
    assert 10_000 < result.estimate < 13_000


def test_the_answer_has_every_field_the_cli_promises(kosovo: CaptureTable) -> None:
    data = estimate_loglinear(kosovo, interval="profile").as_dict()
    for key in (
        "method",
        "n_observed",
        "estimate",
        "lower",
        "upper",
        "level",
        "model",
        "diagnostics",
        "warnings",
    ):
        assert key in data
    assert data["n_observed"] == 4400
    assert data["model"]["name"] == "[123,14,34]"
    assert any("models fit almost equally well" in w for w in data["warnings"])


def test_two_lists_are_refused() -> None:
    table = CaptureTable.from_mapping(["A", "B"], {"10": 50, "01": 30, "11": 20})
    with pytest.raises(EstimationError, match="at least 3"):
        estimate_loglinear(table)


def test_bca_without_bias_or_acceleration_is_the_percentile_interval() -> None:
    boot = np.random.default_rng(0).normal(100, 10, size=20001)
    low, high = bca_interval(boot, float(np.median(boot)), 0.0, 0.95)
    assert math.isclose(low, np.quantile(boot, 0.025), rel_tol=1e-3)
    assert math.isclose(high, np.quantile(boot, 0.975), rel_tol=1e-3)


@pytest.mark.slow
def test_kosovo_bootstrap_interval_is_in_line_with_silverman_chan_vincent_2024(
    kosovo: CaptureTable,
) -> None:
    # Published BCa 95% interval, 1000 replicates, top 10-113 models: 6900 to 18000
    result = estimate_loglinear(kosovo, nboot=1000, seed=1234)
    assert result.lower is not None and result.upper is not None
    assert 6_000 < result.lower < 8_500
    assert 14_000 < result.upper < 20_000
