"""`refwatch factsheet` and `refwatch publish` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.keys import Secret
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import open_workspace
from tests.conftest import PASSPHRASE, row, write_csv
from tests.web.conftest import make_web

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


def test_sheets_and_releases_made_on_the_command_line_are_audited_and_listed_on_the_web(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-tester")
    period = ["--from", "2017-07", "--to", "2017-08"]
    sheet = runner.invoke(
        app, ["factsheet", *period, "--out", str(env / "fs"), "--public", "--json"]
    )
    assert sheet.exit_code == 0, sheet.output
    sheet_id = json.loads(sheet.stdout)["id"]
    release = runner.invoke(
        app, ["publish", *period, "--out", str(env / "pub"), "--format", "csv", "--json"]
    )
    assert release.exit_code == 0, release.output
    release_id = json.loads(release.stdout)["id"]

    workspace = open_workspace(env / "ws")
    try:
        entries = table_of(AuditEntry)
        with workspace.read() as conn:
            made = {
                (r.action, r.record_id, r.actor)
                for r in conn.execute(
                    select(entries).where(
                        entries.c.action.in_(["factsheet.make", "publish.release"])
                    )
                )
            }
        assert made == {
            ("factsheet.make", sheet_id, "cli-tester"),
            ("publish.release", release_id, "cli-tester"),
        }
        for web in make_web(workspace, Secret(passphrase=PASSPHRASE)):
            analyst = web.sign_in("analyst")
            assert f'href="/factsheets/{sheet_id}"' in analyst.get("/factsheets").text
            download = analyst.get(f"/factsheets/{sheet_id}.pdf")
            assert download.content == (env / "fs" / "factsheet.pdf").read_bytes()
            assert f'href="/releases/{release_id}"' in analyst.get("/releases").text
            assert analyst.get(f"/releases/{release_id}.zip").status_code == 200
    finally:
        workspace.close()
