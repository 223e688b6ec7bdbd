"""`refwatch sources list|set-reliability|set-contact`: bad input is one line and status 2;
a contact comes from standard input only, is never echoed, never in the audit trail and
needs the key; then the commands do what the web's source page does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import open_workspace
from tests.conftest import PASSPHRASE, row, write_csv

runner = CliRunner()
CONTACT = "canary-contact-Wm4 signal:+82-10-0000-0000"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A workspace with one source; its id."""
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-tester")
    assert runner.invoke(app, ["init"]).exit_code == 0
    rows = [row(source="Family contacts", source_type="family", record_id="1", status="detained")]
    path = write_csv(tmp_path / "l.csv", rows)
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    listed = runner.invoke(app, ["sources", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    (source,) = json.loads(listed.stdout)["sources"]
    assert source["name"] == "Family contacts" and source["has_contact"] is False
    return str(source["id"])


def audit_text(tmp_path: Path) -> str:
    workspace = open_workspace(tmp_path / "ws")
    try:
        entries = table_of(AuditEntry)
        with workspace.read() as conn:
            rows = conn.execute(select(entries).where(entries.c.action.like("source.%")))
            return "\n".join(str(dict(r._mapping)) for r in rows)
    finally:
        workspace.close()


@pytest.mark.parametrize("grade", ["Z", "AA", "", "7"])
def test_a_wrong_grade_is_one_line_and_status_2(env: str, tmp_path: Path, grade: str) -> None:
    result = runner.invoke(app, ["sources", "set-reliability", env, grade])
    assert result.exit_code == 2
    assert "A, B, C, D, E, F" in result.output and "Traceback" not in result.output
    assert "source.reliability" not in audit_text(tmp_path)


def test_an_unknown_source_is_one_line_and_status_2(env: str) -> None:
    for args, given in ((["set-reliability", "../etc", "A"], None), (["set-contact", "x"], "c")):
        result = runner.invoke(app, ["sources", *args], input=given)
        assert result.exit_code == 2 and "no source has the id" in result.output


def test_a_contact_is_never_an_argument(env: str) -> None:
    result = runner.invoke(app, ["sources", "set-contact", env, CONTACT])
    assert result.exit_code == 2 and CONTACT not in result.output


def test_an_empty_or_oversized_contact_on_standard_input_is_refused(
    env: str, tmp_path: Path
) -> None:
    empty = runner.invoke(app, ["sources", "set-contact", env], input="  \n")
    assert empty.exit_code == 2 and "no contact" in empty.output
    flood = runner.invoke(app, ["sources", "set-contact", env], input="x" * 1_000_000)
    assert flood.exit_code == 2 and "at most 2000" in flood.output
    assert "source.contact" not in audit_text(tmp_path)


def test_a_contact_needs_the_key(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "not the passphrase at all")
    result = runner.invoke(app, ["sources", "set-contact", env], input=CONTACT)
    assert result.exit_code == 2 and CONTACT not in result.output


def test_grade_and_contact_are_set_listed_and_audited_without_the_contact(
    env: str, tmp_path: Path
) -> None:
    graded = runner.invoke(app, ["sources", "set-reliability", env, "b", "--json"])
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.stdout) == {"id": env, "reliability": "B"}
    contact = runner.invoke(app, ["sources", "set-contact", env], input=CONTACT + "\n")
    assert contact.exit_code == 0, contact.output
    assert CONTACT not in contact.output
    listed = runner.invoke(app, ["sources", "list"])
    assert listed.exit_code == 0
    assert "grade B (usually reliable)" in listed.output and "contact set" in listed.output
    assert CONTACT not in listed.output
    trail = audit_text(tmp_path)
    assert "source.reliability" in trail and "source.contact" in trail and "cli-tester" in trail
    assert CONTACT not in trail

    workspace = open_workspace(tmp_path / "ws")
    try:
        from refwatch.intake.sources import contact_of
        from refwatch.store.crypto import FieldCipher
        from refwatch.store.keys import Secret

        cipher = FieldCipher(workspace.unlock(Secret(passphrase=PASSPHRASE)))
        with workspace.read() as conn:
            assert contact_of(conn, cipher, env) == CONTACT
    finally:
        workspace.close()
    cleared = runner.invoke(app, ["sources", "set-contact", env, "--clear", "--json"])
    assert cleared.exit_code == 0 and json.loads(cleared.stdout)["contact_set"] is False
    assert (
        json.loads(runner.invoke(app, ["sources", "list", "--json"]).stdout)["sources"][0][
            "has_contact"
        ]
        is False
    )
