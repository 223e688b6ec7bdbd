"""Sharing fixtures: a small synthetic world whose sources are separate organisations.

Each source is imported into its own workspace and linked there, as each organisation
would do before encoding; the truth maps every case-list row to its true person.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.intake.importer import import_files
from refwatch.linkage import run_linkage
from refwatch.share.encoding import PersonTokens
from refwatch.share.link import LinkOptions, LinkResult, link_files
from refwatch.share.workspace import encode_people
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.queries import current_mentions
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import WorkspaceFactory

SHARED = b"the shared secret of the test exchange"


@dataclass
class Org:
    label: str
    workspace: Workspace
    cipher: FieldCipher
    case_list: Path


@dataclass
class SharedWorld:
    folder: Path
    orgs: list[Org]
    truth: dict[tuple[str, str], str]
    rows: list[dict[str, str]]

    def true_of_person(self, org: Org) -> dict[str, str]:
        """Local person id -> the true person most of its mentions belong to."""
        with org.workspace.read() as conn:
            rows = conn.execute(current_mentions()).all()
        votes: dict[str, list[str]] = {}
        for r in rows:
            votes.setdefault(r.person_id, []).append(self.truth[(r.source, r.record_id)])
        return {p: max(set(v), key=v.count) for p, v in votes.items()}


def audit_actions(workspace: Workspace) -> list[tuple[str, str]]:
    """(action, details text) of every audit entry."""
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        return [(str(r.action), str(r.details)) for r in conn.execute(select(entries))]


def build_world(
    folder: Path,
    make: Callable[[str], Workspace],
    secret: Secret,
    people: int,
    sources: int,
    seed: int,
) -> SharedWorld:
    summary = simulate_world(folder / "world", people=people, sources=sources, seed=seed)
    with open(summary.truth, encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}
    rows: list[dict[str, str]] = []
    orgs = []
    for i, path in enumerate(summary.case_lists):
        with open(path, encoding="utf-8", newline="") as handle:
            listed = list(csv.DictReader(handle))
        rows.extend(listed)
        ws = make(f"org{i}")
        cipher = FieldCipher(ws.unlock(secret))
        import_files(ws, cipher, [path], actor="tester")
        run_linkage(ws, cipher, "tester")
        orgs.append(Org(listed[0]["source"], ws, cipher, path))
    return SharedWorld(folder, orgs, truth, rows)


@pytest.fixture
def shared_world(tmp_path: Path, make_workspace: WorkspaceFactory, secret: Secret) -> SharedWorld:
    return build_world(tmp_path, make_workspace, secret, people=150, sources=3, seed=11)


def exchange_between_two(
    people: list[PersonTokens], rng: random.Random, secret: bytes
) -> tuple[LinkResult, list[int]]:
    """Two organisations each hold a random 60% of `people`, encode what they hold and
    hand it to a coordinator who links the two files: the result, and for each encoded
    record (in the coordinator's order) the index of its person in `people`."""
    held = [sorted(rng.sample(range(len(people)), int(len(people) * 0.6))) for _ in range(2)]
    files = [
        encode_people(
            [str(i) for i in ids],
            [people[i] for i in ids],
            {},
            secret=secret,
            organisation=f"org{n}",
        )
        for n, ids in enumerate(held)
    ]
    result = link_files(files, LinkOptions(same_file_margin=None))
    return result, [int(i) for f in files for i in (f.local_ids or [])]
