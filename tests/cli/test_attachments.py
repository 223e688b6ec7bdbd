"""`refwatch attachments list|get`: hostile ids and paths first, then listing (names only
with the key, audited) and reading back (bytes unchanged, audited `attachment.read`).
Workspace fixtures run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.intake.attachment_helpers import PNG, Stored, import_attachments

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def stored(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Stored]:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace.path))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    for name in ("REFWATCH_DB", "REFWATCH_KEYFILE"):
        monkeypatch.delenv(name, raising=False)
    return import_attachments(workspace, cipher, tmp_path / "export")


def _actions(workspace: Workspace, action: str) -> list[dict[str, object]]:
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        found = conn.execute(
            select(entries.c.details).where(entries.c.action == action).order_by(entries.c.seq)
        ).scalars()
        return [json.loads(details) for details in found]


def _one_line_error(code: int, err: str) -> str:
    assert code == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# -- attacks first -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_id", ["../../etc/passwd", "%", "*", "' OR 1=1 --", "0" * 32, "A" * 32, "", "x" * 5000]
)
def test_a_path_trick_or_unknown_id_reads_nothing_and_writes_nothing(
    stored: dict[str, Stored], workspace: Workspace, tmp_path: Path, bad_id: str
) -> None:
    out = tmp_path / "out.bin"
    line = _one_line_error(*invoke("attachments", "get", bad_id, "--out", str(out))[::2])
    assert "no attachment" in line and not out.exists()
    line = _one_line_error(*invoke("attachments", "list", "--report", bad_id)[::2])
    assert "no report" in line
    assert _actions(workspace, "attachment.read") == []


def test_get_refuses_a_link_a_folder_or_an_existing_file_and_reads_nothing(
    stored: dict[str, Stored], workspace: Workspace, tmp_path: Path
) -> None:
    target = stored["Kim-Myong-letter.png"].id
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.bin"
    os.symlink(victim, link)
    dangling = tmp_path / "dangling.bin"
    os.symlink(tmp_path / "nowhere", dangling)
    folder = tmp_path / "folder"
    folder.mkdir()
    cases = {
        str(link): "symbolic link",
        str(dangling): "symbolic link",
        str(folder): "not a file",
        str(victim): "add --force",
        str(tmp_path / "missing" / "x.bin"): "does not exist",
    }
    for path, reason in cases.items():
        line = _one_line_error(
            *invoke(
                "attachments",
                "get",
                target,
                "--out",
                path,
                "--force" if reason != "add --force" else "--json",
            )[::2]
        )
        assert reason in line
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "nowhere").exists()
    assert _actions(workspace, "attachment.read") == []


def test_names_need_the_key_and_a_wrong_one_shows_none(
    stored: dict[str, Stored], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = stored["Kim-Myong-letter.png"].report_id
    code, out, err = invoke("attachments", "list", "--report", report, "--json")
    assert code == 0, err
    assert "Kim-Myong" not in out and "file_name" not in out
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "wrong passphrase")
    code, out, err = invoke("attachments", "list", "--report", report, "--names")
    assert code != 0 and "Kim-Myong" not in out + err and "Traceback" not in err


# -- what works ----------------------------------------------------------------------------


def test_list_shows_ids_types_and_sizes_and_names_only_when_asked(
    stored: dict[str, Stored], workspace: Workspace
) -> None:
    letter = stored["Kim-Myong-letter.png"]
    code, out, err = invoke("attachments", "list", "--report", letter.report_id, "--json")
    assert code == 0, err
    (item,) = json.loads(out)["attachments"]
    assert (item["id"], item["media_type"], item["size"]) == (letter.id, "image/png", len(PNG))
    assert item["field"] == "document"
    # The moment with its offset on both engines (SQLite hands it back without one).
    assert datetime.fromisoformat(item["received_at"]).utcoffset() == timedelta(0)
    assert _actions(workspace, "names.read") == []
    code, out, err = invoke("attachments", "list", "--report", letter.report_id, "--names")
    assert code == 0, err
    assert letter.id in out and "Kim-Myong-letter.png" in out and f"{len(PNG)} bytes" in out
    assert _actions(workspace, "names.read") == [{"what": "attachment list", "count": 1}]


def test_get_writes_the_bytes_unchanged_and_audits_the_read(
    stored: dict[str, Stored], workspace: Workspace, tmp_path: Path
) -> None:
    letter = stored["Kim-Myong-letter.png"]
    out = tmp_path / "photo.png"
    code, answer, err = invoke("attachments", "get", letter.id, "--out", str(out), "--json")
    assert code == 0, err
    assert out.read_bytes() == PNG and json.loads(answer)["size"] == len(PNG)
    assert "Kim-Myong" not in answer + err
    assert _actions(workspace, "attachment.read") == [
        {"report": letter.report_id, "bytes": len(PNG), "via": "cli"}
    ]
    out.write_bytes(b"old")
    code, _, err = invoke("attachments", "get", letter.id, "--out", str(out), "--force")
    assert code == 0, err
    assert out.read_bytes() == PNG
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".attachment-")] == []
