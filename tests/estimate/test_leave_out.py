"""Leaving a list out of an estimate: the library, the ledger's re-check and the command.

Why these cases: a list that overlaps no other blocks every estimate, and the refusal
says "leave it out"; leaving it out must then give exactly the estimate of the other
lists (its persons count only when another list saw them), be refused when it names no
list or leaves too few, and be redone the same way by `ledger show`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.estimate import EstimateOptions, EstimationError, estimate_from_workspace, messages
from refwatch.estimate.histories import PersonHistory, histories_from_persons
from refwatch.estimate.record import recheck_estimate, record_estimates
from refwatch.intake.importer import import_files
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace, open_workspace
from tests.conftest import PASSPHRASE, row, write_csv

from .test_workspace import _people_rows, link_by_key

runner = CliRunner()
LONE = "Lone list"
OTHERS = ("Activist reports", "Family contacts", "Northern network", "Seoul list")
PROFILE = EstimateOptions(interval="profile", linkage="fixed")


def _lone_rows(count: int) -> list[dict[str, str]]:
    """A fifth list whose persons no other list has (record ids no other list uses)."""
    return [
        row(
            source=LONE,
            source_type="media",
            reported_on="2018-01-05",
            record_id=f"Q{k:03d}-lone",
            name_latin=f"Someone {k}",
            sex="F",
            apprehended_on="2017-05-10",
            apprehended_at="Tumen",
            status="detained",
        )
        for k in range(count)
    ]


def _add_lone_list(workspace: Workspace, cipher: FieldCipher, folder: Path) -> None:
    path = write_csv(folder / "lone.csv", _lone_rows(7))
    import_files(workspace, cipher, [path], actor="test")
    link_by_key(workspace)


@pytest.fixture
def four(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> Workspace:
    import_files(workspace, cipher, [write_csv(tmp_path / "l.csv", _people_rows(90))], actor="t")
    link_by_key(workspace)
    return workspace


def test_an_unknown_list_is_refused_naming_the_known_ones(
    four: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    _add_lone_list(four, cipher, tmp_path)
    with pytest.raises(EstimationError) as caught:
        estimate_from_workspace(four, leave_out=["Lone lst"], options=PROFILE)
    assert caught.value.field == "leave_out" and caught.value.code == messages.UNKNOWN_LIST
    assert "'Lone lst'" in str(caught.value)
    assert ", ".join(sorted((*OTHERS, LONE))) in str(caught.value)
    assert str(caught.value).startswith("--leave-out: no list is called")


def test_leaving_out_every_list_or_all_but_two_is_refused_about_the_field(
    four: Workspace,
) -> None:
    with pytest.raises(EstimationError) as every:
        estimate_from_workspace(four, leave_out=OTHERS, options=PROFILE)
    assert every.value.field == "leave_out" and every.value.code == messages.ALL_LEFT_OUT
    with pytest.raises(EstimationError) as two:
        estimate_from_workspace(four, leave_out=OTHERS[:2], options=PROFILE)
    assert two.value.field == "leave_out"
    assert "only 2 list(s)" in str(two.value)


def test_a_list_apart_is_refused_pointing_at_leave_out_and_leaving_it_out_is_the_others_estimate(
    four: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    before = estimate_from_workspace(four, options=PROFILE)
    _add_lone_list(four, cipher, tmp_path)
    with pytest.raises(EstimationError) as caught:
        estimate_from_workspace(four, options=PROFILE)
    assert caught.value.field == "leave_out"
    assert str(caught.value).startswith(f"--leave-out: no one on list {LONE} is on any other")
    without = estimate_from_workspace(four, leave_out=[LONE], options=PROFILE)
    assert without.histories.lists == OTHERS
    assert without.histories.total.rows() == before.histories.total.rows()
    assert without.total.as_dict() == before.total.as_dict()
    assert without.histories.query["leave_out"] == [LONE]
    note = [
        n for n in without.histories.notes if getattr(n, "code", None) == messages.LISTS_LEFT_OUT
    ]
    assert len(note) == 1 and LONE in note[0] and "(7 persons" in note[0]


def test_the_linkage_aware_estimate_leaves_the_list_out_too(
    four: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    _add_lone_list(four, cipher, tmp_path)
    options = EstimateOptions(interval="profile", seed=3)
    aware = estimate_from_workspace(four, leave_out=[LONE], options=options)
    assert aware.histories.lists == OTHERS and aware.total.n_observed == 90
    assert aware.as_dict()["query"]["leave_out"] == [LONE]


def test_a_person_on_a_left_out_list_counts_only_when_another_list_saw_them() -> None:
    people = [
        PersonHistory("a", {"A", "L"}),
        PersonHistory("b", {"L"}),
        PersonHistory("c", {"A", "B"}),
        PersonHistory("d", {"C"}),
    ]
    made = histories_from_persons(people, leave_out=["L"])
    assert made.lists == ("A", "B", "C")
    assert made.persons["total"] == ["a", "c", "d"]
    assert (
        made.total.rows()
        == histories_from_persons(
            [PersonHistory("a", {"A"}), PersonHistory("c", {"A", "B"}), PersonHistory("d", {"C"})]
        ).total.rows()
    )
    assert people[0].lists == {"A", "L"}, "the caller's persons are not changed"
    assert "(1 persons were seen on left-out lists alone" in made.notes[-1]


def test_the_ledger_recheck_leaves_the_same_lists_out_and_says_so(
    four: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    _add_lone_list(four, cipher, tmp_path)
    options = EstimateOptions(interval="bootstrap", nboot=30, seed=4, linkage="fixed")
    made = estimate_from_workspace(four, leave_out=[LONE], options=options)
    ids = record_estimates(four, made, actor="test")
    from refwatch.counting.ledger import read_entry

    entry = read_entry(four, ids["total"])
    assert entry["query"]["leave_out"] == [LONE]
    check = recheck_estimate(four, entry)
    assert check.same_table and check.same_snapshot and check.same_numbers
    assert check.left_out == [LONE] and check.as_dict()["left_out"] == [LONE]


# The command line


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    assert runner.invoke(app, ["init"]).exit_code == 0
    rows = _people_rows(60) + _lone_rows(5)
    assert runner.invoke(app, ["import", str(write_csv(tmp_path / "l.csv", rows))]).exit_code == 0
    with open_workspace(tmp_path / "ws") as workspace:
        link_by_key(workspace)
    return tmp_path


FIXED = ["estimate", "--interval", "profile", "--linkage", "fixed"]


def test_cli_hostile_leave_out_values_are_one_clear_line(env: Path) -> None:
    unknown = runner.invoke(app, [*FIXED, "--leave-out", "Nope; DROP TABLE", "--json"])
    assert unknown.exit_code == 2
    assert "--leave-out: no list is called 'Nope; DROP TABLE'; the lists are" in unknown.stderr
    assert all(name in unknown.stderr for name in (*OTHERS, LONE))
    assert "Traceback" not in unknown.output
    all_but_one = [a for name in (*OTHERS[1:], LONE) for a in ("--leave-out", name)]
    refused = runner.invoke(app, [*FIXED, *all_but_one])
    assert refused.exit_code == 2
    assert "--leave-out" in refused.stderr and "only 1 list(s)" in refused.stderr
    table = runner.invoke(
        app, ["estimate", str(Path(__file__).parent / "fixtures" / "korea.csv"), "--leave-out", "A"]
    )
    assert table.exit_code == 2 and "--leave-out is for workspace estimates" in table.stderr


def test_cli_refuses_the_list_apart_naming_the_option_then_leaves_it_out(env: Path) -> None:
    refused = runner.invoke(app, FIXED)
    assert refused.exit_code == 2
    assert f"--leave-out: no one on list {LONE} is on any other list" in refused.stderr
    made = runner.invoke(app, [*FIXED, "--leave-out", LONE, "--json"])
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    assert data["n_observed"] == 60 and data["query"]["leave_out"] == [LONE]
    assert any(f"left out of this estimate: {LONE}" in note for note in data["notes"])
    human = runner.invoke(app, [*FIXED, "--leave-out", LONE])
    assert f"Note: left out of this estimate: {LONE}." in human.stdout
    shown = runner.invoke(app, ["ledger", "show", data["ledger_ids"]["total"], "--json"])
    assert shown.exit_code == 0, shown.output
    check = json.loads(shown.stdout)
    assert check["same_table"] and check["same_numbers"] and check["left_out"] == [LONE]
    said = runner.invoke(app, ["ledger", "show", data["ledger_ids"]["total"]]).stdout
    assert f"Lists left out, then and again now: {LONE}" in said
