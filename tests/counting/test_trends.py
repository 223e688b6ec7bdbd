"""Trends: a period against the one before and the year before, bounds carried through."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.counting import trend
from refwatch.domain.errors import InputError
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows


def test_the_demo_crackdown_is_about_five_times_the_monthly_rate_of_the_year_before(
    linked_demo: Workspace,
) -> None:
    result = trend(linked_demo, period_from="2017-07", period_to="2017-08")
    assert (result.current.at_least, result.year_before.at_least) == (41, 51)
    assert result.months == 2
    assert result.rate_versus_year.low == pytest.approx(41 / 2 / (51 / 12))
    assert "about 4.8 times" in result.sentence()
    robust = [p.month for p in result.change_points if p.robust]
    assert "2017-07" in robust
    assert result.monthly.cells[0].key == ("2016-07",)  # the documentation starts there


def test_ratios_carry_the_bounds_of_both_periods(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    src = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**src, record_id="1", apprehended_on="2017-06-10", status="detained"),
            row(**src, record_id="2", apprehended_on="2017-06/2017-07", status="detained"),
            row(**src, record_id="3", apprehended_on="2017-07-02", status="detained"),
            row(**src, record_id="4", apprehended_on="2017-07-09", status="detained"),
        ],
    )
    result = trend(workspace, period_from="2017-07", period_to="2017-07")
    assert (result.current.at_least, result.current.at_most) == (2, 3)
    assert (result.previous.at_least, result.previous.at_most) == (1, 2)
    assert result.versus_previous.low == pytest.approx(2 / 2)
    assert result.versus_previous.high == pytest.approx(3 / 1)
    assert "between 1.0 and 3.0 times" in result.sentence()


def test_a_trend_needs_a_closed_period(workspace: Workspace) -> None:
    with pytest.raises(InputError, match="--from and --to"):
        trend(workspace, period_from="2017-07", period_to=None)  # type: ignore[arg-type]
