"""Linkage fixtures: a small synthetic world imported into the workspace, with its truth."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.intake.importer import import_files
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions
from refwatch.store.schema import PersonLink, table_of
from refwatch.store.workspace import Workspace

links = table_of(PersonLink)


@dataclass
class World:
    """A synthetic world in a workspace: truth maps (source, record id) to a true person."""

    folder: Path
    truth: dict[tuple[str, str], str]
    rows: int

    def true_person_of(self, workspace: Workspace) -> dict[str, str]:
        """Mention id -> true person id, for the current mentions."""
        with workspace.read() as conn:
            return {
                row.id: self.truth[(row.source, row.record_id)]
                for row in conn.execute(current_mentions())
            }


def person_of(workspace: Workspace) -> dict[str, str]:
    """Mention id -> person id, current mentions only."""
    with workspace.read() as conn:
        return {row.id: row.person_id for row in conn.execute(current_mentions())}


def all_links(workspace: Workspace) -> dict[str, str]:
    with workspace.read() as conn:
        return {r.mention_id: r.person_id for r in conn.execute(select(links))}


def groups(assignment: dict[str, str]) -> list[set[str]]:
    found: dict[str, set[str]] = {}
    for mention, person in assignment.items():
        found.setdefault(person, set()).add(mention)
    return list(found.values())


WorldFactory = Callable[..., World]


@pytest.fixture
def make_world(tmp_path: Path) -> WorldFactory:
    def make(
        workspace: Workspace, cipher: FieldCipher, *, people: int = 40, seed: int = 5
    ) -> World:
        folder = tmp_path / f"world-{people}-{seed}"
        summary = simulate_world(folder, people=people, sources=4, seed=seed)
        import_files(workspace, cipher, list(summary.case_lists), actor="tester")
        with open(summary.truth, encoding="utf-8", newline="") as handle:
            truth = {
                (row["source"], row["record_id"]): row["true_person_id"]
                for row in csv.DictReader(handle)
            }
        return World(folder, truth, summary.rows)

    return make
