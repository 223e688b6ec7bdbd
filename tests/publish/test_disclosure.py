"""Disclosure control: small cells hidden, and no hidden cell recoverable from a total."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refwatch.publish.disclosure import (
    TOTAL,
    DisclosureError,
    PublicCell,
    PublicTable,
    check_k_anonymity,
    lone_hidden_groups,
    suppress,
)


def one_way(values: list[tuple[int, int]]) -> PublicTable:
    cells = {(f"c{i}",): PublicCell((f"c{i}",), lo, hi) for i, (lo, hi) in enumerate(values)}
    total = PublicCell((TOTAL,), sum(lo for lo, _ in values), sum(hi for _, hi in values))
    cells[(TOTAL,)] = total
    return PublicTable("t", ("x",), cells, [list(cells)])


def two_way(grid: list[list[int]]) -> PublicTable:
    rows, cols = range(len(grid)), range(len(grid[0]))
    cells: dict[tuple[str, ...], PublicCell] = {}
    for r in rows:
        for c in cols:
            cells[(f"r{r}", f"c{c}")] = PublicCell((f"r{r}", f"c{c}"), grid[r][c], grid[r][c])
        total = sum(grid[r])
        cells[(f"r{r}", TOTAL)] = PublicCell((f"r{r}", TOTAL), total, total)
    for c in cols:
        total = sum(grid[r][c] for r in rows)
        cells[(TOTAL, f"c{c}")] = PublicCell((TOTAL, f"c{c}"), total, total)
    grand = sum(map(sum, grid))
    cells[(TOTAL, TOTAL)] = PublicCell((TOTAL, TOTAL), grand, grand)
    groups = [[(f"r{r}", f"c{c}") for c in cols] + [(f"r{r}", TOTAL)] for r in rows]
    groups += [[(f"r{r}", f"c{c}") for r in rows] + [(TOTAL, f"c{c}")] for c in cols]
    groups.append([(f"r{r}", TOTAL) for r in rows] + [(TOTAL, TOTAL)])
    groups.append([(TOTAL, f"c{c}") for c in cols] + [(TOTAL, TOTAL)])
    return PublicTable("t", ("r", "c"), cells, groups)


def test_a_cell_below_the_threshold_and_one_more_in_its_row_are_suppressed() -> None:
    table = suppress(one_way([(2, 2), (7, 9), (12, 12), (0, 0)]))
    hidden = {k for k, c in table.cells.items() if c.suppressed}
    assert hidden == {("c0",), ("c1",)}
    assert table.cells[("c0",)].reason == "below 5"
    assert table.cells[("c1",)].reason == "complementary"
    assert table.cells[("c0",)].shown_at_least is None
    assert not table.cells[("c3",)].suppressed  # zero is not small


def test_a_small_upper_bound_alone_is_enough_to_suppress() -> None:
    table = suppress(one_way([(0, 3), (20, 20), (30, 30)]))
    assert table.cells[("c0",)].suppressed


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 6)).map(lambda t: (t[0], t[0] + t[1])),
        min_size=1,
        max_size=8,
    ),
    threshold=st.integers(1, 10),
)
def test_no_one_way_table_is_left_with_a_lone_hidden_cell(
    values: list[tuple[int, int]], threshold: int
) -> None:
    table = suppress(one_way(values), threshold)
    assert lone_hidden_groups(table) == []
    for cell in table.cells.values():
        if any(0 < v < threshold for v in (cell.at_least, cell.at_most)):
            assert cell.suppressed


@settings(max_examples=200, deadline=None)
@given(
    grid=st.integers(1, 5).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, 15), min_size=width, max_size=width), min_size=1, max_size=5
        )
    ),
    threshold=st.integers(2, 8),
)
def test_no_row_or_column_of_a_two_way_table_is_left_with_a_lone_hidden_cell(
    grid: list[list[int]], threshold: int
) -> None:
    table = suppress(two_way(grid), threshold)
    assert lone_hidden_groups(table) == []


def test_k_anonymity_refuses_a_rare_combination_and_passes_common_ones() -> None:
    common = [("2017-07", "cn-jilin", "F")] * 5
    check_k_anonymity(common, 5)
    with pytest.raises(DisclosureError, match="1 combination"):
        check_k_anonymity([*common, ("2017-07", "cn-yunnan", "M")], 5)
