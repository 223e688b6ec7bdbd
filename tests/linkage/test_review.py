"""The review queue and reviewers' decisions: order, effect, undo, audit, secrecy."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import select

from refwatch.domain.errors import ConflictError, RefWatchError
from refwatch.linkage import (
    LinkageConfig,
    decide,
    list_decisions,
    review_queue,
    run_linkage,
    undo_decision,
)
from refwatch.linkage.cluster import weight_of
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.schema_linkage import LinkageDecision
from refwatch.store.workspace import Workspace
from tests.linkage.conftest import WorldFactory, groups, person_of

PRIORS_ONLY = LinkageConfig(min_mentions_to_train=10_000)  # fast: these tests are not about EM
audit_entries = table_of(AuditEntry)
decisions = table_of(LinkageDecision)


@pytest.fixture
def linked(workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory) -> Workspace:
    make_world(workspace, cipher, people=80, seed=7)
    run_linkage(workspace, cipher, "tester", config=PRIORS_ONLY)
    return workspace


def test_the_queue_puts_the_pairs_nearest_the_line_first_with_both_sides_evidence(
    linked: Workspace, cipher: FieldCipher
) -> None:
    queue = review_queue(linked, cipher, 50)
    assert queue
    line = weight_of(LinkageConfig().threshold)  # the queue orders by the run's own line
    distances = [abs(p.match_weight - line) for p in queue]
    # The queue orders by the stored weights; the weights shown are rounded to 0.01, so
    # two pairs on either side of the line may look swapped by up to that much.
    assert all(later >= sooner - 0.01 for sooner, later in itertools.pairwise(distances))
    first = queue[0]
    assert 0.1 <= first.match_probability <= 0.9
    assert first.mention_a.name_hangul or first.mention_a.name_latin
    assert first.mention_a.source and first.mention_b.source
    assert first.parts[0].comparison == "name"
    total = (first.prior_weight or 0) + sum(p.weight for p in first.parts)
    assert total == pytest.approx(first.match_weight, abs=0.05)


def test_names_in_the_queue_are_shown_only_with_the_key_and_the_read_is_audited(
    linked: Workspace, cipher: FieldCipher
) -> None:
    hidden = review_queue(linked, None, 5)
    assert hidden and all(p.mention_a.name_latin is None for p in hidden)
    shown = review_queue(linked, cipher, 5, actor="reviewer")
    with linked.read() as conn:
        reads = [
            json.loads(e.details)
            for e in conn.execute(
                select(audit_entries).where(audit_entries.c.action == "linkage.read_names")
            )
            if e.actor == "reviewer"
        ]
    assert reads == [
        {
            "mentions": len(
                {m for p in shown for m in (p.mention_a.mention_id, p.mention_b.mention_id)}
            ),
            "purpose": "review",
        }
    ]


def test_same_person_merges_the_two_persons_at_once_and_keeps_who_when_and_why(
    linked: Workspace, cipher: FieldCipher
) -> None:
    lone = sorted(g for g in groups(person_of(linked)) if len(g) == 1)
    (a,), (b,) = lone[0], lone[1]
    decision = decide(linked, a, b, True, "reviewer", "same scar described", cipher=cipher)
    now = person_of(linked)
    assert now[a] == now[b]
    with linked.read() as conn:
        stored = conn.execute(select(decisions)).one()
    assert (stored.kind, stored.actor) == ("same", "reviewer")
    assert b"same scar" not in stored.reason_enc
    assert list_decisions(linked, cipher)[0].reason == "same scar described"
    assert decision.id == stored.id


def test_a_reason_cannot_be_stored_without_the_key(linked: Workspace) -> None:
    a, b = sorted(person_of(linked))[:2]
    with pytest.raises(RefWatchError):
        decide(linked, a, b, True, "reviewer", "it is her")


def test_not_the_same_splits_a_joined_pair_at_once(linked: Workspace, cipher: FieldCipher) -> None:
    joined = next(g for g in groups(person_of(linked)) if len(g) >= 2)
    a, b = sorted(joined)[:2]
    decide(linked, a, b, False, "reviewer")
    now = person_of(linked)
    assert now[a] != now[b]


def test_a_decision_that_contradicts_an_active_one_is_refused_and_nothing_is_recorded(
    linked: Workspace, cipher: FieldCipher
) -> None:
    lone = sorted(g for g in groups(person_of(linked)) if len(g) == 1)
    (a,), (b,) = lone[0], lone[1]
    decide(linked, a, b, False, "reviewer")
    with pytest.raises(ConflictError):
        decide(linked, a, b, True, "someone else")
    with linked.read() as conn:
        assert [r.kind for r in conn.execute(select(decisions))] == ["different"]


def test_skipping_takes_a_pair_out_of_the_queue_and_undoing_brings_it_back(
    linked: Workspace, cipher: FieldCipher
) -> None:
    first = review_queue(linked, None, 1)[0]
    a, b = first.mention_a.mention_id, first.mention_b.mention_id
    decision = decide(linked, a, b, None, "reviewer")
    remaining = review_queue(linked, None, 500)
    assert (a, b) not in {(p.mention_a.mention_id, p.mention_b.mention_id) for p in remaining}
    undone = undo_decision(linked, decision.id, "reviewer")
    assert undone.undone_by == "reviewer" and undone.undone_at is not None
    back = review_queue(linked, None, 1)[0]
    assert (back.mention_a.mention_id, back.mention_b.mention_id) == (a, b)
    with pytest.raises(ConflictError):
        undo_decision(linked, decision.id, "reviewer")
    with linked.read() as conn:
        actions = [
            e.action
            for e in conn.execute(
                select(audit_entries)
                .where(audit_entries.c.record_id == decision.id)
                .order_by(audit_entries.c.seq)
            )
        ]
    assert actions == ["linkage.decide", "linkage.undo"]
    assert linked.verify_audit().ok


def test_an_undone_not_the_same_decision_no_longer_binds_later_runs(
    linked: Workspace, cipher: FieldCipher
) -> None:
    joined = next(g for g in groups(person_of(linked)) if len(g) >= 2)
    a, b = sorted(joined)[:2]
    decision = decide(linked, a, b, False, "reviewer")
    undo_decision(linked, decision.id, "reviewer")
    run_linkage(linked, cipher, "tester", config=PRIORS_ONLY)
    now = person_of(linked)
    assert now[a] == now[b]
