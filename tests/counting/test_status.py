"""Status as of a date: derived from events, uncertain where dates are, conflicts surfaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.counting import count_persons, status_conflicts
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows, link_by_truth

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
ACT = {"source": "Activist reports", "source_type": "activist"}


def status_bounds(workspace: Workspace, status: str, as_of: str) -> tuple[int, int]:
    result = count_persons(workspace, status=status, as_of=as_of)
    return result.at_least, result.at_most


def test_a_person_is_detained_from_the_apprehension_until_the_return_and_returned_after(
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
                reported_on="2017-09-01",
                apprehended_on="2017-07-13",
                status="returned",
                status_on="2017-08-20",
            ),
        ],
    )
    assert status_bounds(workspace, "detained", "2017-07-01") == (0, 0)
    assert status_bounds(workspace, "detained", "2017-08-01") == (1, 1)
    assert status_bounds(workspace, "returned", "2017-08-01") == (0, 0)
    assert status_bounds(workspace, "returned", "2017-08-20") == (1, 1)
    assert status_bounds(workspace, "detained", "2017-08-20") == (0, 0)


def test_an_exit_dated_only_by_month_leaves_the_status_open_within_that_month(
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
                apprehended_on="2017-07-13",
                status="released",
                status_on="2017-08",
            )
        ],
    )
    assert status_bounds(workspace, "detained", "2017-08-15") == (0, 1)
    assert status_bounds(workspace, "released", "2017-08-15") == (0, 1)
    assert status_bounds(workspace, "released", "2017-08-31") == (1, 1)


def test_a_person_last_reported_detained_stays_detained_and_one_with_no_news_is_unknown(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07-13", status="detained"),
            row(**SDC, record_id="2", apprehended_on="2017-07-14"),
        ],
    )
    assert status_bounds(workspace, "detained", "2019-01-01") == (1, 1)
    assert status_bounds(workspace, "unknown", "2019-01-01") == (1, 1)
    assert status_bounds(workspace, "returned", "2019-01-01") == (0, 0)


def test_a_source_lagging_behind_a_return_is_no_conflict(
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
                reported_on="2017-08-01",
                apprehended_on="2017-07-13",
                status="detained",
            ),
            row(
                **ACT,
                record_id="a",
                reported_on="2017-09-01",
                apprehended_on="2017-07",
                status="returned",
                status_on="2017-08-20",
            ),
        ],
    )
    link_by_truth(workspace, {(SDC["source"], "1"): "T", (ACT["source"], "a"): "T"})
    assert status_bounds(workspace, "returned", "2017-09-30") == (1, 1)
    assert status_conflicts(workspace, "2017-09-30") == []


def test_a_report_of_detention_after_a_reported_return_widens_the_status_and_is_surfaced(
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
                reported_on="2017-09-15",
                apprehended_on="2017-07-13",
                status="detained",
            ),
            row(
                **ACT,
                record_id="a",
                reported_on="2017-09-01",
                apprehended_on="2017-07",
                status="returned",
                status_on="2017-08-20",
            ),
        ],
    )
    link_by_truth(workspace, {(SDC["source"], "1"): "T", (ACT["source"], "a"): "T"})
    assert status_bounds(workspace, "returned", "2017-09-30") == (0, 1)
    assert status_bounds(workspace, "detained", "2017-09-30") == (0, 1)
    assert count_persons(workspace, event="return").at_least == 0
    answer = count_persons(workspace, status="returned", as_of="2017-09-30").as_dict()
    assert answer["status_conflicts"]["persons"] == answer["persons"]
    assert "latest credible report wins" in answer["status_conflicts"]["rule"]
    (conflict,) = status_conflicts(workspace, "2017-09-30")
    assert set(conflict["possible"]) == {"detained", "returned"}
    assert conflict["resolved"] == "detained"  # the latest report wins
    assert "latest credible report wins" in conflict["rule"]
    assert {c["status"] for c in conflict["claims"]} == {"detained", "returned"}
    assert all("name" not in key for c in conflict["claims"] for key in c)


def test_two_incompatible_exits_leave_both_possible(
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
                apprehended_on="2017-07-13",
                status="returned",
                status_on="2017-08-20",
                reported_on="2017-09-01",
            ),
            row(
                **ACT,
                record_id="a",
                apprehended_on="2017-07-13",
                status="safe",
                status_on="2017-10",
                reported_on="2017-11-01",
            ),
        ],
    )
    link_by_truth(workspace, {(SDC["source"], "1"): "T", (ACT["source"], "a"): "T"})
    assert status_bounds(workspace, "returned", "2018-01-01") == (0, 1)
    assert status_bounds(workspace, "safe", "2018-01-01") == (0, 1)
    (conflict,) = status_conflicts(workspace, "2018-01-01")
    assert conflict["resolved"] == "safe"


def test_a_release_followed_by_safety_is_a_sequence_not_a_conflict(
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
                apprehended_on="2017-07-13",
                status="released",
                status_on="2017-08-20",
            ),
            row(
                **ACT,
                record_id="a",
                status="safe",
                status_on="2017-12-01",
                reported_on="2018-01-05",
            ),
        ],
    )
    link_by_truth(workspace, {(SDC["source"], "1"): "T", (ACT["source"], "a"): "T"})
    assert status_bounds(workspace, "released", "2017-09-01") == (1, 1)
    assert status_bounds(workspace, "safe", "2018-01-01") == (1, 1)
    assert status_bounds(workspace, "released", "2018-01-01") == (0, 0)
    assert status_conflicts(workspace, "2018-01-01") == []


def test_status_combines_with_the_other_filters(
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
                sex="F",
                apprehended_on="2017-07-13",
                apprehended_at="Jinghong",
                status="detained",
            ),
            row(
                **SDC,
                record_id="2",
                sex="M",
                apprehended_on="2017-07-13",
                apprehended_at="Jinghong",
                status="detained",
            ),
            row(
                **SDC,
                record_id="3",
                sex="F",
                apprehended_on="2017-07-13",
                apprehended_at="Tumen",
                status="returned",
                status_on="2017-08-01",
            ),
        ],
    )
    result = count_persons(
        workspace, status="detained", as_of="2017-09-30", sex="F", place="Yunnan"
    )
    assert (result.at_least, result.at_most) == (1, 1)
    by_status = count_persons(workspace, by="status", as_of="2017-09-30")
    assert {c.key[0]: (c.at_least, c.at_most) for c in by_status.cells} == {
        "detained": (2, 2),
        "returned": (1, 1),
    }


def test_a_status_pinned_by_a_human_is_the_one_displayed_for_a_conflicted_person(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    pins = pytest.importorskip("refwatch.store.person_pins")
    from refwatch.domain.enums import Status

    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(
                **SDC,
                record_id="1",
                reported_on="2017-09-15",
                apprehended_on="2017-07-13",
                status="detained",
            ),
            row(
                **ACT,
                record_id="a",
                reported_on="2017-09-01",
                apprehended_on="2017-07",
                status="returned",
                status_on="2017-08-20",
            ),
        ],
    )
    link_by_truth(workspace, {(SDC["source"], "1"): "T", (ACT["source"], "a"): "T"})
    (before,) = status_conflicts(workspace, "2017-09-30")
    assert before["resolved"] == "detained"
    pins.pin_status(
        workspace,
        cipher,
        before["person"],
        expected_version=1,
        status=Status.RETURNED,
        as_of="2017-08-20",
        reason="confirmed by family",
        actor="researcher",
    )
    (after,) = status_conflicts(workspace, "2017-09-30")
    assert (after["resolved"], after["rule"]) == ("returned", "pinned by a human")
    assert status_bounds(workspace, "returned", "2017-09-30") == (0, 1)  # bounds: evidence
