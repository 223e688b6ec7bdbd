"""The demo yields the seed scenario's figures through `refwatch count --json`.

Before linkage every mention is its own person, so the figures, which are about persons,
can only hold once mentions are linked. The fixture links the demo's mentions by its
answer key (truth.csv), standing in for confirmed linkage; every figure is then asserted
exactly, through the command line, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.workspace import open_workspace
from tests.counting.conftest import link_by_truth, read_truth

runner = CliRunner()


def count(path: Path, *args: str) -> dict[str, object]:
    result = runner.invoke(
        app, ["--workspace", str(path), "count", *args, "--json"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def bounds(data: dict[str, object]) -> tuple[object, object]:
    return data["at_least"], data["at_most"]


@pytest.fixture(scope="module")
def linked(demo_workspace: tuple[Path, Path]) -> Path:
    path, truth = demo_workspace
    before = count(path)
    # One person per mention: 167 rows of 2017 and 4 of 2018 (news after the return).
    assert before["at_least"] == before["at_most"] == 171
    with open_workspace(path) as workspace:
        persons = link_by_truth(workspace, read_truth(truth))
    assert persons == 92
    return path


def test_51_persons_were_apprehended_between_july_2016_and_june_2017(linked: Path) -> None:
    data = count(linked, "--event", "apprehension", "--from", "2016-07", "--to", "2017-06")
    assert bounds(data) == (51, 51)
    assert len(data["persons"]) == 51  # type: ignore[arg-type]
    assert isinstance(data["ledger_id"], str) and data["ledger_id"].startswith("L-")


def test_at_least_41_were_detained_in_july_august_2017_including_xishuangbanna_and_changbai(
    linked: Path,
) -> None:
    period = ("--event", "detention", "--from", "2017-07", "--to", "2017-08")
    assert bounds(count(linked, *period)) == (41, 41)
    assert count(linked, *period, "--place", "Xishuangbanna")["at_least"] > 0  # type: ignore[operator]
    assert count(linked, *period, "--place", "Changbai")["at_least"] > 0  # type: ignore[operator]
    assert bounds(count(linked, "--event", "birth", "--from", "2017-07", "--to", "2017-08")) == (
        1,
        1,
    )


def test_92_known_cases_since_july_2016_with_11_children_4_older_women_and_1_baby(
    linked: Path,
) -> None:
    since = ("--event", "detention", "--from", "2016-07")
    assert bounds(count(linked, *since)) == (92, 92)
    assert count(linked, *since, "--flag", "child")["at_least"] == 11
    older_women = count(linked, *since, "--flag", "older", "--flag", "ill", "--sex", "F")
    assert older_women["at_least"] == 4
    assert bounds(count(linked, *since, "--flag", "born_in_detention")) == (1, 1)


def test_at_least_37_were_forcibly_returned_some_after_the_tumen_facility(linked: Path) -> None:
    assert bounds(count(linked, "--event", "return", "--from", "2016-07")) == (37, 37)
    tumen = count(linked, "--event", "return", "--place", "Tumen border detention center")
    assert tumen["at_least"] > 0  # type: ignore[operator]


def test_55_are_still_held_the_urgent_action_list(linked: Path) -> None:
    held = count(linked, "--status", "detained", "--as-of", "2017-09-30")
    assert bounds(held) == (55, 55)
    returned = count(linked, "--status", "returned", "--as-of", "2017-09-30")
    assert bounds(returned) == (37, 37)
    assert not set(held["persons"]) & set(returned["persons"])  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_demo_refwatch_demo_builds_is_linked_by_real_linkage_and_gives_the_figures(
    tmp_path: Path,
) -> None:
    """`make run` builds the demo with `refwatch demo`, which runs Splink linkage: the
    scenario's figures must then hold with no answer key at all."""
    path = tmp_path / "demo"
    env = {"REFWATCH_PASSPHRASE": "demo passphrase", "COLUMNS": "200"}
    built = runner.invoke(app, ["--workspace", str(path), "demo", "--json"], env=env)
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["persons_linked"] == 92
    # With real linkage the figures are the "at least"; "at most" may be higher where a
    # person is held together by links the model was not sure of, and says so.
    since = ("--event", "detention", "--from", "2016-07")
    figures = [
        (since, 92),
        (("--event", "detention", "--from", "2017-07", "--to", "2017-08"), 41),
        (("--event", "apprehension", "--from", "2016-07", "--to", "2017-06"), 51),
        (("--event", "return", "--from", "2016-07"), 37),
        (("--status", "detained", "--as-of", "2017-09-30"), 55),
        ((*since, "--flag", "child"), 11),
        ((*since, "--flag", "older", "--flag", "ill", "--sex", "F"), 4),
        ((*since, "--flag", "born_in_detention"), 1),
    ]
    for args, figure in figures:
        answer = count(path, *args)
        at_least, at_most = bounds(answer)
        assert at_least == figure, (args, answer)
        assert isinstance(at_most, int) and at_most >= figure
        width = answer["width"]
        assert isinstance(width, dict)
        assert at_most - figure == width["facts"] + width["may_be_several"] + width["may_be_same"]
