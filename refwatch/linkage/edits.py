"""Human edits of persons: merge, split, and applying a decision straight away.

Every edit is first recorded as decisions (so later runs obey it), then applied to the
person links in the same transaction, so the person page shows it at once. The id policy
is the one runs use (`persons`): the person holding most mentions keeps its id; ids that
no longer name anyone are retired, never reused; changed persons get a new version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, and_, select, update

from refwatch.domain.errors import ConflictError, RefWatchError
from refwatch.linkage import decisions as decision_store
from refwatch.linkage.chains import Chains, load_chains
from refwatch.linkage.cluster import cluster, weight_of
from refwatch.linkage.explain import run_model
from refwatch.linkage.persons import assign_ids
from refwatch.linkage.writer import bump_versions, create_persons, next_person_number, retire
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.ids import new_id
from refwatch.store.queries import current_mentions, links
from refwatch.store.schema import Person, table_of
from refwatch.store.schema_linkage import LinkagePair, PersonRetirement
from refwatch.store.workspace import Workspace

persons = table_of(Person)
pairs = table_of(LinkagePair)
retirements = table_of(PersonRetirement)


@dataclass
class EditResult:
    """What an edit changed: decisions recorded, persons kept, created and retired."""

    operation_id: str
    decisions: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _members(conn: Connection, person_id: str) -> list[str]:
    """Current mentions of a person, sorted."""
    query = current_mentions().where(links.c.person_id == person_id)
    return sorted(row.id for row in conn.execute(query))


def _person_of(conn: Connection, mention_id: str) -> str:
    row = conn.execute(select(links.c.person_id).where(links.c.mention_id == mention_id)).first()
    if row is None:
        raise RefWatchError("no such mention: check the mention id")
    return str(row.person_id)


def _check_person(conn: Connection, person_id: str) -> None:
    if conn.execute(select(persons.c.id).where(persons.c.id == person_id)).first() is None:
        raise RefWatchError(f"no person {person_id}")
    if conn.execute(
        select(retirements.c.person_id).where(retirements.c.person_id == person_id)
    ).first():
        raise RefWatchError(f"person {person_id} was retired; use its successor")


def _constraints(
    conn: Connection, chains: Chains
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Active (same, different) decisions as pairs of current mention ids."""
    same: list[tuple[str, str]] = []
    different: list[tuple[str, str]] = []
    for decision in decision_store.load(conn, active_only=True):
        pair = (chains.current_of(decision.mention_a), chains.current_of(decision.mention_b))
        if decision.kind == "same":
            same.append(pair)
        elif decision.kind == "different":
            different.append(pair)
    return same, different


def _move(
    conn: Connection, chains: Chains, mention_ids: Sequence[str], person_id: str, now: datetime
) -> None:
    """Link these current mentions, and every earlier version of them, to `person_id`."""
    moved = set(mention_ids)
    for old in chains.superseded():
        if chains.current_of(old) in moved:
            moved.add(old)
    ordered = sorted(moved)
    for start in range(0, len(ordered), 500):
        conn.execute(
            update(links)
            .where(links.c.mention_id.in_(ordered[start : start + 500]))
            .values(person_id=person_id, match_probability=1.0, run_id=None, linked_at=now)
        )


def _merge_into(
    conn: Connection,
    chains: Chains,
    person_ids: Sequence[str],
    result: EditResult,
    now: datetime,
) -> str:
    """Merge persons by the id policy; return the survivor."""
    members = {pid: _members(conn, pid) for pid in person_ids}
    union = {m: pid for pid, ids in members.items() for m in ids}
    _same, different = _constraints(conn, chains)
    for a, b in different:
        if a in union and b in union and union[a] != union[b]:
            raise ConflictError(
                f"a 'not the same person' decision keeps mentions {a} and {b} apart; "
                "undo it before merging"
            )
    survivor = sorted(person_ids, key=lambda pid: (-len(members[pid]), pid))[0]
    for pid in person_ids:
        if pid != survivor:
            _move(conn, chains, members[pid], survivor, now)
    _move(conn, chains, members[survivor], survivor, now)
    others = {pid: survivor for pid in person_ids if pid != survivor}
    retire(conn, dict(others), run_id=None, reason="merged", now=now)
    bump_versions(conn, [survivor])
    result.persons.append(survivor)
    result.retired.extend(sorted(others))
    return survivor


def merge_persons(
    workspace: Workspace,
    person_ids: Sequence[str],
    actor: str,
    reason: str | None = None,
    *,
    cipher: FieldCipher | None = None,
) -> EditResult:
    """Make these persons one ("same person" decisions between them, then merge)."""
    wanted = sorted(set(person_ids))
    if len(wanted) < 2:
        raise RefWatchError("a merge needs at least two different persons")
    result = EditResult(operation_id=new_id())
    now = datetime.now(UTC)
    with workspace.write() as conn:
        chains = load_chains(conn)
        heads: dict[str, str] = {}
        for pid in wanted:
            _check_person(conn, pid)
            members = _members(conn, pid)
            if not members:
                raise RefWatchError(f"person {pid} has no current mentions")
            heads[pid] = members[0]
        first = wanted[0]
        for pid in wanted[1:]:
            decision = decision_store.record(
                conn,
                mention_a=heads[first],
                mention_b=heads[pid],
                kind="same",
                actor=actor,
                reason=reason,
                cipher=cipher,
                operation_id=result.operation_id,
            )
            result.decisions.append(decision.id)
        survivor = _merge_into(conn, chains, wanted, result, now)
        audit.log(
            conn,
            actor,
            "linkage.merge",
            table_name="persons",
            record_id=survivor,
            details={"persons": wanted, "operation": result.operation_id},
        )
    return result


