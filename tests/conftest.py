"""Shared fixtures: a fresh workspace per test, on SQLite and on PostgreSQL.

PostgreSQL tests use the server named by REFWATCH_TEST_PG (CI sets it to the local
server); each test gets its own schema, dropped afterwards. Outside CI, when the variable
is unset, they are skipped with a message saying how to run them; in CI a missing server
is a failure, never a skip.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.intake.importer import read_records
from refwatch.intake.readers import Upload
from refwatch.intake.records import import_records
from refwatch.store.crypto import FieldCipher
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.workspace import Workspace, init_workspace
from tests import figures

# Property tests check what is generated, never how fast: Hypothesis's per-example deadline
# (200 ms) and its "too slow" health check are timings, and they failed under CI load.
settings.register_profile("refwatch", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("refwatch")

# Cheap Argon2id for the test suite only; a test checks the shipped default is strong.
TEST_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)
PASSPHRASE = "correct horse battery staple"
PG_URL = os.environ.get("REFWATCH_TEST_PG")
IN_CI = os.environ.get("CI") == "true"

ENGINES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
]


def pytest_configure(config: pytest.Config) -> None:
    # The controller names the figures file; xdist workers inherit the variable.
    if os.environ.get(figures.ENV) is None and not hasattr(config, "workerinput"):
        handle, name = tempfile.mkstemp(prefix="refwatch-figures-", suffix=".jsonl")
        os.close(handle)
        os.environ[figures.ENV] = name


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if hasattr(terminalreporter.config, "workerinput"):
        return
    path = Path(os.environ.get(figures.ENV, ""))
    rows = figures.read(path) if path.name else []
    if path.name:
        path.unlink(missing_ok=True)
    if not rows:
        return
    terminalreporter.section("figures measured by the tests")
    # A test run once per engine under one name reports the same line twice: say so once.
    lines = Counter(f"{row['test']}: {row['figure']} = {row['value']}" for row in rows)
    for line, times in lines.items():
        terminalreporter.write_line(line if times == 1 else f"{line} (in each of {times} runs)")


def pg_url_or_skip() -> str:
    if PG_URL:
        return PG_URL
    if IN_CI:
        pytest.fail("CI must set REFWATCH_TEST_PG; PostgreSQL tests may not be skipped in CI")
    pytest.skip(
        "PostgreSQL tests skipped: set REFWATCH_TEST_PG="
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres to run them"
    )


@pytest.fixture
def secret() -> Secret:
    return Secret(passphrase=PASSPHRASE)


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_target(engine_name: str) -> Iterator[tuple[str | None, str | None]]:
    """(db_url, schema) for a new workspace: (None, None) means SQLite in the folder."""
    if engine_name == "sqlite":
        yield None, None
        return
    url = pg_url_or_skip()
    schema = f"rwtest_{uuid.uuid4().hex[:16]}"
    try:
        yield url, schema
    finally:
        drop_pg_schema(url, schema)


WorkspaceFactory = Callable[..., Workspace]


@pytest.fixture
def make_workspace(
    tmp_path: Path, db_target: tuple[str | None, str | None], secret: Secret
) -> Iterator[WorkspaceFactory]:
    opened: list[Workspace] = []
    url, schema = db_target

    def make(name: str = "ws", use_secret: Secret | None = None) -> Workspace:
        # Several workspaces in one PostgreSQL test get schemas of their own.
        own_schema = (
            None if schema is None else (schema if not opened else f"{schema}_{len(opened)}")
        )
        ws = init_workspace(
            tmp_path / name,
            use_secret or secret,
            db_url=url,
            schema=own_schema,
            actor="tester",
            kdf=TEST_KDF,
        )
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()
        if ws.schema and ws.schema != schema and url:
            drop_pg_schema(url, ws.schema)


@pytest.fixture
def workspace(make_workspace: WorkspaceFactory) -> Workspace:
    return make_workspace()


@pytest.fixture
def cipher(workspace: Workspace, secret: Secret) -> FieldCipher:
    return FieldCipher(workspace.unlock(secret))


def row(**values: str) -> dict[str, str]:
    """A case-list row with every column, empty unless given."""
    unknown = set(values) - set(CASE_COLUMNS)
    assert not unknown, unknown
    return {column: values.get(column, "") for column in CASE_COLUMNS}


def import_with_texts(
    workspace: Workspace, cipher: FieldCipher, path: Path, texts: list[str]
) -> None:
    """Import a case list as the intake form does: each record with its report text (the
    testimony), which only a form carries."""
    records = read_records(Upload(path.name, path.read_bytes()))
    import_records(
        workspace,
        cipher,
        records,
        label="intake form",
        digest=hashlib.sha256(path.read_bytes()).hexdigest(),
        actor="tester",
        texts={record[0]: text for record, text in zip(records, texts, strict=True)},
    )


def write_csv(
    path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = CASE_COLUMNS
) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def sample_rows() -> list[dict[str, str]]:
    return [
        row(
            source="Seoul Documentation Center",
            source_type="ngo_list",
            reported_on="2017-08-16",
            record_id="SEO-00001",
            name_hangul="김송국",
            name_latin="Gim Songkook",
            sex="M",
            birth_year="1971",
            age="46",
            origin="Hamgyongbuk-do, Musan",
            apprehended_on="2017-07-13",
            apprehended_at="图们",
            held_at="Tumen border detention center",
            status="returned",
            status_on="2017-08",
            group="FA71271",
            notes="canary-note-Zq81",
        ),
        row(
            source="Seoul Documentation Center",
            source_type="ngo_list",
            reported_on="2017-08-16",
            record_id="SEO-00002",
            name_latin="Ri Myong-hui",
            sex="F",
            age="9",
            apprehended_on="2017-07/2017-08",
            apprehended_at="Xishuangbanna",
            status="detained",
            group="FA71271",
            flags="child;ill",
        ),
        row(
            source="Family contacts",
            source_type="family",
            reported_on="2017-09",
            name_hangul="박영희",
            sex="F",
            birth_year="1950~",
            apprehended_on="2017-07",
            apprehended_at="a village near the river",
            status="detained",
            flags="older",
        ),
    ]
