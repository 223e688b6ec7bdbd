"""Crash safety of edits through the API: a real server takes a stream of person edits from
several scripts and is killed with SIGKILL at a random moment, again and again.

After every kill, with the server gone: every edit the server acknowledged (200) is in the
person's history with its sealed reason; the history has no gap and no half-written
change (each version once, the person's version is the last one, each change has its
audit entry); the audit chain verifies; on SQLite `PRAGMA integrity_check` says ok. The
next server starts on the same workspace and the edits go on from there.
(Imports killed the same way: tests/store/test_crash_safety.py.)
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select, text

from refwatch.domain.roles import Role
from refwatch.intake.importer import import_file
from refwatch.store import person_pins
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests import figures
from tests.conftest import write_csv
from tests.web.live_server import bearer, issue_tokens, serving

KILL_POINTS = {"sqlite": 5, "postgresql": 4}
SCRIPTS = 4
PERSONS = ("P-000001", "P-000002", "P-000003")


def edit_until_gone(
    base: str, token: str, index: int, acknowledged: list[tuple[str, int, str]]
) -> None:
    """PATCH edits until the server stops answering; record the ones it acknowledged."""
    step = 0
    with httpx.Client(base_url=base, headers=bearer(token), timeout=10.0) as client:
        while True:
            person = PERSONS[(index + step) % len(PERSONS)]
            reason = f"script {index} edit {step} {time.monotonic_ns()}"
            step += 1
            try:
                version = client.get(f"/api/v1/persons/{person}/pin").json()["version"]
                answer = client.patch(
                    f"/api/v1/persons/{person}",
                    json={
                        "version": version,
                        "status": "detained",
                        "as_of": "2017",
                        "reason": reason,
                    },
                )
            except httpx.TransportError:
                return
            if answer.status_code == 200:
                acknowledged.append((person, answer.json()["version"], reason))
            else:
                assert answer.status_code == 409, answer.text


def check_intact(
    workspace: Workspace, cipher: FieldCipher, acknowledged: list[tuple[str, int, str]]
) -> int:
    """The workspace after a kill; returns how many edits it holds."""
    stored: dict[tuple[str, int], str] = {}
    with workspace.read() as conn:
        for person in PERSONS:
            state = person_pins.pin_state(conn, person)
            assert state is not None
            version, history = state
            assert [h.version for h in history] == list(range(2, version + 1)), person
            stored.update({(person, h.version): h.reason(cipher) for h in history})
        entries = table_of(AuditEntry)
        logged = conn.execute(
            select(func.count()).select_from(entries).where(entries.c.action == "person.pin")
        ).scalar_one()
        if workspace.dialect == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    lost = [a for a in acknowledged if stored.get((a[0], a[1])) != a[2]]
    assert lost == [], f"acknowledged edits missing after the kill: {lost}"
    assert logged == len(stored), "every stored change has its audit entry, and only those"
    report = workspace.verify_audit()
    assert report.ok, report.problem
    return len(stored)


@pytest.mark.slow
def test_edits_acknowledged_through_the_api_survive_sigkills_of_the_server(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "list.csv", sample_rows))
    scripts = issue_tokens(workspace, [(f"script-{i}", Role.RESEARCHER) for i in range(SCRIPTS)])
    rng = random.Random(f"kill-api-edits:{workspace.dialect}")
    acknowledged: list[tuple[str, int, str]] = []
    held: list[Any] = []
    for point in range(KILL_POINTS[workspace.dialect]):
        with serving(workspace.path, tmp_path / f"server-{point}.log") as server:
            threads = [
                threading.Thread(
                    target=edit_until_gone,
                    args=(server.base, scripts[f"script-{i}"], i, acknowledged),
                    daemon=True,
                )
                for i in range(SCRIPTS)
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.3, 1.5))
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=30)
            for thread in threads:
                thread.join(timeout=30)
            assert not any(t.is_alive() for t in threads), "a script hung after the kill"
        held.append(check_intact(workspace, cipher, acknowledged))
    assert held == sorted(held) and held[-1] > held[0], "edits went on after every restart"
    test = f"test_edits_survive_a_kill[{workspace.dialect}]"
    figures.record(test, "server kill points survived", len(held))
    figures.record(test, "writers (scripts)", SCRIPTS)
    figures.record(test, "edits acknowledged", len(acknowledged))
    figures.record(test, "edits stored after the last kill", held[-1])
    figures.record(test, "acknowledged edits lost", 0)
    print(
        f"\n{workspace.dialect}: {len(held)} kill points, {len(acknowledged)} acknowledged "
        f"edits, {held[-1]} stored, none lost"
    )
