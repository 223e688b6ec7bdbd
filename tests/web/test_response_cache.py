"""Trying to break the caches that make requests cheap (issue 19): the evidence clock read
by many threads at once, and counts recorded in the ledger by two workers while the
evidence changes through one of them. A commit in one worker must be seen by the next
request on the other, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from refwatch.accounts import tokens
from refwatch.accounts.accounts import create_user
from refwatch.counting.ledger import read_entry
from refwatch.domain.roles import Role
from refwatch.simulate.demo_users import DEMO_USERS
from refwatch.simulate.load_demo import build_demo
from refwatch.store import audit
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.workspace import Workspace, open_workspace
from refwatch.web.evidence_clock import EvidenceClock
from tests.conftest import PASSPHRASE, TEST_KDF, pg_url_or_skip
from tests.web.conftest import TEST_HASHER
from tests.web.multiworker import Browser, Server, serving_workers

PASSWORDS = {name: password for name, _, password in DEMO_USERS}


def test_the_evidence_clock_read_by_many_threads_never_misses_a_change(
    workspace: Workspace,
) -> None:
    """Each thread commits a change and then asks the shared clock: the version it gets
    must include its own change, however the threads interleave (none holds the lock
    across a query any more, so they merge what they read)."""
    clock = EvidenceClock()
    with workspace.read() as conn:
        clock.version(conn)
    failures: list[str] = []

    def work(n: int) -> None:
        for i in range(15):
            with workspace.write() as conn:
                audit.log(conn, "tester", "names.read")  # quiet: moves nothing
                audit.log(conn, "tester", f"import.change-{n}-{i}")
                mine = audit.head(conn).seq
            with workspace.read() as conn:
                seen = clock.version(conn)
            if seen < mine:
                failures.append(f"thread {n}: change {mine} committed, clock said {seen}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    with workspace.write() as conn:
        audit.log(conn, "tester", "names.read")
    with workspace.read() as conn:
        last = clock.version(conn)
        assert last == audit.head(conn).seq - 1, "a quiet entry moved the clock"


@dataclass
class Env:
    server: Server
    path: Path
    db_url: str | None
    token: str

    def api(self) -> Browser:
        return Browser(self.server.base, headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    db_url = pg_url_or_skip() if request.param == "postgresql" else None
    root = tmp_path_factory.mktemp(f"cache-{request.param}")
    path = root / "ws"
    build_demo(path, Secret(passphrase=PASSPHRASE), root / "files", db_url=db_url, kdf=TEST_KDF)
    with open_workspace(path, db_url) as workspace:
        schema = workspace.schema
        user = create_user(
            workspace, "cache-researcher", "cache-researcher-pw-1", Role.RESEARCHER,
            actor="t", hasher=TEST_HASHER,
        )  # fmt: skip
        _, raw = tokens.issue_token(workspace, user.id, Role.RESEARCHER, "tests", actor="t")
    extra = ("--db", db_url) if db_url else ()
    try:
        with serving_workers(
            path, root / "serve.log", {"REFWATCH_PASSPHRASE": PASSPHRASE}, extra=extra
        ) as server:
            yield Env(server, path, db_url, raw)
    finally:
        if db_url and schema:
            drop_pg_schema(db_url, schema)


def _count(env: Env, api: Browser, pid: int) -> dict[str, object]:
    answer = api.get(pid, "/api/v1/counts", params={"event": "detention"})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert isinstance(found, dict)
    with open_workspace(env.path, env.db_url) as workspace:
        entry = read_entry(workspace, str(found["ledger_id"]))
    persons = found["persons"]
    assert isinstance(persons, list)
    assert sorted(entry["certain"] + entry["uncertain"]) == sorted(persons), (
        "the ledger entry does not list the persons the answer counted"
    )
    assert entry["snapshot_hash"] == found["snapshot"]
    return found


@pytest.mark.slow
def test_counts_recorded_by_two_workers_follow_a_merge_made_on_one_of_them(env: Env) -> None:
    """Both workers answer the same count twice (the repeats store references to an
    earlier entry's persons), then two persons are merged through worker B: worker A's
    next count and its ledger entry must come from the new evidence, not from the entry
    it had been referring to."""
    api = env.api()
    a, b = env.server.pids
    before = [_count(env, api, pid) for pid in (a, a, b, b)]
    ids = [str(found["ledger_id"]) for found in before]
    assert len(set(ids)) == 4
    assert len({str(found["snapshot"]) for found in before}) == 1
    listed = api.get(a, "/api/v1/persons", params={"limit": 2, "status": "detained"}).json()
    first, second = (p["id"] for p in listed["persons"])
    browser = Browser(env.server.base)
    assert browser.sign_in(a, b, "researcher", PASSWORDS["researcher"]).status_code == 303
    token = browser.csrf(b, f"/persons/{first}")
    merged = browser.post(
        b,
        f"/persons/{first}/merge",
        data={"csrf_token": token, "other": second, "reason": "one person (test)"},
    )
    assert merged.status_code == 303, merged.text[:300]
    after = _count(env, api, a)
    assert after["snapshot"] != before[0]["snapshot"], "worker A counted from its old snapshot"
    assert second not in after["persons"] or first not in after["persons"]  # type: ignore[operator]
    again = _count(env, api, b)
    assert again["snapshot"] == after["snapshot"] and again["persons"] == after["persons"]
