"""`refwatch consent set/show` and `refwatch casefile` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import refwatch.cli.casefile  # noqa: F401 (registers the commands)
from refwatch.cli import app
from refwatch.store.keys import Secret
from refwatch.store.workspace import init_workspace
from tests.conftest import PASSPHRASE, TEST_KDF, row, write_csv

runner = CliRunner()
SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
NAME = "Canary Clicase"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    # Made with the test suite's cheap key derivation, so that each command unlocks fast.
    init_workspace(tmp_path / "ws", Secret(passphrase=PASSPHRASE), kdf=TEST_KDF).close()
    rows = [
        row(**SDC, record_id="1", name_latin=NAME, apprehended_on="2017-07-13", status="detained"),
        row(**SDC, record_id="2", name_latin="Canary Two", status="returned"),
    ]
    assert runner.invoke(app, ["import", str(write_csv(tmp_path / "l.csv", rows))]).exit_code == 0
    return tmp_path


def test_a_case_file_is_refused_until_consent_is_recorded_then_written(env: Path) -> None:
    out = env / "out"
    refused = runner.invoke(app, ["casefile", "P-000001", "--out", str(out), "--format", "docx"])
    assert refused.exit_code == 2 and "refused" in refused.output
    assert "no consent is recorded" in refused.output
    assert not out.exists()
    recorded = runner.invoke(
        app,
        ["consent", "set", "p-000001", "--level", "named advocacy", "--basis", "-", "--json"],
        input="the person, in writing, 2017-09-02\n",
    )
    assert recorded.exit_code == 0, recorded.output
    assert json.loads(recorded.stdout)["level"] == "advocacy"
    made = runner.invoke(
        app, ["casefile", "P-000001", "--out", str(out), "--format", "docx", "--json"]
    )
    assert made.exit_code == 0, made.output
    answer = json.loads(made.stdout)
    assert answer["kind"] == "urgent-appeal" and answer["persons"] == ["P-000001"]
    assert Path(answer["file"]).parent == out
    assert NAME not in made.output
    again = runner.invoke(app, ["casefile", "P-000001", "--out", str(out), "--format", "docx"])
    assert again.exit_code == 2 and "already exists" in again.output


def test_consent_show_gives_the_texts_only_when_asked_and_audits_that(env: Path) -> None:
    runner.invoke(
        app,
        [
            "consent",
            "set",
            "P-000002",
            "--level",
            "internal",
            "--basis",
            "sister by phone",
            "--exception-level",
            "advocacy",
            "--exception",
            "-",
        ],
        input="held; the sister asks for action\n",
    )
    plain = runner.invoke(app, ["consent", "show", "P-000002", "--json"])
    assert plain.exit_code == 0, plain.output
    data = json.loads(plain.stdout)
    assert data["effective"] == "internal" and data["allows"]["case_file"] is True
    assert "sister" not in plain.stdout
    full = runner.invoke(app, ["consent", "show", "P-000002", "--texts", "--json"])
    assert json.loads(full.stdout)["history"][0]["exception"] == "held; the sister asks for action"
    audit = runner.invoke(app, ["audit", "verify"])
    assert audit.exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["casefile", "../../etc/passwd", "--out", "OUT"],
        ["casefile", "P-000001", "--out", "OUT", "--kind", "../x"],
        ["casefile", "P-000001", "--out", "OUT", "--format", "exe"],
        ["consent", "set", "P-000001", "--level", "yes please", "--basis", "b"],
        ["consent", "set", "P-000001", "--level", "internal", "--basis", " "],
        ["consent", "set", "P-000999", "--level", "internal", "--basis", "b"],
        [
            "consent",
            "set",
            "P-000001",
            "--level",
            "statistics",
            "--basis",
            "b",
            "--exception-level",
            "publication",
            "--exception",
            "x",
        ],
    ],
)
def test_bad_requests_exit_2_and_write_nothing(env: Path, args: list[str]) -> None:
    out = env / "OUT"
    result = runner.invoke(app, [a.replace("OUT", str(out)) for a in args])
    assert result.exit_code == 2, result.output
    assert not out.exists()
    assert "Traceback" not in result.output


def test_an_export_with_names_warns_which_persons_lack_consent(env: Path) -> None:
    runner.invoke(
        app, ["consent", "set", "P-000002", "--level", "no_use", "--basis", "the person asked"]
    )
    out = env / "names.csv"
    result = runner.invoke(app, ["export", "mentions", "--include-names", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "names withheld for 1 person(s)" in result.output and "P-000002" in result.output
    assert "P-000001" in result.output  # exported with names, but no consent to name outside
    text = out.read_text(encoding="utf-8")
    assert NAME in text and "Canary Two" not in text


def test_a_reports_consent_is_recorded_with_report_and_counts_for_its_person(env: Path) -> None:
    from refwatch.store.queries import current_mentions, links, mentions
    from refwatch.store.workspace import open_workspace

    with open_workspace(env / "ws") as workspace, workspace.read() as conn:
        report_id = conn.execute(
            current_mentions()
            .with_only_columns(mentions.c.report_id)
            .where(links.c.person_id == "P-000001")
        ).scalar_one()
    recorded = runner.invoke(
        app,
        ["consent", "set", report_id, "--report", "--level", "advocacy", "--basis", "list"],
    )
    assert recorded.exit_code == 0, recorded.output
    shown = json.loads(runner.invoke(app, ["consent", "show", "P-000001", "--json"]).stdout)
    assert shown["effective"] == "advocacy" and shown["from"] == "report"
    wrong = runner.invoke(
        app, ["consent", "set", "P-000001", "--report", "--level", "internal", "--basis", "b"]
    )
    assert wrong.exit_code == 2 and "no report" in wrong.output
