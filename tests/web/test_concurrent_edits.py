"""Twenty concurrent writers edit the same few persons through a real server.

`refwatch serve` (uvicorn) runs in its own process on 127.0.0.1; twenty threads, each with
its own API token and HTTP connection, start together and each make a bounded number of
read-then-write attempts (GET the person's version, PATCH with it) on the same three
persons. On SQLite and on PostgreSQL:

- no lost update: each person's final version is 1 + the number of answered wins, and
  every win (its version, status and sealed reason) is in the person's history, once;
- losers get 409 with the version now stored; nothing else is answered (no 5xx);
- no deadlock: every writer finishes within a deadline;
- the audit chain verifies, and holds one `person.pin` entry per win, in one line.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import select

from refwatch.domain.roles import Role
from refwatch.intake.importer import import_file
from refwatch.store import person_pins
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests import figures
from tests.conftest import write_csv
from tests.web.live_server import bearer, issue_tokens, serving

WRITERS = 20
ATTEMPTS = 8  # per writer: a bounded loop
PERSONS = ("P-000001", "P-000002", "P-000003")
STATUSES = ("returned", "detained", "released", "safe")
DEADLINE = 240.0  # seconds for all writers together; passing it means a hang or deadlock


@dataclass(frozen=True)
class Attempt:
    writer: str
    person: str
    sent_version: int
    status: str
    reason: str
    code: int
    body: Any


def writer_loop(
    base: str, name: str, token: str, index: int, start: threading.Barrier, out: list[Attempt]
) -> None:
    with httpx.Client(base_url=base, headers=bearer(token), timeout=60.0) as client:
        start.wait(timeout=60)
        for attempt in range(ATTEMPTS):
            person = PERSONS[(index + attempt) % len(PERSONS)]
            read = client.get(f"/api/v1/persons/{person}/pin")
            read.raise_for_status()
            version = int(read.json()["version"])
            status = STATUSES[(index * ATTEMPTS + attempt) % len(STATUSES)]
            reason = f"{name} attempt {attempt}"
            answer = client.patch(
                f"/api/v1/persons/{person}",
                json={"version": version, "status": status, "as_of": "2017-09", "reason": reason},
            )
            body = (
                answer.json()
                if answer.headers.get("content-type", "").startswith("application/json")
                else answer.text
            )
            out.append(Attempt(name, person, version, status, reason, answer.status_code, body))


def run_writers(base: str, writer_tokens: dict[str, str]) -> tuple[list[Attempt], float]:
    start = threading.Barrier(len(writer_tokens))
    outcomes: dict[str, list[Attempt]] = {name: [] for name in writer_tokens}
    threads = [
        threading.Thread(
            target=writer_loop,
            args=(base, name, token, i, start, outcomes[name]),
            name=name,
            daemon=True,
        )
        for i, (name, token) in enumerate(sorted(writer_tokens.items()))
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, DEADLINE - (time.monotonic() - began)))
    stuck = [t.name for t in threads if t.is_alive()]
    assert stuck == [], f"writers still running after {DEADLINE:.0f} s (deadlock?): {stuck}"
    return [a for name in sorted(outcomes) for a in outcomes[name]], time.monotonic() - began


def pin_entries(workspace: Workspace) -> list[Any]:
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        return list(
            conn.execute(
                select(entries).where(entries.c.action == "person.pin").order_by(entries.c.seq)
            )
        )


@pytest.mark.slow
def test_twenty_concurrent_writers_lose_no_update_and_the_losers_get_409(
    workspace: Workspace,
    cipher: FieldCipher,
    tmp_path: Path,
    sample_rows: list[dict[str, str]],
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "list.csv", sample_rows))
    names = [(f"writer-{i:02d}", Role.RESEARCHER if i % 2 else Role.ADMIN) for i in range(WRITERS)]
    writer_tokens = issue_tokens(workspace, names)

    with serving(workspace.path, tmp_path / "server.log") as server:
        attempts, seconds = run_writers(server.base, writer_tokens)

    assert len(attempts) == WRITERS * ATTEMPTS
    codes = Counter(a.code for a in attempts)
    assert set(codes) <= {200, 409}, f"unexpected answers: {codes}"
    wins = [a for a in attempts if a.code == 200]
    losses = [a for a in attempts if a.code == 409]
    assert losses, "twenty writers on three persons never collided: the test proved nothing"
    for lost in losses:
        assert lost.body["current_version"] > lost.body["your_version"] == lost.sent_version
        assert "changed by someone else" in lost.body["detail"]
    for won in wins:
        assert won.body["version"] == won.sent_version + 1

    with workspace.read() as conn:
        states = {p: person_pins.pin_state(conn, p) for p in PERSONS}
    for person in PERSONS:
        state = states[person]
        assert state is not None
        version, history = state
        won_here = sorted(
            (w.body["version"], w.status, w.reason) for w in wins if w.person == person
        )
        assert version == 1 + len(won_here), f"{person}: an update was lost"
        assert [h.version for h in history] == list(range(2, version + 1))
        assert [(h.version, h.status, h.reason(cipher)) for h in history] == won_here

    report = workspace.verify_audit()
    assert report.ok, report.problem
    logged = pin_entries(workspace)
    assert len(logged) == len(wins)
    assert sorted((e.record_id, json.loads(e.details)["version"], e.actor) for e in logged) == (
        sorted((w.person, w.body["version"], f"web:{w.writer}") for w in wins)
    )
    test = f"test_concurrent_edits[{workspace.dialect}]"
    figures.record(test, "writers", WRITERS)
    figures.record(test, "attempts", len(attempts))
    figures.record(test, "conflicts answered 409", len(losses))
    figures.record(test, "updates held (answered 200, all stored)", len(wins))
    figures.record(test, "updates lost", 0)
    print(
        f"\n{workspace.dialect}: {WRITERS} writers, {len(attempts)} attempts, "
        f"{len(wins)} wins, {len(losses)} conflicts (409), 0 lost, {seconds:.1f} s"
    )
