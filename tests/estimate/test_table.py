from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refwatch.estimate.errors import EstimationError
from refwatch.estimate.table import CaptureTable, read_histories_csv

from .conftest import FIXTURES


def test_reading_a_histories_csv_fills_the_missing_histories_with_zero(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("A,B,C,count\n1,0,0,5\n0,1,1,2\n1,0,0,1\n")
    table = read_histories_csv(path)
    assert table.lists == ("A", "B", "C")
    assert table.counts.tolist() == [0, 6, 0, 0, 0, 0, 2, 0]
    assert table.n == 8


def test_a_bad_cell_is_reported_with_its_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("A,B,C,count\n1,0,0,5\n0,2,1,2\n")
    with pytest.raises(EstimationError, match=r"row 3, column 'B'"):
        read_histories_csv(path)


def test_a_negative_count_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("A,B,C,count\n1,0,0,-5\n")
    with pytest.raises(EstimationError, match="column 'count'"):
        read_histories_csv(path)


def test_counting_the_people_seen_by_no_list_is_refused() -> None:
    with pytest.raises(EstimationError, match="cannot be counted"):
        CaptureTable.from_histories(["A", "B", "C"], [([0, 0, 0], 4)])


def test_the_published_kosovo_table_has_the_4400_killings_the_lcmcr_package_documents() -> None:
    table = read_histories_csv(FIXTURES / "kosovo_1999.csv")
    assert table.n == 4400
    assert table.list_sizes() == {
        "EXH": 1131 + 177 + 228 + 106 + 181 + 18 + 42 + 27,
        "ABA": 845 + 177 + 217 + 31 + 181 + 18 + 32 + 27,
        "OSCE": 936 + 228 + 217 + 123 + 181 + 42 + 32 + 27,
        "HRW": 306 + 106 + 31 + 123 + 18 + 42 + 32 + 27,
    }


def test_merging_police_and_nca_turns_the_six_uk_lists_into_the_published_five() -> None:
    six = read_histories_csv(FIXTURES / "uk_2013_six_lists.csv")
    five = read_histories_csv(FIXTURES / "uk_2013_five_lists.csv")
    merged = six.merged([["LA"], ["NG"], ["PF", "NCA"], ["GO"], ["GP"]])
    assert merged.counts.tolist() == five.counts.tolist()


def test_csv_round_trip_keeps_every_count(tmp_path: Path) -> None:
    table = read_histories_csv(FIXTURES / "uk_2013_six_lists.csv")
    path = tmp_path / "again.csv"
    path.write_text(table.to_csv())
    assert read_histories_csv(path).counts.tolist() == table.counts.tolist()


@given(st.lists(st.integers(0, 40), min_size=15, max_size=15))
def test_marginals_count_everyone_on_all_the_given_lists(cells: list[int]) -> None:
    counts = np.array([0, *cells], dtype=np.int64)
    table = CaptureTable(("A", "B", "C", "D"), counts)
    for mask in range(16):
        expected = sum(cells[h - 1] for h in range(1, 16) if h & mask == mask)
        assert table.on_all(mask) == expected
