"""`refwatch count`, `trend`, `check` and `ledger show` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from tests.conftest import PASSPHRASE, row, write_csv

runner = CliRunner()
SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = tmp_path / "ws"
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    monkeypatch.setenv("COLUMNS", "200")
    assert runner.invoke(app, ["init"]).exit_code == 0
    rows = [
        row(
            **SDC,
            record_id="1",
            apprehended_on="2017-07-13",
            apprehended_at="Jinghong",
            status="detained",
        ),
        row(
            **SDC,
            record_id="2",
            apprehended_on="2017-07/2017-08",
            apprehended_at="Tumen",
            status="returned",
            status_on="2017-09",
        ),
    ]
    path = write_csv(tmp_path / "list.csv", rows)
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    return workspace


def invoke(*args: str) -> tuple[int, str]:
    """Exit code and output; human output with its line wrapping undone (the console's
    width is whatever it was when the CLI was first imported)."""
    result = runner.invoke(app, list(args))
    text = result.stdout + result.stderr
    if "--json" in args:
        return result.exit_code, text
    return result.exit_code, " ".join(text.split())


def test_count_says_at_least_and_up_to_and_gives_a_ledger_id(env: Path) -> None:
    code, out = invoke("count", "--event", "detention", "--from", "2017-07", "--to", "2017-07")
    assert code == 0, out
    assert "at least 1 (up to 2)" in out
    assert "Ledger entry L-000001" in out
    code, out = invoke("count", "--from", "2017-07", "--to", "2017-08", "--by", "place")
    assert code == 0 and "Jinghong" in out and "Tumen" in out


def test_count_json_has_the_bounds_the_persons_and_the_ledger_id(env: Path) -> None:
    code, out = invoke("count", "--place", "Yunnan", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert (data["at_least"], data["at_most"]) == (1, 1)
    assert data["persons"] == data["certain"] == ["P-000001"]
    assert data["ledger_id"] == "L-000001"
    code, out = invoke("ledger", "show", "L-000001", "--json")
    assert code == 0 and json.loads(out)["same_numbers"] is True


def test_ledger_show_prints_then_and_now(env: Path) -> None:
    invoke("count", "--status", "returned", "--as-of", "2017-10-01")
    code, out = invoke("ledger", "show", "L-000001")
    assert code == 0, out
    assert "Then: at least 1 (up to 1)" in out and "same numbers" in out
    code, out = invoke("ledger", "show", "L-000099")
    assert code == 2 and "no ledger entry" in out


def test_a_bad_option_exits_2_naming_it(env: Path) -> None:
    code, out = invoke("count", "--event", "arrest")
    assert code == 2 and "--event" in out and "Traceback" not in out


def test_check_passes_on_consistent_records_and_trend_prints_a_sentence(env: Path) -> None:
    code, out = invoke("check", "--from", "2017-07", "--to", "2017-08", "--as-of", "2017-10-01")
    assert code == 0, out
    assert "FAIL" not in out
    code, out = invoke("trend", "--from", "2017-07", "--to", "2017-08", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["current"]["at_least"] == data["current"]["at_most"] == 2
    assert data["current"]["ledger_id"].startswith("L-")
