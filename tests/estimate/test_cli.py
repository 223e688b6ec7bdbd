"""`refwatch estimate` from the command line: tables, the workspace, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.schema import table_of
from refwatch.store.schema_ledger import LedgerEntry
from refwatch.store.workspace import open_workspace
from tests.conftest import PASSPHRASE, write_csv

from .conftest import FIXTURES
from .test_workspace import _people_rows, link_by_key

runner = CliRunner()
KOSOVO = str(FIXTURES / "kosovo_1999.csv")
KEYS = {
    "method",
    "n_observed",
    "estimate",
    "lower",
    "upper",
    "level",
    "model",
    "diagnostics",
    "warnings",
}


def test_loglinear_json_answer_has_the_promised_fields_and_the_published_estimate() -> None:
    result = runner.invoke(app, ["estimate", KOSOVO, "--interval", "profile", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= KEYS
    assert round(data["estimate"]) == 10357
    assert data["model"]["name"] == "[123,14,34]"


def test_seeded_bootstrap_answers_are_identical() -> None:
    args = ["estimate", str(FIXTURES / "korea.csv"), "--nboot", "100", "--seed", "5", "--json"]
    first = json.loads(runner.invoke(app, args).stdout)
    second = json.loads(runner.invoke(app, args).stdout)
    assert (first["lower"], first["upper"]) == (second["lower"], second["upper"])


def test_lcmcr_from_the_command_line() -> None:
    result = runner.invoke(
        app,
        [
            "estimate",
            str(FIXTURES / "korea.csv"),
            "--method",
            "lcmcr",
            "--burnin",
            "300",
            "--samples",
            "100",
            "--thinning",
            "2",
            "--chains",
            "2",
            "--seed",
            "1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["method"] == "lcmcr" and data["model"]["chains"] == 2
    assert set(data) >= KEYS


def test_merging_lists_on_the_command_line_reproduces_the_five_list_table() -> None:
    result = runner.invoke(
        app,
        [
            "estimate",
            str(FIXTURES / "uk_2013_six_lists.csv"),
            "--merge",
            "PF+NCA",
            "--select",
            "bic",
            "--maxorder",
            "2",
            "--interval",
            "profile",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert round(json.loads(result.stdout)["estimate"]) == 22991


def test_a_bad_table_is_one_line_on_stderr_with_status_two(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B,count\n1,0,3\n0,1,4\n1,1,2\n")
    result = runner.invoke(app, ["estimate", str(bad)])
    assert result.exit_code == 2
    assert "at least 3" in result.stderr


def test_human_output_says_the_estimate_and_interval() -> None:
    result = runner.invoke(app, ["estimate", KOSOVO, "--interval", "profile"])
    assert result.exit_code == 0
    assert "Estimated total: 10,357" in result.stdout


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    assert runner.invoke(app, ["init"]).exit_code == 0
    path = write_csv(tmp_path / "lists.csv", _people_rows(60))
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    return tmp_path


def test_an_unlinked_workspace_has_no_overlaps_and_is_refused_with_the_reason(
    env: Path,
) -> None:
    # before linkage every mention is its own person, so no one is on two lists
    result = runner.invoke(app, ["estimate", "--interval", "profile", "--json"])
    assert result.exit_code == 2
    assert "is on any other list" in result.stderr


def test_workspace_estimate_by_quarter_is_recorded_in_the_ledger(env: Path) -> None:
    with open_workspace(env / "ws") as workspace:
        link_by_key(workspace)
    result = runner.invoke(
        app,
        [
            "estimate",
            "--interval",
            "profile",
            "--stratify",
            "quarter",
            "--purpose",
            "test",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n_observed"] == 60
    assert set(data["strata"]) == {"2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"}
    assert data["ledger_ids"]["total"].startswith("L-")
    ledger = table_of(LedgerEntry)
    with open_workspace(env / "ws") as workspace, workspace.read() as conn:
        kinds = conn.execute(select(ledger.c.kind, ledger.c.purpose)).all()
    assert len(kinds) == 1 + len(data["strata"])
    assert {tuple(k) for k in kinds} == {("estimate", "test")}


def test_ledger_show_reproduces_an_estimate_and_names_the_persons_that_changed(
    env: Path,
) -> None:
    with open_workspace(env / "ws") as workspace:
        link_by_key(workspace)
    made = runner.invoke(
        app, ["estimate", "--interval", "profile", "--stratify", "quarter", "--json"]
    )
    assert made.exit_code == 0, made.output
    ids = json.loads(made.stdout)["ledger_ids"]
    for entry_id in (ids["total"], ids["2017-Q3"]):
        shown = runner.invoke(app, ["ledger", "show", entry_id, "--json"])
        assert shown.exit_code == 0, shown.output
        check = json.loads(shown.stdout)
        assert check["same_table"] and check["same_snapshot"] and check["same_numbers"]
        assert check["now"]["estimate"] == check["entry"]["numbers"]["estimate"]
    human = runner.invoke(app, ["ledger", "show", ids["total"]])
    assert "same estimate" in human.stdout
    # One more person on one list: the table and the estimate move, the person is named.
    extra = [r for r in _people_rows(61) if r["record_id"].startswith("P060-")]
    path = write_csv(env / "more.csv", extra)
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    with open_workspace(env / "ws") as workspace:
        link_by_key(workspace)
    again = json.loads(runner.invoke(app, ["ledger", "show", ids["total"], "--json"]).stdout)
    assert not again["same_table"] and not again["same_numbers"]
    assert again["now"]["n_observed"] == 61
    assert len(again["persons_added"]) == 1 and again["persons_removed"] == []
    assert "DIFFERENT" in runner.invoke(app, ["ledger", "show", ids["total"]]).stdout
