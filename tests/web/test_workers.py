"""`refwatch serve --workers 2`, for real: two processes behind one port, on SQLite and
PostgreSQL. Every test sends requests to a worker of its choosing (tests/web/multiworker.py)
and tries to catch state that one process keeps and the other does not see:

- a sign-in form served by one worker, posted to the other (pre-session CSRF key);
- a session made by one worker, used and ended through the other;
- wrong passwords spread over both workers (the throttle counts them all);
- the TOTP step on the other worker, and the same code replayed (refused);
- a count cached by one worker, evidence pinned through the other;
- two linkage runs started through the two workers (one is refused);
- a fact sheet made by one worker, opened through the other;
- a case list previewed by one worker, committed through the other (shared store);
- the key: never in a worker's environment or command line, never written to a file in
  the workspace or /tmp;
- the JSON logs of all of it: no name, note, password, token or session id;
- 32 connections opened at once: both workers get a share;
- a worker killed: its replacement gets the keys too, and its socket.

One server per engine for the whole module (slow: two workers start in ~10-20 s).
"""

from __future__ import annotations

import asyncio
import base64
import csv
import json
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from refwatch.accounts import second_factor, tokens
from refwatch.accounts.accounts import create_user
from refwatch.domain.roles import Role
from refwatch.linkage.run_lock import held_elsewhere
from refwatch.simulate.demo_users import DEMO_USERS
from refwatch.simulate.load_demo import build_demo
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkageRun
from refwatch.store.workspace import open_workspace
from tests.conftest import PASSPHRASE, TEST_KDF, pg_url_or_skip
from tests.web.conftest import TEST_HASHER
from tests.web.multiworker import WORKER, Browser, Server, serving_workers

pytestmark = pytest.mark.slow

THROTTLED_USER = "throttled-user"
TOTP_USER = "totp-user"
TOTP_PASSWORD = "totp-user-password-1"
THROTTLE_PASSWORD = "throttled-password-1"
DEMO_PASSWORDS = {name: password for name, _, password in DEMO_USERS}


@dataclass
class Env:
    server: Server
    path: Path
    db_url: str | None
    scratch: Path
    totp_secret: str
    researcher_token: str
    secrets_seen: list[str]

    @property
    def a(self) -> int:
        return self.server.pids[0]

    @property
    def b(self) -> int:
        return self.server.pids[1]

    def browser(self) -> Browser:
        return Browser(self.server.base)

    def api(self) -> Browser:
        return Browser(
            self.server.base, headers={"Authorization": f"Bearer {self.researcher_token}"}
        )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    db_url = pg_url_or_skip() if request.param == "postgresql" else None
    root = tmp_path_factory.mktemp(f"workers-{request.param}")
    path, scratch = root / "ws", root / "demo-files"
    secret = Secret(passphrase=PASSPHRASE)
    build_demo(path, secret, scratch, db_url=db_url, kdf=TEST_KDF, link=False)
    with open_workspace(path, db_url) as workspace:
        schema = workspace.schema
        create_user(
            workspace, THROTTLED_USER, THROTTLE_PASSWORD, Role.VIEWER, actor="t", hasher=TEST_HASHER
        )
        account = create_user(
            workspace, TOTP_USER, TOTP_PASSWORD, Role.VIEWER, actor="t", hasher=TEST_HASHER
        )
        key = second_factor.new_secret()
        # Enabled with the previous step's code, so the current step is free to sign in with.
        past = datetime.now(UTC) - timedelta(seconds=30)
        second_factor.enable(
            workspace, account.id, key, second_factor.code_for(key, past), past, actor="t"
        )
        researcher = create_user(
            workspace,
            "api-researcher",
            "api-researcher-pw-1",
            Role.RESEARCHER,
            actor="t",
            hasher=TEST_HASHER,
        )
        _, raw_token = tokens.issue_token(
            workspace, researcher.id, Role.RESEARCHER, "tests", actor="t"
        )
    extra = ("--db", db_url) if db_url else ()
    try:
        with serving_workers(
            path, root / "serve.log", {"REFWATCH_PASSPHRASE": PASSPHRASE}, extra=extra
        ) as server:
            yield Env(server, path, db_url, scratch, key, raw_token, [raw_token, key])
    finally:
        if db_url and schema:
            drop_pg_schema(db_url, schema)


def signed_in(env: Env, username: str) -> Browser:
    browser = env.browser()
    answer = browser.sign_in(env.a, env.b, username, DEMO_PASSWORDS[username])
    assert answer.status_code == 303, answer.text
    return browser


def test_two_workers_answer(env: Env) -> None:
    assert env.a != env.b
    spawned = env.server.worker_pids()
    # The two workers, and the process holding the uploads awaiting their commit.
    assert set(env.server.pids) < set(spawned) and len(spawned) == 3


