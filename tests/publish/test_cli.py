"""`refwatch factsheet` and `refwatch publish` from the command line."""

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
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    assert runner.invoke(app, ["init"]).exit_code == 0
    rows = [
        row(
            **SDC,
            record_id=str(i),
            apprehended_on="2017-07-13",
            apprehended_at="Tumen",
            status="detained",
        )
        for i in range(8)
    ]
    assert runner.invoke(app, ["import", str(write_csv(tmp_path / "l.csv", rows))]).exit_code == 0
    return tmp_path


def test_factsheet_writes_html_and_pdf_with_every_number_in_the_ledger(env: Path) -> None:
    result = runner.invoke(
        app,
        [
            "factsheet",
            "--from",
            "2017-07",
            "--to",
            "2017-08",
            "--out",
            str(env / "fs"),
            "--public",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert Path(data["html"]).exists() and Path(data["pdf"]).exists()
    assert data["public"] is True and data["ledger_ids"][0] == "L-000001"
    assert "At least 8 (up to 8) persons whose detention began" in data["headlines"][0]


def test_publish_writes_the_release_and_refuses_a_person_table_that_is_too_fine(
    env: Path,
) -> None:
    result = runner.invoke(
        app,
        [
            "publish",
            "--out",
            str(env / "pub"),
            "--from",
            "2017-07",
            "--to",
            "2017-07",
            "--format",
            "csv",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert {Path(f).name for f in files} >= {"by_month.csv", "by_province.csv"}
    refused = runner.invoke(app, ["publish", "--out", str(env / "p2"), "--persons", "--k", "9"])
    assert refused.exit_code == 2 and "refused" in refused.output


def test_an_internal_factsheet_says_where_the_width_of_a_headline_comes_from(
    env: Path,
) -> None:
    rows = [
        row(**SDC, record_id=f"u{i}", apprehended_on="2017-08/2017-09", status="detained")
        for i in range(3)
    ]
    assert runner.invoke(app, ["import", str(write_csv(env / "u.csv", rows))]).exit_code == 0
    out = env / "fs-internal"
    result = runner.invoke(
        app, ["factsheet", "--from", "2017-07", "--to", "2017-08", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    page = (out / "factsheet.html").read_text(encoding="utf-8")
    assert "At least 8 (up to 11) persons whose detention began" in page
    assert "Why the bounds differ: the dates and other facts allow up to 3 more." in page
