"""Breakdowns: each cell with its own bounds; persons uncertain between cells in several."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.counting import count_persons
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows, link_by_truth

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
NET = {"source": "Southern route network", "source_type": "network"}


@pytest.fixture
def listed(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> Workspace:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(
                **SDC,
                record_id="1",
                apprehended_on="2017-07-03",
                apprehended_at="Tumen",
                status="detained",
            ),
            row(
                **SDC,
                record_id="2",
                apprehended_on="2017-07/2017-08",
                apprehended_at="Xishuangbanna",
                status="detained",
            ),
            row(
                **SDC,
                record_id="3",
                apprehended_on="2017-08-10",
                apprehended_at="Jinghong",
                status="detained",
            ),
            row(
                **NET,
                record_id="n3",
                apprehended_on="2017-08",
                apprehended_at="Mengla",
                status="detained",
            ),
            row(**SDC, record_id="4", apprehended_on="2017-10-01", status="detained"),
        ],
    )
    link_by_truth(
        workspace,
        {
            (SDC["source"], "1"): "A",
            (SDC["source"], "2"): "B",
            (SDC["source"], "3"): "C",
            (NET["source"], "n3"): "C",
            (SDC["source"], "4"): "D",
        },
    )
    return workspace


def cells(result: object) -> dict[tuple[str, ...], tuple[int, int]]:
    return {c.key: (c.at_least, c.at_most) for c in result.cells}  # type: ignore[attr-defined]


def test_a_month_breakdown_lists_every_month_of_the_period_with_its_bounds(
    listed: Workspace,
) -> None:
    result = count_persons(
        listed, event="detention", period_from="2017-06", period_to="2017-09", by="month"
    )
    assert cells(result) == {
        ("2017-06",): (0, 0),
        ("2017-07",): (1, 2),
        ("2017-08",): (1, 2),
        ("2017-09",): (0, 0),
    }
    assert (result.at_least, result.at_most) == (3, 3)
    certain, possible = result.cell_persons("2017-07")
    assert len(certain) == 1 and len(possible) == 2 and set(certain) < set(possible)


def test_the_cells_of_a_breakdown_bracket_the_whole(listed: Workspace) -> None:
    for by in ("month", "province", "place", "sex", "flag", "age_band", "status"):
        result = count_persons(
            listed,
            event="detention",
            period_from="2017-07",
            period_to="2017-08",
            by=by,
            as_of="2017-12-31",
        )
        least = sum(c.at_least for c in result.cells)
        most = sum(c.at_most for c in result.cells)
        if by in ("month", "province", "place", "sex", "age_band", "status"):
            assert least <= result.at_least <= result.at_most <= most, by


def test_a_place_breakdown_keeps_a_prefecture_report_apart_and_makes_its_towns_possible(
    listed: Workspace,
) -> None:
    result = count_persons(
        listed, event="detention", period_from="2017-07", period_to="2017-08", by="place"
    )
    assert cells(result) == {
        ("cn-jilin-tumen",): (1, 1),
        ("cn-yunnan-xishuangbanna",): (1, 1),
        ("cn-yunnan-jinghong",): (0, 2),
        ("cn-yunnan-mengla",): (0, 2),
    }
    by_province = count_persons(
        listed, event="detention", period_from="2017-07", period_to="2017-08", by="province"
    )
    assert cells(by_province) == {("cn-jilin",): (1, 1), ("cn-yunnan",): (2, 2)}


def test_a_cross_table_of_month_and_province_has_bounds_per_cell(listed: Workspace) -> None:
    result = count_persons(
        listed,
        event="detention",
        period_from="2017-07",
        period_to="2017-08",
        by=["month", "province"],
    )
    table = cells(result)
    assert table[("2017-07", "cn-jilin")] == (1, 1)
    assert table[("2017-07", "cn-yunnan")] == (0, 1)
    assert table[("2017-08", "cn-yunnan")] == (1, 2)
    assert result.as_dict()["cells"][0].keys() == {"month", "province", "at_least", "at_most"}


def test_a_source_breakdown_counts_what_each_source_says(listed: Workspace) -> None:
    result = count_persons(
        listed, event="detention", period_from="2017-08", period_to="2017-08", by="source"
    )
    assert cells(result) == {
        ("Seoul Documentation Center",): (1, 2),
        ("Southern route network",): (1, 1),
    }
    crossed = count_persons(
        listed,
        event="detention",
        period_from="2017-08",
        period_to="2017-08",
        by=["month", "source"],
    )
    assert cells(crossed)[("Southern route network", "2017-08")] == (1, 1)
    assert crossed.query.by == ("source", "month")