def test_a_session_made_by_one_worker_works_and_ends_on_the_other(env: Env) -> None:
    browser = env.browser()
    # The form (and its pre-session CSRF token) from worker A, the password to worker B.
    answer = browser.sign_in(env.a, env.b, "researcher", DEMO_PASSWORDS["researcher"])
    assert answer.status_code == 303
    env.secrets_seen.extend(browser.cookies.values())
    for pid in (env.a, env.b, env.a):
        page = browser.get(pid, "/persons")
        assert page.status_code == 200, pid
    token = browser.csrf(env.b, "/account")
    env.secrets_seen.append(token)
    # CSRF: the session's token is accepted by either worker, a missing one by neither.
    assert browser.post(env.a, "/sign-out").status_code == 403
    assert browser.post(env.b, "/sign-out", data={"csrf_token": "wrong"}).status_code == 403
    assert browser.post(env.a, "/sign-out", data={"csrf_token": token}).status_code == 303
    assert browser.get(env.b, "/persons").status_code == 303, "signed out on every worker"


def test_wrong_passwords_on_both_workers_are_counted_together(env: Env) -> None:
    browser = env.browser()
    statuses = [
        browser.sign_in(pid, pid, THROTTLED_USER, f"wrong-password-{i}").status_code
        for i, pid in enumerate([env.a, env.b] * 3)
    ]
    assert statuses[:5] == [401] * 5, statuses
    assert statuses[5] == 429, "the sixth failure, on the other worker, is throttled"
    # Now even the right password waits, on both workers.
    for pid in (env.a, env.b):
        assert browser.sign_in(pid, pid, THROTTLED_USER, THROTTLE_PASSWORD).status_code == 429