def _chain_decisions(
    conn: Connection,
    ids: Sequence[str],
    kind: str,
    actor: str,
    reason: str | None,
    cipher: FieldCipher | None,
    result: EditResult,
) -> None:
    for a, b in pairwise(ids):
        decision = decision_store.record(
            conn,
            mention_a=a,
            mention_b=b,
            kind=kind,
            actor=actor,
            reason=reason,
            cipher=cipher,
            operation_id=result.operation_id,
        )
        result.decisions.append(decision.id)


def split_person(
    workspace: Workspace,
    person_id: str,
    mention_ids: Sequence[str],
    actor: str,
    reason: str | None = None,
    *,
    cipher: FieldCipher | None = None,
) -> EditResult:
    """Move these mentions of a person out into a new person.

    Recorded as: the moved mentions are one person, the remaining ones are one person,
    and the two are not the same person — so no later run joins them again.
    """
    result = EditResult(operation_id=new_id())
    now = datetime.now(UTC)
    with workspace.write() as conn:
        _check_person(conn, person_id)
        members = _members(conn, person_id)
        moved = sorted(set(mention_ids))
        if not moved or not set(moved) <= set(members):
            raise RefWatchError(f"choose some of the mentions of {person_id} to split off")
        staying = [m for m in members if m not in set(moved)]
        if not staying:
            raise RefWatchError("a split must leave at least one mention with the person")
        chains = load_chains(conn)
        same, _different = _constraints(conn, chains)
        for a, b in same:
            if (a in moved and b in staying) or (b in moved and a in staying):
                raise ConflictError(
                    f"a 'same person' decision joins mentions {a} and {b}; undo it first"
                )
        _chain_decisions(conn, moved, "same", actor, reason, cipher, result)
        _chain_decisions(conn, staying, "same", actor, reason, cipher, result)
        _chain_decisions(conn, [staying[0], moved[0]], "different", actor, reason, cipher, result)
        new_person = f"P-{next_person_number(conn):06d}"
        create_persons(conn, [new_person], now)
        _move(conn, chains, moved, new_person, now)
        bump_versions(conn, [person_id])
        result.persons.extend([person_id, new_person])
        result.created.append(new_person)
        audit.log(
            conn,
            actor,
            "linkage.split",
            table_name="persons",
            record_id=person_id,
            details={
                "new_person": new_person,
                "moved": len(moved),
                "operation": result.operation_id,
            },
        )
    return result


def apply_same(conn: Connection, mention_a: str, mention_b: str, result: EditResult) -> None:
    """After a "same person" decision: merge the two persons now, if they differ."""
    a, b = _person_of(conn, mention_a), _person_of(conn, mention_b)
    if a != b:
        _merge_into(conn, load_chains(conn), sorted({a, b}), result, datetime.now(UTC))


def check_same(conn: Connection, mention_a: str, mention_b: str) -> None:
    """Refuse a "same person" decision that an active "not the same" decision contradicts."""
    a, b = _person_of(conn, mention_a), _person_of(conn, mention_b)
    if a == b:
        return
    chains = load_chains(conn)
    members = {m: a for m in _members(conn, a)} | {m: b for m in _members(conn, b)}
    _same, different = _constraints(conn, chains)
    for x, y in different:
        if x in members and y in members and members[x] != members[y]:
            raise ConflictError(
                f"a 'not the same person' decision keeps mentions {x} and {y} apart; undo it first"
            )


def apply_different(conn: Connection, mention_a: str, mention_b: str, result: EditResult) -> None:
    """After a "not the same" decision: re-cluster their person, if they share one.

    The person's mentions are clustered again from the pairs the latest run kept, with
    every active decision (the new one included), by the same rule as a run.
    """
    person_id = _person_of(conn, mention_a)
    if _person_of(conn, mention_b) != person_id:
        return
    chains = load_chains(conn)
    members = _members(conn, person_id)
    row = {m: i for i, m in enumerate(members)}
    same, different = _constraints(conn, chains)
    loaded = run_model(conn, None)
    threshold = 0.25
    keep_min = 0.01
    if loaded is not None:
        threshold = float(loaded[0].refwatch.get("threshold", threshold))
        keep_min = float(loaded[0].refwatch.get("keep_pairs_min", keep_min))
    scored = conn.execute(
        select(pairs.c.mention_a, pairs.c.mention_b, pairs.c.match_weight).where(
            and_(pairs.c.mention_a.in_(members), pairs.c.mention_b.in_(members))
        )
    ).all()
    clustering = cluster(
        len(members),
        [row[a] for a, _, _ in scored],
        [row[b] for _, b, _ in scored],
        [float(w) for _, _, w in scored],
        threshold_weight=weight_of(threshold),
        unseen_weight=weight_of(keep_min),
        same=[(row[a], row[b]) for a, b in same if a in row and b in row],
        different=[(row[a], row[b]) for a, b in different if a in row and b in row],
    )
    if clustering.refused_same:
        raise ConflictError("'same person' decisions join these two mentions; undo them first")
    assignment = assign_ids(
        clustering.labels,
        [person_id] * len(members),
        [chains.root_of(m) for m in members],
        members,
        next_person_number(conn),
    )
    now = datetime.now(UTC)
    create_persons(conn, assignment.created, now)
    for new_person in assignment.created:
        moving = [m for m, p in zip(members, assignment.person_of, strict=True) if p == new_person]
        _move(conn, chains, moving, new_person, now)
    bump_versions(conn, assignment.changed)
    result.persons.append(person_id)
    result.created.extend(assignment.created)
