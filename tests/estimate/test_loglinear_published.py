"""Log-linear results against the published figures (sources: fixtures/SOURCES.md).

Each expected number is printed in the publication or in the package's own test or
vignette named in the test; rounding is the publication's.
"""

from __future__ import annotations

import pytest

from refwatch.estimate.glm import NO_ESTIMATE, NOT_IDENTIFIABLE, check_model, fit_model
from refwatch.estimate.loglinear import profile_interval, ranked_fits, stepwise_fit
from refwatch.estimate.models import Model, model_name, popcount
from refwatch.estimate.table import CaptureTable

from .conftest import published


def model(*pairs: str) -> Model:
    """A model from 1-based list-number strings: model("12", "23")."""
    terms = [sum(1 << (int(c) - 1) for c in p) for p in pairs]
    return tuple(sorted(terms, key=lambda m: (popcount(m), m)))


def test_darroch_r3_saturated_and_two_interaction_models_match_rcapture() -> None:
    # Rcapture inst/tests/testPapersResults.R (Rivest 2011; Darroch et al. 1993)
    table = published("darroch_1993_r3")
    saturated = fit_model(table, model("12", "13", "23"))
    assert saturated is not None
    assert round(saturated.estimate) == 1240
    assert round(saturated.se) == 451
    two = fit_model(table, model("12", "23"))
    assert two is not None
    assert (round(two.estimate), round(two.se), round(two.deviance, 1), two.df) == (
        850,
        186,
        3.8,
        1,
    )


def test_bruno_diabetes_models_match_rcapture() -> None:
    # Rcapture inst/tests/testPapersResults.R (Bruno et al. 1994; Rivest 2011)
    table = published("diabetes_bruno_1994")
    bruno = fit_model(table, model("12", "13", "23", "24", "34"))
    assert bruno is not None
    assert (round(bruno.estimate), round(bruno.se), round(bruno.deviance, 2), bruno.df) == (
        2771,
        145,
        7.62,
        5,
    )
    chosen = fit_model(table, model("13", "24", "34"))
    assert chosen is not None
    assert (round(chosen.estimate), round(chosen.se), round(chosen.deviance, 2), chosen.df) == (
        2472,
        53,
        21.97,
        7,
    )


def test_cormack_independence_model_and_its_profile_interval_match_the_paper() -> None:
    # Cormack, Chang and Smith (2000) Tables 3a/3b as checked in Rcapture's tests
    four = published("cormack_2000_four_lists")
    mt = fit_model(four, ())
    assert mt is not None
    assert (round(mt.estimate), round(mt.deviance, 1), mt.df) == (215, 87.1, 10)
    three = published("cormack_2000_three_lists")
    mt3 = fit_model(three, ())
    assert mt3 is not None
    _, lower, upper = profile_interval(three, mt3)
    assert round(mt3.estimate) == 209
    assert upper is not None
    assert (round(lower), round(upper)) == (203, 217)
    b4 = fit_model(three, model("13", "23"))
    assert b4 is not None
    assert round(b4.estimate) == 233
    assert round(profile_interval(three, b4)[1]) == 204


def test_a_model_whose_estimate_does_not_exist_is_refused_not_reported() -> None:
    # Rcapture returns a boundary value (218) for this Cormack model; its likelihood has
    # no maximum (a main effect runs to minus infinity), so RefWatch, following Chan,
    # Silverman and Vincent (2021), refuses it.
    four = published("cormack_2000_four_lists")
    assert check_model(four, model("12", "13", "34")) == NO_ESTIMATE


def test_artificial_three_list_table_shows_both_failures_of_chan_silverman_vincent() -> None:
    # MultipleSystemsEstimation Artificial_3 (Chan, Silverman and Vincent 2021, Table 2)
    table = CaptureTable.from_mapping(["A", "B", "C"], {"100": 40, "010": 30, "001": 20, "110": 6})
    assert check_model(table, model("12", "13", "23")) == NOT_IDENTIFIABLE
    assert check_model(table, model("12")) == NO_ESTIMATE
    assert check_model(table, model("13", "23")) is None


def test_korea_bic_ranking_matches_the_multiple_systems_estimation_user_guide(
    korea: CaptureTable,
) -> None:
    ranking = ranked_fits(korea, "bic")
    got = [(model_name(f.model, 3), round(f.estimate, 4), round(f.bic, 5)) for f in ranking]
    assert got == [
        ("[12,23]", 157.1667, 57.14081),
        ("[12,3]", 268.7778, 58.96860),
        ("[13,23]", 123.4630, 91.89711),
        ("[23,1]", 126.1944, 138.06368),
        ("[13,2]", 126.9394, 155.16018),
        ("[1,2,3]", 141.9926, 184.14431),
    ]


def test_korea_and_western_stepwise_estimates_match_chan_silverman_vincent(
    korea: CaptureTable,
) -> None:
    fit, _ = stepwise_fit(korea)
    assert (model_name(fit.model, 3), round(fit.estimate, 4)) == ("[12,3]", 268.7778)
    western = published("western_us_site")
    fit, steps = stepwise_fit(western)
    assert model_name(fit.model, 5) == "[15,2,3,4]"
    assert round(fit.estimate, 3) == 2483.384  # the paper: 2483
    assert round(fit.deviance, 5) == 26.58423
    assert round(fit.bic, 4) == 118.7443
    assert len(steps) == 1


def test_kosovo_bic_estimates_match_silverman_chan_vincent_2024(kosovo: CaptureTable) -> None:
    # Table 6, "all-model estimate": 10357 (all orders), 14342 (two-list interactions)
    assert round(ranked_fits(kosovo, "bic", maxorder=3)[0].estimate) == 10357
    assert round(ranked_fits(kosovo, "bic", maxorder=2)[0].estimate) == 14342


@pytest.mark.slow
def test_uk_five_list_bic_estimates_match_silverman_chan_vincent_2024(
    uk5: CaptureTable,
) -> None:
    # Table 6: 25311 (models up to order 4, 6893 of them) and 22991 (order 2)
    assert round(ranked_fits(uk5, "bic", maxorder=4)[0].estimate) == 25311
    assert round(ranked_fits(uk5, "bic", maxorder=2)[0].estimate) == 22991


def test_uk_five_list_order_two_search_matches_the_published_22991(uk5: CaptureTable) -> None:
    best = ranked_fits(uk5, "bic", maxorder=2)[0]
    assert (model_name(best.model, 5), round(best.estimate)) == ("[12,13,23,25,34]", 22991)
