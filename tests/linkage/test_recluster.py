"""Re-clustering at another threshold: read-only, monotone, and obedient to decisions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from refwatch.linkage import LinkageConfig, decide, run_linkage
from refwatch.linkage.recluster import recluster
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, PersonLink, table_of
from refwatch.store.workspace import Workspace
from tests.linkage.conftest import WorldFactory, groups, person_of


def _state(workspace: Workspace) -> tuple[int, int, list[tuple[str, str]]]:
    with workspace.read() as conn:
        audit_rows = conn.execute(select(func.count()).select_from(table_of(AuditEntry)))
        link_rows = conn.execute(select(func.count()).select_from(table_of(PersonLink)))
        counts = (audit_rows.scalar_one(), link_rows.scalar_one())
    return (*counts, sorted(person_of(workspace).items()))


def _count(assignment: dict[str, str]) -> int:
    return len(set(assignment.values()))


def test_stricter_thresholds_give_more_persons_and_looser_fewer_without_writing(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher, people=60)
    run_linkage(workspace, cipher, "tester")
    before = _state(workspace)
    now = person_of(workspace)
    with workspace.read() as conn:
        line = LinkageConfig().threshold  # 0.45 since settings version 7
        counts = {t: _count(recluster(conn, t)) for t in (0.05, 0.35, line, 0.9, 0.999)}
    assert _state(workspace) == before  # nothing written, not even an audit entry
    assert counts[0.05] <= counts[0.35] <= counts[line] <= counts[0.9] <= counts[0.999]
    assert counts[0.999] > counts[0.05]  # the line matters on this world
    # At the run's own threshold the persons are (nearly) those of the run: the only
    # difference allowed comes from pairs the run dropped and recluster cannot see.
    assert abs(counts[line] - _count(now)) <= max(1, _count(now) // 50)


def test_unchanged_persons_keep_their_ids_and_split_pieces_get_distinct_ones(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher, people=60)
    run_linkage(workspace, cipher, "tester")
    now = person_of(workspace)
    with workspace.read() as conn:
        strict = recluster(conn, 0.999)
    assert set(strict) == set(now)
    for group in groups(strict):
        persons_now = {now[m] for m in group}
        assert len(persons_now) == 1  # a stricter line only splits, never joins
    kept = [p for p in set(strict.values()) if "/" not in p]
    assert kept and all(p in set(now.values()) for p in kept)
    assert _count(strict) == len(groups(strict))  # labels are unique per cluster


def test_a_not_the_same_decision_holds_at_every_threshold(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher, people=40)
    run_linkage(workspace, cipher, "tester")
    joined = next(g for g in groups(person_of(workspace)) if len(g) >= 2)
    a, b = sorted(joined)[:2]
    decide(workspace, a, b, False, "reviewer")
    with workspace.read() as conn:
        for threshold in (0.01, 0.35, 0.9):
            assignment = recluster(conn, threshold)
            assert assignment[a] != assignment[b]


def test_a_threshold_outside_zero_to_one_is_refused(workspace: Workspace) -> None:
    with workspace.read() as conn, pytest.raises(ValueError, match="between 0 and 1"):
        recluster(conn, 1.5)
