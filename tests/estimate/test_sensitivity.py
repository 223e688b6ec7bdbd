"""Linkage sensitivity on a real linkage run: persons and estimates at several thresholds."""

from __future__ import annotations

from sqlalchemy import func, select

from refwatch.estimate import EstimateOptions
from refwatch.estimate.histories import HistoriesQuery
from refwatch.estimate.sensitivity import linkage_sensitivity
from refwatch.linkage import run_linkage
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests.linkage.conftest import WorldFactory, make_world, person_of

__all__ = ["make_world"]  # the fixture, shared with the linkage tests


def test_sensitivity_reclusters_both_ways_and_writes_nothing(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher, people=120, seed=7)
    run_linkage(workspace, cipher, "tester")
    persons_now = len(set(person_of(workspace).values()))
    with workspace.read() as conn:
        audit_before = conn.execute(select(func.count()).select_from(table_of(AuditEntry)))
        audit_count = audit_before.scalar_one()
    report = linkage_sensitivity(
        workspace,
        HistoriesQuery(),
        thresholds=(0.02, 0.999),
        options=EstimateOptions(interval="profile", nboot=0),
    )
    now, loose, strict = report["rows"]
    assert now["threshold"] == "now" and now["persons"] == persons_now
    assert loose["persons"] <= persons_now <= strict["persons"]
    assert loose["persons"] < strict["persons"]
    # More persons from the same mentions means fewer overlaps: the estimate grows.
    if "estimate" in loose and "estimate" in strict:
        assert strict["estimate"] >= loose["estimate"]
    assert "from" in report["summary"] or "no threshold" in report["summary"]
    with workspace.read() as conn:
        after = conn.execute(select(func.count()).select_from(table_of(AuditEntry)))
        assert after.scalar_one() == audit_count
    assert len(set(person_of(workspace).values())) == persons_now