def test_second_factor_across_workers_and_no_replay(env: Env) -> None:
    first = env.browser()
    assert first.sign_in(env.a, env.a, TOTP_USER, TOTP_PASSWORD).status_code == 303
    code = second_factor.code_for(env.totp_secret, datetime.now(UTC))
    token = first.csrf(env.b, "/sign-in/code")
    done = first.post(env.b, "/sign-in/code", data={"code": code, "csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert first.get(env.a, "/").status_code == 200
    # The same code, at once, through the other worker: refused (used once only).
    second = env.browser()
    assert second.sign_in(env.b, env.b, TOTP_USER, TOTP_PASSWORD).status_code == 303
    token = second.csrf(env.a, "/sign-in/code")
    replay = second.post(env.a, "/sign-in/code", data={"code": code, "csrf_token": token})
    assert replay.status_code == 401


def _count(api: Browser, pid: int) -> tuple[int, str, int]:
    """(persons counted at most, the snapshot hash, persons listed) as worker `pid` sees."""
    answer = api.get(pid, "/api/v1/counts")
    assert answer.status_code == 200, answer.text
    listed = api.get(pid, "/api/v1/persons", params={"limit": 1}).json()["total"]
    return int(answer.json()["at_most"]), str(answer.json()["snapshot"]), int(listed)


def test_a_count_cached_by_one_worker_follows_an_edit_made_on_the_other(env: Env) -> None:
    """Both workers warm their caches (count snapshot, person list), then two persons are
    merged through worker B: worker A must not answer from what it had cached."""
    api = env.api()
    before_a, before_b = _count(api, env.a), _count(api, env.b)
    assert before_a == before_b
    persons = api.get(env.a, "/api/v1/persons", params={"limit": 2}).json()["persons"]
    first, second = persons[0]["id"], persons[1]["id"]
    browser = signed_in(env, "researcher")
    token = browser.csrf(env.b, f"/persons/{first}")
    merged = browser.post(
        env.b,
        f"/persons/{first}/merge",
        data={"csrf_token": token, "other": second, "reason": "one person (test)"},
    )
    assert merged.status_code == 303, merged.text[:300]
    after_a, after_b = _count(api, env.a), _count(api, env.b)
    assert after_a == after_b, "both workers answer from the same evidence"
    assert after_a[1] != before_a[1], "worker A answered from its old count snapshot"
    assert after_a[2] == before_a[2] - 1, "worker A listed persons from its old cache"


def _runs(env: Env) -> list[str]:
    with open_workspace(env.path, env.db_url) as workspace:
        table = table_of(LinkageRun)
        with workspace.read() as conn:
            found = conn.execute(select(table.c.status).order_by(table.c.started_at))
            return [str(status) for status in found.scalars()]


def test_two_linkage_runs_through_two_workers_one_is_refused(env: Env) -> None:
    browser = signed_in(env, "researcher")
    before = _runs(env)
    token = browser.csrf(env.a, "/linkage")
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    first = browser.post(env.a, "/linkage/run", headers=headers)
    second = browser.post(env.b, "/linkage/run", headers=headers)
    assert first.status_code == 200, first.text
    deadline = time.monotonic() + 180
    with open_workspace(env.path, env.db_url) as workspace:
        if second.status_code == 200:
            # B started before A's thread took the lock: B's run must be refused by it.
            while (
                "refused" not in browser.get(env.b, "/linkage/status").text
                and time.monotonic() < deadline
            ):
                time.sleep(0.2)
        else:
            assert second.status_code == 409
        # While A's run holds the lock, worker B says a run is going.
        status_b = browser.get(env.b, "/linkage/status").text
        running = held_elsewhere(workspace)
        if running:
            assert "already going" in status_b or "refused" in status_b
        while held_elsewhere(workspace) and time.monotonic() < deadline:
            time.sleep(0.3)
    after = _runs(env)[len(before) :]
    assert after.count("done") == 1, after
    assert len(after) == 1, "the refused run did no work and wrote no run"


def test_a_fact_sheet_made_by_one_worker_opens_on_the_other(env: Env) -> None:
    if env.db_url is not None:
        pytest.skip("fact sheets are files in the workspace folder: one engine is enough")
    browser = signed_in(env, "researcher")
    token = browser.csrf(env.a, "/factsheets")
    made = browser.post(
        env.a,
        "/factsheets",
        data={"csrf_token": token, "edition": "internal", "from": "2016", "to": "2026"},
    )
    assert made.status_code == 303, made.text[:500]
    sheet = made.headers["location"].rsplit("/", 1)[1]
    assert f"/factsheets/{sheet}.pdf" in browser.get(env.b, "/factsheets").text
    assert browser.get(env.b, f"/factsheets/{sheet}").status_code == 200
    pdf = browser.get(env.b, f"/factsheets/{sheet}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def _upload() -> tuple[bytes, list[bytes]]:
    """A case list with names made up now (so no file could hold them beforehand)."""
    import random
    import string

    tag = "".join(random.choices(string.ascii_lowercase, k=10)).capitalize()
    names = [f"Pyon Ok-sun {tag}".encode(), f"Tak Chol-min {tag}".encode()]
    data = (
        b"source,record_id,name_latin,apprehended_on,apprehended_at,status\n"
        b"Upload list,W-1," + names[0] + b",2017-07,Changbai,detained\n"
        b"Upload list,W-2," + names[1] + b",2017-07/2017-08,Tumen,detained\n"
    )
    return data, names


def test_an_upload_previewed_by_one_worker_is_committed_by_the_other(env: Env) -> None:
    """The preview keeps the case list in the store every worker shares (in memory, in
    the server's own process): the commit, through the other worker, finds it once."""
    upload, names = _upload()
    browser = signed_in(env, "researcher")
    token = browser.csrf(env.a, "/intake")
    preview = browser.post(
        env.a,
        "/intake/upload",
        content=upload,
        headers={
            "Content-Type": "application/octet-stream",
            "X-File-Name": "workers.csv",
            "X-CSRF-Token": token,
        },
    )
    assert preview.status_code == 200, preview.text[:300]
    pending = preview.text.split('name="token" value="')[1].split('"')[0]
    form = {"token": pending, "csrf_token": token}
    committed = browser.post(env.b, "/intake/upload/commit", data=form)
    assert committed.status_code == 303, committed.text[:300]
    assert browser.post(env.a, "/intake/upload/commit", data=form).status_code == 410
    # Someone else cannot take another user's pending upload, on either worker.
    other = signed_in(env, "admin")
    again = other.post(
        env.a,
        "/intake/upload",
        content=upload,
        headers={
            "Content-Type": "application/octet-stream",
            "X-File-Name": "workers.csv",
            "X-CSRF-Token": other.csrf(env.a, "/intake"),
        },
    )
    assert again.status_code == 200
    for line in names:
        for root in (env.path, Path("/tmp")):
            for path in _files_below(root):
                try:
                    if path.is_file() and path.stat().st_size < 64 << 20:
                        assert line not in path.read_bytes(), f"an uploaded name in {path}"
                except OSError:
                    continue


def _files_below(root: Path) -> Iterator[Path]:
    """Every file below `root`, tolerating folders that other tests (running at the same
    time under xdist) remove while the walk is under way: rglob stops on those."""
    for folder, _dirs, files in os.walk(root, onerror=lambda _error: None):
        for name in files:
            yield Path(folder) / name


def _demo_values(scratch: Path) -> set[str]:
    values: set[str] = set()
    for path in scratch.glob("*.csv"):
        if path.name == "truth.csv":
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for column in ("name_hangul", "name_latin", "notes"):
                    value = (row.get(column) or "").strip()
                    if len(value) >= (3 if column.startswith("name") else 8):
                        values.add(value)
    return values


def _key_forms(env: Env) -> list[bytes]:
    with open_workspace(env.path, env.db_url) as workspace:
        ring = workspace.unlock(Secret(passphrase=PASSPHRASE))
    forms = [PASSPHRASE.encode()]
    for version in ring.versions:
        raw = ring.key(version)
        forms += [raw, raw.hex().encode(), base64.b64encode(raw), base64.urlsafe_b64encode(raw)]
    return forms


def test_the_key_is_never_in_a_worker_environment_nor_on_disk(env: Env) -> None:
    forms = _key_forms(env)
    for pid in env.server.worker_pids():
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        for form in forms:
            assert form not in environ, f"worker {pid} has key material in its environment"
            assert form not in cmdline
    started = env.server.log_path.stat().st_ctime - 600
    scanned = 0
    for root in (env.path, Path("/tmp")):
        for path in _files_below(root):
            try:
                info = path.lstat()
                if (
                    not path.is_file()
                    or path.is_symlink()
                    or info.st_mtime < started
                    or info.st_size > 64 << 20
                ):
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            scanned += 1
            # The data keys are random: found anywhere, they were written. The test
            # passphrase is a constant of the test suite (any copy of its source holds
            # it): it is looked for in the workspace only.
            for form in forms[1:] if root != env.path else forms:
                assert form not in data, f"key material written to {path}"
    assert scanned > 0


def test_json_logs_carry_no_name_note_password_or_token(env: Env) -> None:
    """Drive the demo through sign-in, person pages, a name search and an edit, then read
    every log line of both workers."""
    if env.db_url is not None:
        pytest.skip("what is logged does not depend on the engine: SQLite is enough")
    browser = signed_in(env, "researcher")
    persons = env.api().get(env.a, "/api/v1/persons", params={"limit": 20}).json()["persons"]
    names = sorted(_demo_values(env.scratch))
    for i, person in enumerate(persons[:10]):
        pid = env.a if i % 2 else env.b
        assert browser.get(pid, f"/persons/{person['id']}").status_code == 200
        browser.get(pid, "/persons", params={"q": names[i]})
    token = browser.csrf(env.a, "/persons")
    browser.post(env.b, "/persons", data={"csrf_token": token, "q": names[0]})
    env.secrets_seen.extend(browser.cookies.values())
    env.secrets_seen.append(token)
    time.sleep(1.0)
    lines = env.server.log_path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert {r["pid"] for r in records if r.get("logger") == "refwatch.access"} >= {env.a, env.b}
    routes = {r.get("route") for r in records}
    assert "/persons/{person_id}" in routes
    text = "\n".join(lines)
    leaks = [v for v in names if v in text]
    assert not leaks, f"{len(leaks)} demo names or notes are in the logs"
    for secret in [*DEMO_PASSWORDS.values(), TOTP_PASSWORD, PASSPHRASE, *env.secrets_seen]:
        assert secret not in text
    assert "rwt_" not in text
    assert str(uuid.UUID(int=0)) not in text  # sanity: the check runs on real text
    assert len(records) > 20


def test_connections_made_together_are_shared_between_the_workers(env: Env) -> None:
    """32 keep-alive connections opened at once: with one socket shared by both workers,
    the first to wake took all of them in most rounds (refwatch.web.worker_sockets). With
    a socket each, the kernel places them by a hash: fewer than 4 on one worker has a
    chance of about 3 in a million."""

    async def opened_together() -> list[int]:
        async def one() -> int:
            async with httpx.AsyncClient(base_url=env.server.base, timeout=60) as client:
                first = await client.get("/healthz")
                again = await client.get("/healthz")  # the same connection, kept alive
                assert first.headers[WORKER] == again.headers[WORKER]
                return int(first.headers[WORKER])

        return list(await asyncio.gather(*(one() for _ in range(32))))

    placed = Counter(asyncio.run(opened_together()))
    assert set(placed) == {env.a, env.b}, placed
    assert min(placed.values()) >= 4, placed


def test_a_worker_that_dies_is_replaced_and_unlocked(env: Env) -> None:
    """uvicorn starts a new worker for one killed; it gets the keys through the same pipe
    (last in the module: the server's workers change)."""
    os.kill(env.a, signal.SIGKILL)
    deadline = time.monotonic() + 90
    fresh: dict[str, object] = {}
    while time.monotonic() < deadline and not fresh:
        try:
            with httpx.Client(base_url=env.server.base, timeout=10) as client:
                answer = client.get("/readyz")
        except httpx.TransportError:
            continue
        if int(answer.headers["x-refwatch-worker"]) not in env.server.pids:
            fresh = {"code": answer.status_code, **answer.json()}
        time.sleep(0.1)
    assert fresh, "no new worker answered"
    assert fresh["code"] == 200 and fresh["status"] == "ready"
    assert fresh["checks"] == {
        "database": "ok",
        "key": "ok",
        "migrations": "ok",
    }
