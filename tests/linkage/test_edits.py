"""Merging and splitting persons from the person page, and explaining a person."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from refwatch.domain.errors import ConflictError, RefWatchError
from refwatch.linkage import (
    LinkageConfig,
    decide,
    explain_person,
    merge_persons,
    run_linkage,
    split_person,
)
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Person, table_of
from refwatch.store.schema_linkage import LinkageDecision, PersonRetirement
from refwatch.store.workspace import Workspace
from tests.linkage.conftest import WorldFactory, all_links, groups, person_of

PRIORS_ONLY = LinkageConfig(min_mentions_to_train=10_000)
persons = table_of(Person)
retirements = table_of(PersonRetirement)
decisions = table_of(LinkageDecision)


@pytest.fixture
def linked(workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory) -> Workspace:
    make_world(workspace, cipher, people=45, seed=3)
    run_linkage(workspace, cipher, "tester", config=PRIORS_ONLY)
    return workspace


def version(workspace: Workspace, person_id: str) -> int:
    with workspace.read() as conn:
        return int(
            conn.execute(select(persons.c.version).where(persons.c.id == person_id)).scalar_one()
        )


def test_merging_keeps_the_larger_person_retires_the_other_and_later_runs_agree(
    linked: Workspace, cipher: FieldCipher
) -> None:
    found = sorted(groups(person_of(linked)), key=lambda g: (-len(g), sorted(g)))
    big, small = found[0], found[-1]
    now = person_of(linked)
    big_id, small_id = now[min(big)], now[min(small)]
    before = version(linked, big_id)
    result = merge_persons(linked, [small_id, big_id], "reviewer", "one family", cipher=cipher)
    assert result.persons == [big_id] and result.retired == [small_id]
    after = person_of(linked)
    assert {after[m] for m in big | small} == {big_id}
    assert version(linked, big_id) == before + 1
    with linked.read() as conn:
        assert (
            conn.execute(
                select(retirements.c.successor_id).where(retirements.c.person_id == small_id)
            ).scalar_one()
            == big_id
        )
    run_linkage(linked, cipher, "tester", config=PRIORS_ONLY)
    again = person_of(linked)
    assert len({again[m] for m in big | small}) == 1


def test_splitting_moves_mentions_to_a_new_person_that_later_runs_keep_apart(
    linked: Workspace, cipher: FieldCipher
) -> None:
    joined = next(g for g in groups(person_of(linked)) if len(g) >= 2)
    moved = [max(joined)]
    pid = person_of(linked)[min(joined)]
    result = split_person(linked, pid, moved, "reviewer")
    assert result.created and result.persons == [pid, result.created[0]]
    now = person_of(linked)
    assert now[moved[0]] == result.created[0] and now[min(joined)] == pid
    run_linkage(linked, cipher, "tester", config=PRIORS_ONLY)
    later = person_of(linked)
    assert later[moved[0]] != later[min(joined)]
    with linked.read() as conn:
        kinds = sorted(r.kind for r in conn.execute(select(decisions)))
    assert "different" in kinds


def test_a_split_must_leave_someone_behind_and_move_only_the_person_s_mentions(
    linked: Workspace,
) -> None:
    joined = next(g for g in groups(person_of(linked)) if len(g) >= 2)
    pid = person_of(linked)[min(joined)]
    with pytest.raises(RefWatchError):
        split_person(linked, pid, sorted(joined), "reviewer")
    other = next(m for m, p in person_of(linked).items() if p != pid)
    with pytest.raises(RefWatchError):
        split_person(linked, pid, [other], "reviewer")


def test_a_merge_that_a_not_the_same_decision_forbids_is_refused(linked: Workspace) -> None:
    lone = sorted(g for g in groups(person_of(linked)) if len(g) == 1)
    (a,), (b,) = lone[0], lone[1]
    decide(linked, a, b, False, "reviewer")
    links_before = all_links(linked)
    now = person_of(linked)
    with pytest.raises(ConflictError):
        merge_persons(linked, [now[a], now[b]], "reviewer")
    assert all_links(linked) == links_before


def test_an_explanation_adds_up_to_each_pair_s_match_weight(
    linked: Workspace, cipher: FieldCipher
) -> None:
    joined = max(groups(person_of(linked)), key=len)
    pid = person_of(linked)[min(joined)]
    found = explain_person(linked, cipher, pid)
    assert {m.mention_id for m in found.mentions} == joined
    assert all(m.name_hangul or m.name_latin for m in found.mentions)
    assert found.pairs
    for pair in found.pairs:
        total = (pair.prior_weight or 0.0) + sum(p.weight for p in pair.parts)
        assert total == pytest.approx(pair.match_weight, abs=0.05)
        assert [p.comparison for p in pair.parts][:2] == ["name", "sex"]
        assert all(p.level for p in pair.parts)
    hidden = explain_person(linked, None, pid)
    assert all(m.name_hangul is None and m.name_latin is None for m in hidden.mentions)


def test_explaining_an_unknown_person_says_so(linked: Workspace) -> None:
    with pytest.raises(RefWatchError):
        explain_person(linked, None, "P-999999")
