"""Consistency checks before publishing: parts add up; contradictions name their persons."""

from __future__ import annotations

from pathlib import Path

from refwatch.counting import CheckOutcome, run_checks
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows, link_by_truth

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}


def by_name(outcomes: list[CheckOutcome], words: str) -> CheckOutcome:
    (found,) = [o for o in outcomes if words in o.name]
    return found


def test_every_check_passes_on_the_linked_demo(linked_demo: Workspace) -> None:
    outcomes = run_checks(
        linked_demo, period_from="2016-07", period_to="2017-08", as_of="2017-09-30"
    )
    assert [o.name for o in outcomes if not o.ok] == []
    statuses = by_name(outcomes, "statuses")
    assert statuses.details["whole"] == {"at_least": 92, "at_most": 92}
    parts = {p["part"]: p["at_least"] for p in statuses.details["parts"]}
    assert parts["detained"] + parts["returned"] == 92


def test_a_return_before_the_apprehension_fails_and_names_the_person(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    # One row cannot say so (the importer refuses it); two sources about one person can.
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07-13", status="detained"),
            row(**SDC, record_id="2", status="returned", status_on="2017-06"),
            row(
                **SDC,
                record_id="3",
                apprehended_on="2017-07-13",
                status="returned",
                status_on="2017-08",
            ),
        ],
    )
    link_by_truth(
        workspace,
        {(SDC["source"], "1"): "T", (SDC["source"], "2"): "T", (SDC["source"], "3"): "U"},
    )
    outcome = by_name(run_checks(workspace), "returned (or released) before")
    assert not outcome.ok and outcome.severity == "error"
    assert outcome.persons == ["P-000001"]


def test_a_child_also_reported_born_in_detention_is_in_two_parts_and_named(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", flags="child;born_in_detention", status="detained"),
            row(**SDC, record_id="2", flags="child", status="detained"),
        ],
    )
    outcome = by_name(run_checks(workspace), "children")
    assert not outcome.ok
    assert outcome.persons == ["P-000001"]
    assert "certainly in two parts" in outcome.message


def test_a_detention_reported_after_a_return_is_a_warning_naming_the_person(
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
                reported_on="2017-09-20",
                apprehended_on="2017-07-13",
                status="detained",
            ),
            row(
                **SDC,
                record_id="2",
                reported_on="2017-09-01",
                apprehended_on="2017-07-13",
                status="returned",
                status_on="2017-08",
            ),
        ],
    )
    link_by_truth(workspace, {(SDC["source"], "1"): "T", (SDC["source"], "2"): "T"})
    outcomes = run_checks(workspace, as_of="2017-10-01")
    warning = by_name(outcomes, "detained after a reported exit")
    assert not warning.ok and warning.severity == "warning"
    assert warning.persons == ["P-000001"]
    assert "latest credible report wins" in warning.message
    assert all(o.ok for o in outcomes if o.severity == "error")
