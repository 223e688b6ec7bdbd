"""`refwatch link` and `refwatch review` from the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.simulate.world import simulate_world
from tests.conftest import PASSPHRASE

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = tmp_path / "ws"
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    assert runner.invoke(app, ["init"]).exit_code == 0
    world = simulate_world(tmp_path / "world", people=80, sources=4, seed=7)
    result = runner.invoke(app, ["import", *map(str, world.case_lists)])
    assert result.exit_code == 0, result.stderr
    return workspace


def test_link_answers_in_json_and_export_then_carries_match_probabilities(env: Path) -> None:
    result = runner.invoke(app, ["link", "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["persons"] < summary["mentions"] == summary["persons_before"]
    exported = runner.invoke(app, ["export", "mentions", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert rows and all(r["match_probability"] for r in rows)
    assert {"source", "record_id", "person_id", "match_probability"} <= set(rows[0])


def test_link_explain_shows_the_weights_behind_a_person(env: Path) -> None:
    assert runner.invoke(app, ["link"]).exit_code == 0
    exported = runner.invoke(app, ["export", "persons", "--format", "csv"])
    people = list(csv.DictReader(io.StringIO(exported.stdout)))
    biggest = max(people, key=lambda r: int(r["mentions"]))
    result = runner.invoke(app, ["link", "--explain", biggest["person_id"]])
    assert result.exit_code == 0, result.stderr
    assert biggest["person_id"] in result.stdout and "name:" in result.stdout
    as_json = json.loads(
        runner.invoke(app, ["link", "--explain", biggest["person_id"], "--json"]).stdout
    )
    assert len(as_json["mentions"]) == int(biggest["mentions"])
    missing = runner.invoke(app, ["link", "--explain", "P-999999"])
    assert missing.exit_code == 2 and "no person" in missing.stderr


def test_review_records_answers_and_can_undo_the_last_one(env: Path) -> None:
    assert runner.invoke(app, ["link"]).exit_code == 0
    queue = json.loads(runner.invoke(app, ["review", "--json", "--limit", "3"]).stdout)
    assert queue and queue[0]["parts"][0]["comparison"] == "name"
    result = runner.invoke(app, ["review", "--limit", "3"], input="k\nu\nk\nq\n")
    assert result.exit_code == 0, result.stderr
    assert "Recorded skip" in result.stdout and "Undone" in result.stdout
    assert "1 answers recorded" in result.stdout


def test_link_is_refused_in_one_line_while_another_run_holds_the_workspace(env: Path) -> None:
    from refwatch.linkage.run_lock import linkage_lock
    from refwatch.store.workspace import open_workspace

    with open_workspace(env) as workspace, linkage_lock(workspace):
        busy = runner.invoke(app, ["link"])
    assert busy.exit_code != 0
    assert "another linkage run is in progress" in busy.stderr
    assert "Traceback" not in busy.stderr and len(busy.stderr.strip().splitlines()) == 1
    assert runner.invoke(app, ["link"]).exit_code == 0
