"""Helpers for counting tests: import case lists, and link mentions by an answer key.

`link_by_truth` stands in for *confirmed* record linkage: it puts every current mention
on the person the answer key (a simulator's truth.csv) says it describes, exactly as a
linkage run would rewrite `person_links`. Counting is tested on persons = true persons
this way, because linkage is another room's job and the engine must not care who linked.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import bindparam, select, update

from refwatch.counting.evidence import Evidence
from refwatch.intake.importer import import_files
from refwatch.simulate.load_demo import build_demo
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.queries import current_mentions, links
from refwatch.store.workspace import Workspace, open_workspace
from tests.conftest import ENGINES, TEST_KDF, pg_url_or_skip, write_csv


def read_truth(path: Path) -> dict[tuple[str, str], str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}


def link_by_truth(workspace: Workspace, key: dict[tuple[str, str], str]) -> int:
    """Link each current mention to its true person (the first person id among that true
    person's mentions); return how many persons there are afterwards."""
    cm = current_mentions().subquery()
    with workspace.write() as conn:
        rows = conn.execute(
            select(cm.c.id, cm.c.person_id, cm.c.source, cm.c.record_id).order_by(cm.c.person_id)
        ).all()
        chosen: dict[str, str] = {}
        for r in rows:
            chosen.setdefault(key[(r.source, r.record_id)], r.person_id)
        conn.execute(
            update(links)
            .where(links.c.mention_id == bindparam("m"))
            .values(person_id=bindparam("p"), run_id="answer-key", match_probability=1.0),
            [{"m": r.id, "p": chosen[key[(r.source, r.record_id)]]} for r in rows],
        )
        audit.log(conn, "test", "linkage.answer_key", details={"persons": len(chosen)})
    return len(chosen)


def import_rows(
    workspace: Workspace, cipher: FieldCipher, folder: Path, rows: Sequence[dict[str, str]]
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_csv(folder / f"list-{len(list(folder.iterdir()))}.csv", list(rows))
    import_files(workspace, cipher, [path], actor="test")


@pytest.fixture(scope="module", params=ENGINES)
def demo_workspace(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Path]]:
    """The demo workspace (not linked) and its answer key, on each engine."""
    root = tmp_path_factory.mktemp(f"demo-{request.param}")
    url = pg_url_or_skip() if request.param == "postgresql" else None
    build_demo(
        root / "ws",
        Secret(passphrase="demo passphrase"),
        root / "scratch",
        db_url=url,
        kdf=TEST_KDF,
    )
    try:
        yield root / "ws", root / "scratch" / "truth.csv"
    finally:
        if url is not None:
            with open_workspace(root / "ws") as workspace:
                schema = workspace.schema
            assert schema is not None
            drop_pg_schema(url, schema)


@pytest.fixture(scope="module")
def linked_demo(demo_workspace: tuple[Path, Path]) -> Iterator[Workspace]:
    """The demo with its mentions linked by the answer key (persons = true persons)."""
    path, truth = demo_workspace
    with open_workspace(path) as workspace:
        link_by_truth(workspace, read_truth(truth))
        yield workspace


def assert_same_evidence(mine: Evidence, theirs: Evidence) -> None:
    """Every field of two snapshots' evidence equal, arrays in dtype and values."""
    for field in dataclasses.fields(Evidence):
        left, right = getattr(mine, field.name), getattr(theirs, field.name)
        if isinstance(left, np.ndarray):
            assert left.dtype == right.dtype and np.array_equal(left, right), field.name
        else:
            assert left == right, field.name
