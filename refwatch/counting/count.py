"""`count_persons`: how many persons, at least and at most, match a question.

Why: one function answers the CLI, the API, the web pages and the fact sheets, so a
number means the same everywhere. It works on persons — distinct `person_links.person_id`
over the current mentions — whether or not record linkage has run (until it does, every
mention is its own person and the counts say so by being larger).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, cast

import numpy as np

from refwatch.counting.criteria import Bounds, query_bounds
from refwatch.counting.dimensions import (
    Membership,
    combine,
    month_membership,
    place_membership,
    simple_membership,
)
from refwatch.counting.evidence import Evidence
from refwatch.counting.facts import Mask, PersonFacts
from refwatch.counting.filters import CountFilter
from refwatch.counting.identity import Identity, Width
from refwatch.counting.ledger import record_result
from refwatch.counting.query import CountQuery, make_query
from refwatch.counting.snapshot import Snapshot, load_snapshot
from refwatch.counting.status import RULE
from refwatch.domain.errors import InputError, define
from refwatch.gazetteer import Gazetteer, load_gazetteer
from refwatch.store.workspace import Workspace

NO_SOURCE = define(
    "count.no_source",
    "no source named %(value)s in this workspace (`refwatch status` counts them; names are exact)",
)
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Cell:
    """One cell of a breakdown: its labels (one per dimension) and its bounds."""

    key: tuple[str, ...]
    at_least: int
    at_most: int

    def as_dict(self, dimensions: Sequence[str]) -> dict[str, Any]:
        return {
            **dict(zip(dimensions, self.key, strict=True)),
            "at_least": self.at_least,
            "at_most": self.at_most,
        }


@dataclass(eq=False)
class CountResult:
    """The answer: bounds, the persons behind them, and per-cell bounds for a breakdown.

    `persons` lists every person who possibly matches (sorted ids); `certain_persons`
    those who certainly match. `at_least` counts the certain ones that are certainly
    distinct human beings, `at_most` the human beings the possible ones may be (see
    `identity`); `width` says where the distance between them comes from. `ledger_id`
    is set once the answer is in the ledger.
    """

    query: CountQuery
    at_least: int
    at_most: int
    snapshot_hash: str
    link_runs: tuple[str, ...]
    cells: list[Cell]
    computed_at: datetime
    person_ids: list[str] = field(repr=False)
    certain_mask: Mask = field(repr=False)
    possible_mask: Mask = field(repr=False)
    parts: list[_Part] = field(default_factory=list, repr=False)
    conflicted: list[str] = field(default_factory=list)
    width: Width | None = None
    ledger_id: str | None = None
    id_array: np.ndarray[Any, np.dtype[np.object_]] | None = field(default=None, repr=False)

    # Cached: the API answer and the ledger entry both list them, and at 100,000 persons
    # each list costs milliseconds.
    @cached_property
    def persons(self) -> list[str]:
        return self._ids(self.possible_mask)

    @cached_property
    def certain_persons(self) -> list[str]:
        return self._ids(self.certain_mask)

    @property
    def uncertain_persons(self) -> list[str]:
        """Possible but not certain (the ledger's `uncertain`), in `persons`' order."""
        return self._ids(self.possible_mask & ~self.certain_mask)

    def _ids(self, mask: Mask) -> list[str]:
        if self.id_array is not None:
            return cast(list[str], self.id_array[mask].tolist())
        ids = self.person_ids
        return [ids[i] for i in np.flatnonzero(mask).tolist()]

    def cell(self, *key: str) -> Cell:
        for cell in self.cells:
            if cell.key == key:
                return cell
        raise KeyError(key)

    def cell_persons(self, *key: str) -> tuple[list[str], list[str]]:
        """(certain, possible) person ids of one cell, sorted."""
        for part in self.parts:
            width = len(part.prefix)
            if key[:width] != part.prefix:
                continue
            rest = SEPARATOR.join(key[width:])
            if rest not in part.membership.labels:
                continue
            code = part.membership.labels.index(rest)
            rows = part.membership.cell == code
            people = part.membership.person[rows]
            certain = np.unique(people[part.sure[rows]])
            return (
                [self.person_ids[i] for i in certain.tolist()],
                [self.person_ids[i] for i in np.unique(people).tolist()],
            )
        raise KeyError(key)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "at_least": self.at_least,
            "at_most": self.at_most,
            "persons": self.persons,
            "ledger_id": self.ledger_id,
            "certain": self.certain_persons,
            "query": self.query.to_json(),
            "snapshot": self.snapshot_hash,
            "computed_at": self.computed_at.isoformat(),
        }
        if self.width is not None:
            data["width"] = self.width.as_dict()
        if self.query.by:
            data["cells"] = [cell.as_dict(self.query.by) for cell in self.cells]
        if self.query.status is not None or "status" in self.query.by:
            data["status_conflicts"] = {"persons": self.conflicted, "rule": RULE}
        return data


def count_persons(
    workspace: Workspace,
    criteria: CountFilter | None = None,
    *,
    by: str | Sequence[str] | None = None,
    record: bool = False,
    actor: str = "library",
    purpose: str | None = None,
    **filters: Any,
) -> CountResult:
    """Count persons with bounds (see docs/counting.md for every rule).

    `criteria` is what to count (keyword arguments set `CountFilter` fields one by one).
    `record=True` stores the answer in the number ledger (its id lands in `ledger_id`);
    do that for every number that is shown, exported or published.
    """
    query = make_query(criteria, by=by, **filters)
    return run_query(workspace, query, record=record, actor=actor, purpose=purpose)


def run_query(
    workspace: Workspace,
    query: CountQuery,
    *,
    record: bool = False,
    actor: str = "library",
    purpose: str | None = None,
) -> CountResult:
    result = evaluate(load_snapshot(workspace), query)
    if record:
        record_result(workspace, result, actor=actor, purpose=purpose)
    return result


def _check_source(evidence: Evidence, query: CountQuery) -> None:
    if query.source is not None and query.source not in {s.name for s in evidence.sources}:
        raise InputError(code=NO_SOURCE, field="source", params={"value": repr(query.source)})


def evaluate(
    snapshot: Snapshot, query: CountQuery, gazetteer: Gazetteer | None = None
) -> CountResult:
    """Answer a resolved query from a snapshot (no database access)."""
    ev = snapshot.evidence
    gaz = gazetteer or load_gazetteer()
    _check_source(ev, query)
    facts = snapshot.facts_for_sources(query.source, query.source_type)
    bounds = query_bounds(ev, facts, gaz, query)
    identity = snapshot.identity
    cells: list[Cell] = []
    parts: Members = []
    if query.by:
        cells, parts = _breakdown(snapshot, gaz, query, bounds)
    conflicted: list[str] = []
    if query.status is not None or "status" in query.by:
        mask = bounds.possible & (facts.conflict != 0)
        conflicted = [ev.person_ids[i] for i in np.flatnonzero(mask).tolist()]
    at_least = identity.distinct(bounds.certain)
    at_most = identity.most(bounds.possible)
    certain, possible = int(bounds.certain.sum()), int(bounds.possible.sum())
    return CountResult(
        query=query,
        conflicted=conflicted,
        at_least=at_least,
        at_most=at_most,
        width=Width(certain, possible, certain - at_least, at_most - possible),
        snapshot_hash=ev.snapshot_hash,
        link_runs=ev.link_runs,
        cells=cells,
        computed_at=datetime.now(UTC),
        person_ids=ev.person_ids,
        certain_mask=bounds.certain,
        possible_mask=bounds.possible,
        parts=parts,
        id_array=snapshot.person_id_array,
    )


def _membership(
    ev: Evidence,
    facts: PersonFacts,
    gaz: Gazetteer,
    query: CountQuery,
    dimension: str,
    candidates: Mask,
) -> Membership:
    if dimension == "month":
        return month_membership(facts, query, candidates)
    if dimension in ("place", "province", "facility"):
        return place_membership(ev, facts, gaz, candidates, dimension)
    return simple_membership(facts, dimension, query, candidates)


@dataclass(frozen=True, eq=False)
class _Part:
    """A breakdown's membership (for one source, when broken down by source)."""

    prefix: tuple[str, ...]
    membership: Membership
    sure: Mask


Members = list[_Part]


def _cells_of(part: _Part, identity: Identity, keep_empty: bool) -> list[Cell]:
    size = len(part.membership.labels)
    cell, person = part.membership.cell, part.membership.person
    at_most = identity.most_by_cell(cell, person, size)
    at_least = identity.distinct_by_cell(cell[part.sure], person[part.sure], size)
    return [
        Cell((*part.prefix, *label.split(SEPARATOR)), int(at_least[i]), int(at_most[i]))
        for i, label in enumerate(part.membership.labels)
        if keep_empty or at_most[i] > 0
    ]


def _breakdown(
    snapshot: Snapshot, gaz: Gazetteer, query: CountQuery, bounds: Bounds
) -> tuple[list[Cell], Members]:
    ev = snapshot.evidence
    outer = next((d for d in query.by if d in ("source", "source_type")), None)
    inner = [d for d in query.by if d != outer]
    keep_empty = inner == ["month"]
    if outer is None:
        facts = snapshot.facts_for_sources(query.source, query.source_type)
        part = _inner_part(ev, facts, gaz, query, inner, bounds, ())
        return _cells_of(part, snapshot.identity, keep_empty), [part]
    cells: list[Cell] = []
    members: Members = []
    values = sorted(
        {s.name if outer == "source" else (s.source_type or "") for s in ev.sources} - {""}
    )
    for value in values:
        if outer == "source" and query.source not in (None, value):
            continue
        if outer == "source_type" and query.source_type not in (None, value):
            continue
        source = value if outer == "source" else query.source
        source_type = value if outer == "source_type" else query.source_type
        facts = snapshot.facts_for_sources(source, source_type)
        cell_bounds = query_bounds(ev, facts, gaz, query)
        if inner:
            part = _inner_part(ev, facts, gaz, query, inner, cell_bounds, (value,))
        else:
            idx = np.flatnonzero(cell_bounds.possible).astype(np.int32)
            part = _Part(
                (value,),
                Membership([""], idx, np.zeros(len(idx), np.int32), cell_bounds.certain[idx]),
                cell_bounds.certain[idx],
            )
        cells.extend(
            Cell(c.key[:-1] if not inner else c.key, c.at_least, c.at_most)
            for c in _cells_of(part, snapshot.identity, keep_empty)
        )
        members.append(part)
    return cells, members


def _inner_part(
    ev: Evidence,
    facts: PersonFacts,
    gaz: Gazetteer,
    query: CountQuery,
    dimensions: list[str],
    bounds: Bounds,
    prefix: tuple[str, ...],
) -> _Part:
    membership = _membership(ev, facts, gaz, query, dimensions[0], bounds.possible)
    if len(dimensions) == 2:
        second = _membership(ev, facts, gaz, query, dimensions[1], bounds.possible)
        membership = combine(membership, second)
    return _Part(prefix, membership, membership.certain & bounds.certain[membership.person])
