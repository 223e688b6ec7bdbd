"""Issue 17, "not yet tried": a lawful deletion while the web server runs.

The server keeps decrypted names in memory (the name search index) and derived views of
the evidence. `refwatch delete-report` runs in another process. Afterwards the running
server must not serve the erased names from memory: not through name search, not on the
person's answer, and the deletion must not have to wait for a restart. On SQLite and
PostgreSQL, with a real server (`refwatch serve`) and the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from refwatch.domain.roles import Role
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Report, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import PASSPHRASE, write_csv
from tests.web.live_server import bearer, issue_tokens, serving

CANARY = "Canarydel Livewx"


def _report_of(workspace: Workspace, record_id: str) -> str:
    reports = table_of(Report)
    with workspace.read() as conn:
        return str(
            conn.execute(
                select(reports.c.id)
                .where(reports.c.record_id == record_id)
                .order_by(reports.c.received_at.desc())
            ).first()[0]  # type: ignore[index]
        )


def _search(base: str, token: str, query: str) -> list[str]:
    answer = httpx.post(
        f"{base}/api/v1/persons/search", json={"q": query}, headers=bearer(token), timeout=60.0
    )
    assert answer.status_code == 200, answer.text
    return [p["id"] for p in answer.json()["persons"]]


@pytest.mark.slow
def test_a_name_erased_while_the_server_runs_is_gone_from_its_memory_at_once(
    workspace: Workspace,
    cipher: FieldCipher,
    tmp_path: Path,
    sample_rows: list[dict[str, str]],
) -> None:
    rows = [dict(r) for r in sample_rows]
    rows[0]["name_latin"] = CANARY
    import_file(workspace, cipher, write_csv(tmp_path / "list.csv", rows))
    report_id = _report_of(workspace, rows[0]["record_id"])
    token = issue_tokens(workspace, [("reader", Role.RESEARCHER)])["reader"]
    with serving(workspace.path, tmp_path / "server.log") as server:
        found = _search(server.base, token, CANARY)
        assert len(found) == 1, "the server found the name before the deletion"
        person = found[0]
        detail = httpx.get(
            f"{server.base}/api/v1/persons/{person}", headers=bearer(token), timeout=60.0
        )
        assert CANARY in detail.text
        env = {
            **os.environ,
            "REFWATCH_PASSPHRASE": PASSPHRASE,
            "REFWATCH_ACTOR": "lawful-request",
        }
        if workspace.dialect == "postgresql":
            env["REFWATCH_DB"] = workspace.url
        else:
            env.pop("REFWATCH_DB", None)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "refwatch.cli",
                "--workspace",
                str(workspace.path),
                "delete-report",
                report_id,
                "--reason",
                "request REF-17",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert _search(server.base, token, CANARY) == []
        assert _search(server.base, token, "Canarydel") == []
        after = httpx.get(
            f"{server.base}/api/v1/persons/{person}", headers=bearer(token), timeout=60.0
        )
        assert CANARY not in after.text
    assert workspace.verify_audit().ok
