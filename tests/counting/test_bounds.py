"""Bounds from uncertain dates, unknown and contradictory attributes, regions and sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.counting import count_persons
from refwatch.domain.errors import InputError
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows, link_by_truth

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
FAM = {"source": "Family contacts", "source_type": "family"}


def bounds(workspace: Workspace, **query: object) -> tuple[int, int]:
    result = count_persons(workspace, **query)  # type: ignore[arg-type]
    return result.at_least, result.at_most


def test_an_event_reported_as_july_or_august_is_certain_for_both_months_and_possible_for_july(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07/2017-08", status="detained"),
            row(**SDC, record_id="2", apprehended_on="2017-07-03", status="detained"),
        ],
    )
    assert bounds(workspace, event="apprehension", period_from="2017-07", period_to="2017-08") == (
        2,
        2,
    )
    assert bounds(workspace, event="apprehension", period_from="2017-07", period_to="2017-07") == (
        1,
        2,
    )
    assert bounds(workspace, event="apprehension", period_from="2017-09", period_to="2017-12") == (
        0,
        0,
    )


def test_sources_disagreeing_on_a_date_widen_the_interval_to_cover_both(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07-10", status="detained"),
            row(**FAM, record_id="f1", apprehended_on="2017-08-20", status="detained"),
        ],
    )
    link_by_truth(workspace, {(SDC["source"], "1"): "T1", (FAM["source"], "f1"): "T1"})
    assert bounds(workspace, event="detention", period_from="2017-07", period_to="2017-07") == (
        0,
        1,
    )
    assert bounds(workspace, event="detention", period_from="2017-08", period_to="2017-08") == (
        0,
        1,
    )
    assert bounds(workspace, event="detention", period_from="2017-07", period_to="2017-08") == (
        1,
        1,
    )


def test_a_missing_value_is_silence_and_two_different_values_contradict(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="a1", sex="F", status="detained"),
            row(**SDC, record_id="a2", status="detained"),
            row(**SDC, record_id="b1", sex="F", status="detained"),
            row(**SDC, record_id="b2", sex="M", status="detained"),
            row(**SDC, record_id="c1", status="detained"),
        ],
    )
    source = SDC["source"]
    link_by_truth(
        workspace,
        {
            (source, "a1"): "A",
            (source, "a2"): "A",
            (source, "b1"): "B",
            (source, "b2"): "B",
            (source, "c1"): "C",
        },
    )
    # A: F and silence -> certainly F; B: F and M -> either; C: nothing -> either.
    assert bounds(workspace, sex="F") == (1, 3)
    assert bounds(workspace, sex="M") == (0, 2)


def test_a_region_counts_every_place_inside_it_and_a_coarser_report_only_possibly_a_town(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_at="景洪", status="detained"),
            row(**SDC, record_id="2", apprehended_at="Xishuangbanna", status="detained"),
            row(**SDC, record_id="3", apprehended_at="Tumen", status="detained"),
            row(**SDC, record_id="4", apprehended_at="a village near the river", status="detained"),
        ],
    )
    assert bounds(workspace, place="Yunnan") == (2, 3)
    assert bounds(workspace, place="cn-yunnan-jinghong") == (1, 3)
    assert bounds(workspace, place="Jilin") == (1, 2)
    with pytest.raises(InputError, match="knows no place"):
        count_persons(workspace, place="Atlantis")


def test_a_facility_counts_the_persons_reported_held_there(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(
                **SDC,
                record_id="1",
                held_at="Tumen border detention center",
                status="returned",
                status_on="2017-08",
            ),
            row(
                **SDC,
                record_id="2",
                held_at="Yanji detention center",
                status="returned",
                status_on="2017-08",
            ),
            row(**SDC, record_id="3", status="returned", status_on="2017-08"),
        ],
    )
    assert bounds(workspace, event="return", place="Tumen border detention center") == (1, 2)


def test_before_linkage_each_mention_is_a_person_and_after_it_the_linked_ones_are_one(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07-13", status="detained"),
            row(**FAM, record_id="f1", apprehended_on="2017-07", status="detained"),
            row(**SDC, record_id="2", apprehended_on="2017-07-20", status="detained"),
        ],
    )
    assert bounds(workspace, event="detention", period_from="2017-07", period_to="2017-07") == (
        3,
        3,
    )
    link_by_truth(
        workspace,
        {(SDC["source"], "1"): "T1", (FAM["source"], "f1"): "T1", (SDC["source"], "2"): "T2"},
    )
    result = count_persons(workspace, event="detention", period_from="2017-07", period_to="2017-07")
    assert (result.at_least, result.at_most) == (2, 2)
    assert len(result.persons) == len(set(result.persons)) == 2


def test_an_undated_return_happened_no_later_than_the_report_that_claims_it(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [row(**SDC, record_id="1", reported_on="2017-09-05", status="returned")],
    )
    assert bounds(workspace, event="return", period_from="2017-09-06") == (0, 0)
    assert bounds(workspace, event="return", period_from="2017-01", period_to="2017-09") == (0, 1)
    assert bounds(workspace, event="return", period_to="2017-09-05") == (1, 1)


def test_a_person_with_no_start_date_is_still_possibly_detained_in_any_period_before_the_report(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(workspace, cipher, tmp_path, [row(**SDC, record_id="1", reported_on="2017-09")])
    assert bounds(workspace, event="detention", period_from="2016-01", period_to="2016-01") == (
        0,
        1,
    )
    assert bounds(workspace, event="detention", period_from="2017-10") == (0, 0)


def test_a_source_filter_counts_only_what_that_source_says(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07-10", status="detained"),
            row(**FAM, record_id="f1", apprehended_on="2017-08", status="detained"),
        ],
    )
    link_by_truth(workspace, {(SDC["source"], "1"): "T1", (FAM["source"], "f1"): "T1"})
    july = {"event": "detention", "period_from": "2017-07", "period_to": "2017-07"}
    assert bounds(workspace, **july) == (0, 1)
    assert bounds(workspace, **july, source=SDC["source"]) == (1, 1)
    assert bounds(workspace, **july, source_type="family") == (0, 0)
    with pytest.raises(InputError, match="no source named"):
        count_persons(workspace, source="Nobody")


def test_age_bands_and_flags_use_the_reported_ages_and_birth_years(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", age="9", apprehended_on="2017-07", status="detained"),
            row(**SDC, record_id="2", flags="child", status="detained"),
            row(
                **SDC,
                record_id="3",
                birth_year="1950",
                apprehended_on="2017-07-02",
                status="detained",
            ),
            row(**SDC, record_id="4", age="40~", status="detained"),
            row(**SDC, record_id="5", status="detained"),
        ],
    )
    assert bounds(workspace, flags=["child"]) == (2, 3)
    assert bounds(workspace, age_band="0-17") == (1, 3)
    assert bounds(workspace, flags=["older"]) == (1, 3)
    assert bounds(workspace, age_band="35-45") == (1, 3)


def test_mistakes_in_a_query_are_input_errors_naming_the_option(workspace: Workspace) -> None:
    for query, option in (
        ({"event": "arrest"}, "--event"),
        ({"period_from": "summer 2017"}, "--from"),
        ({"period_from": "2017-09", "period_to": "2017-07"}, "--to"),
        ({"sex": "X"}, "--sex"),
        ({"flags": ["tall"]}, "--flag"),
        ({"age_band": "old"}, "--age-band"),
        ({"status": "missing"}, "--status"),
        ({"by": ["colour"]}, "--by"),
        ({"by": ["month", "place", "sex"]}, "--by"),
    ):
        with pytest.raises(InputError, match=option):
            count_persons(workspace, **query)  # type: ignore[arg-type]


def test_the_answer_lists_the_persons_behind_both_bounds(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07-13", status="detained"),
            row(**SDC, record_id="2", apprehended_on="2017", status="detained"),
        ],
    )
    result = count_persons(workspace, event="detention", period_from="2017-07", period_to="2017-07")
    assert (result.at_least, result.at_most) == (1, 2)
    assert len(result.persons) == 2
    assert set(result.certain_persons) < set(result.persons)
    data = result.as_dict()
    assert list(data)[:4] == ["at_least", "at_most", "persons", "ledger_id"]
    assert data["ledger_id"] is None
