from __future__ import annotations

import numpy as np

from refwatch.estimate.diagnostics import ess, rhat, table_problems, table_warnings
from refwatch.estimate.table import CaptureTable


def test_rhat_is_near_one_for_chains_from_the_same_distribution() -> None:
    chains = np.random.default_rng(1).normal(size=(4, 1000))
    assert abs(rhat(chains) - 1.0) < 0.01


def test_rhat_flags_chains_that_sit_in_different_places() -> None:
    chains = np.random.default_rng(1).normal(size=(4, 1000))
    chains[0] += 2.0
    assert rhat(chains) > 1.1


def test_ess_is_close_to_the_number_of_independent_draws_and_small_for_sticky_chains() -> None:
    rng = np.random.default_rng(2)
    iid = rng.normal(size=(4, 1000))
    assert 3000 < ess(iid) < 5000
    walk = np.cumsum(rng.normal(size=(4, 1000)), axis=1)
    assert ess(walk) < 200


def test_two_lists_are_refused_with_the_reason() -> None:
    table = CaptureTable.from_mapping(["A", "B"], {"10": 5, "01": 3, "11": 2})
    assert any("at least 3" in p for p in table_problems(table))


def test_an_empty_list_and_a_list_that_overlaps_nothing_are_named() -> None:
    table = CaptureTable.from_mapping(
        ["A", "B", "C", "D"], {"1000": 5, "0100": 3, "1100": 2, "0010": 7}
    )
    problems = " ".join(table_problems(table))
    assert "no one in this selection: D" in problems
    assert "no one on list C is on any other list" in problems


def test_few_overlaps_are_warned_about() -> None:
    table = CaptureTable.from_mapping(
        ["A", "B", "C"], {"100": 50, "010": 40, "001": 30, "110": 3, "011": 2}
    )
    assert any("only 5 of 125 people" in w for w in table_warnings(table))
