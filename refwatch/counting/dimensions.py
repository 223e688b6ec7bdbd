"""Breakdowns: which cells of a dimension each person certainly / possibly falls in.

Why: a breakdown ("by month", "by place") is a count per cell, each with its own bounds,
and a person whose month or place is uncertain is possibly in several cells. A dimension
therefore gives (person, cell, certain) triples — each (person, cell) once — and a cell's
"at most" is the number of its triples, its "at least" the number of certain ones.

Cells of place-like dimensions are the values as reported: "Xishuangbanna" is a cell of
its own when a source gave only the prefecture, and such a report makes every place in
the prefecture possible. A person with no known value is possible in every cell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from refwatch.counting.criteria import Bounds, age_match, flag_match, sex_match
from refwatch.counting.days import NEG, POS, month_label, month_of
from refwatch.counting.evidence import Codes, Evidence
from refwatch.counting.facts import KIND_OF_EVENT, Mask, PersonFacts
from refwatch.counting.query import AGE_BANDS, CountQuery, age_band_range
from refwatch.counting.status import STATUSES, status_sets
from refwatch.domain.enums import Flag
from refwatch.gazetteer import Gazetteer

UNKNOWN_CELL = "(unknown)"
MAX_MONTHS = 600


@dataclass(frozen=True, eq=False)
class Membership:
    labels: list[str]
    person: Codes
    cell: Codes
    certain: Mask

    @staticmethod
    def empty(labels: list[str]) -> Membership:
        return Membership(labels, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, bool))


def _expand(starts: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> Codes:
    """[s, s+1, ..., s+c-1] for each (s, c), concatenated."""
    total = int(counts.sum())
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return (np.repeat(starts, counts) + offsets).astype(np.int32)


def _from_masks(labels: list[str], cells: Sequence[Bounds], candidates: Mask) -> Membership:
    persons, codes, certain = [], [], []
    for index, bounds in enumerate(cells):
        idx = np.flatnonzero(bounds.possible & candidates).astype(np.int32)
        persons.append(idx)
        codes.append(np.full(len(idx), index, dtype=np.int32))
        certain.append(bounds.certain[idx])
    if not persons:
        return Membership.empty(labels)
    return Membership(
        labels, np.concatenate(persons), np.concatenate(codes), np.concatenate(certain)
    )


def month_membership(facts: PersonFacts, query: CountQuery, candidates: Mask) -> Membership:
    kind = KIND_OF_EVENT[query.event or "detention"]
    lo = facts.month_lo[kind]
    hi = facts.month_hi[kind]
    finite_lo = lo[candidates & (lo > NEG)]
    finite_hi = hi[candidates & (hi < POS)]
    first = (
        int(month_of(np.array([query.start]))[0])
        if query.start > NEG
        else (int(finite_lo.min()) if len(finite_lo) else None)
    )
    last = (
        int(month_of(np.array([query.end]))[0])
        if query.end < POS
        else (int(finite_hi.max()) if len(finite_hi) else None)
    )
    if first is None or last is None or last < first:
        return Membership.empty([])
    last = min(last, first + MAX_MONTHS - 1)
    labels = [month_label(m) for m in range(first, last + 1)]
    idx = np.flatnonzero(candidates)
    m0 = np.maximum(lo[idx], first)
    m1 = np.minimum(hi[idx], last)
    counts = np.maximum(m1 - m0 + 1, 0)
    person = np.repeat(idx, counts).astype(np.int32)
    cell = (_expand(m0, counts) - first).astype(np.int32)
    single = (lo == hi) & (lo > NEG) & (hi < POS)
    return Membership(labels, person, cell, single[person])


def _coded_membership(
    n: int,
    pair_person: Codes,
    pair_code: Codes,
    vocabulary: Sequence[str],
    candidates: Mask,
    cell_of: Callable[[str], str | None],
    reach: Callable[[str, list[str]], list[int]],
) -> Membership:
    """Cells from reported codes. `cell_of(value)` is the cell a value certainly means
    (None if it is coarser than a cell); `reach(value, cells)` the cells it may mean."""
    keep = candidates[pair_person]
    pair_person, pair_code = pair_person[keep], pair_code[keep]
    used = np.flatnonzero(np.bincount(pair_code, minlength=len(vocabulary)))
    values = [vocabulary[c] for c in used.tolist()]
    labels = sorted({c for c in map(cell_of, values) if c is not None})
    certain_cell = np.full(len(vocabulary) or 1, -1, dtype=np.int64)
    reach_count = np.zeros(len(vocabulary) or 1, dtype=np.int64)
    reach_cells: list[int] = []
    reach_start = np.zeros(len(vocabulary) or 1, dtype=np.int64)
    index = {label: i for i, label in enumerate(labels)}
    for code, value in zip(used.tolist(), values, strict=True):
        sure = cell_of(value)
        certain_cell[code] = index[sure] if sure is not None else -1
        reached = reach(value, labels)
        reach_start[code] = len(reach_cells)
        reach_count[code] = len(reached)
        reach_cells.extend(reached)
    repeats = reach_count[pair_code]
    person = np.repeat(pair_person, repeats)
    flat = np.array(reach_cells or [0], dtype=np.int32)
    cell = flat[_expand(reach_start[pair_code], repeats)]
    unknown = candidates.copy()
    unknown[pair_person] = False
    wild = np.flatnonzero(unknown).astype(np.int32)
    if len(labels) and len(wild):
        person = np.concatenate([person, np.repeat(wild, len(labels))])
        cell = np.concatenate([cell, np.tile(np.arange(len(labels), dtype=np.int32), len(wild))])
    if not len(person):
        return Membership.empty(labels)
    # A person reaches a cell twice only through two reported values (a town and its
    # prefecture): de-duplicate those persons' pairs only, then keep everything by person.
    several = np.bincount(pair_person, minlength=n) > 1
    repeat = several[person]
    width = max(len(labels), 1)
    key = np.unique(person[repeat].astype(np.int64) * width + cell[repeat])
    person = np.concatenate([person[~repeat], (key // width).astype(np.int32)])
    cell = np.concatenate([cell[~repeat], (key % width).astype(np.int32)])
    sure_cell = certain_cell[pair_code]
    lowest = np.full(n, 10**9, dtype=np.int64)
    highest = np.full(n, -2, dtype=np.int64)
    np.minimum.at(lowest, pair_person, sure_cell)
    np.maximum.at(highest, pair_person, sure_cell)
    settled = (lowest == highest) & (lowest >= 0)
    return Membership(labels, person, cell, settled[person] & (lowest[person] == cell))


def place_membership(
    ev: Evidence, facts: PersonFacts, gazetteer: Gazetteer, candidates: Mask, level: str
) -> Membership:
    if level == "facility":
        return _coded_membership(
            facts.n,
            facts.facility_person,
            facts.facility_code,
            ev.places,
            candidates,
            lambda value: value,
            lambda value, labels: [labels.index(value)],
        )

    def known(value: str) -> bool:
        return value in gazetteer

    if level == "province":

        def cell_of(value: str) -> str | None:
            if not known(value):
                return value
            place = gazetteer.get(value)
            if place.kind == "country":
                return None
            province = gazetteer.province_of(value)
            return province.id if province is not None else value
    else:

        def cell_of(value: str) -> str | None:
            return value

    def reach(value: str, labels: list[str]) -> list[int]:
        inside = gazetteer.within(value) if known(value) else frozenset({value})
        sure = cell_of(value)
        return [i for i, label in enumerate(labels) if label == sure or label in inside]

    return _coded_membership(
        facts.n, facts.place_person, facts.place_code, ev.places, candidates, cell_of, reach
    )


def simple_membership(
    facts: PersonFacts, dimension: str, query: CountQuery, candidates: Mask
) -> Membership:
    if dimension == "sex":
        cells = [sex_match(facts, "F"), sex_match(facts, "M")]
        return _from_masks(["F", "M"], cells, candidates)
    if dimension == "age_band":
        bands = [query.age_band] if query.age_band else list(AGE_BANDS)
        return _from_masks(bands, [age_match(facts, *age_band_range(b)) for b in bands], candidates)
    if dimension == "flag":
        flags = [f.value for f in Flag]
        return _from_masks(flags, [flag_match(facts, f) for f in flags], candidates)
    if dimension == "status":
        sets = status_sets(facts, query.as_of_day)
        cells = [Bounds(sets.certain(s), sets.maybe(s)) for s in STATUSES]
        return _from_masks(list(STATUSES), cells, candidates)
    raise ValueError(f"not a simple dimension: {dimension}")


def _sorted(membership: Membership) -> bool:
    return bool(np.all(membership.person[1:] >= membership.person[:-1]))


def combine(first: Membership, second: Membership) -> Membership:
    """The product of two memberships over the same persons (cells are label pairs,
    encoded as first * len(second.labels) + second)."""
    if not _sorted(second) and _sorted(first):
        swapped = combine(second, first)
        across, down = max(len(first.labels), 1), max(len(second.labels), 1)
        code = swapped.cell.astype(np.int64)
        return Membership(
            [f"{a}\x1f{b}" for a in first.labels for b in second.labels],
            swapped.person,
            ((code % across) * down + code // across).astype(np.int32),
            swapped.certain,
        )
    order_b = (
        np.arange(len(second.person))
        if _sorted(second)
        else np.argsort(second.person, kind="stable")
    )
    b_person = second.person[order_b]
    b_cell = second.cell[order_b]
    b_certain = second.certain[order_b]
    size = int(max(b_person.max(initial=-1), first.person.max(initial=-1))) + 1
    per_person = np.bincount(b_person, minlength=size).astype(np.int64)
    offsets = np.cumsum(per_person) - per_person
    start = offsets[first.person]
    counts = per_person[first.person]
    a_index = np.repeat(np.arange(len(first.person)), counts)
    b_index = _expand(start.astype(np.int64), counts)
    width = max(len(second.labels), 1)
    labels = [f"{a}\x1f{b}" for a in first.labels for b in second.labels]
    return Membership(
        labels,
        first.person[a_index],
        (first.cell[a_index].astype(np.int64) * width + b_cell[b_index]).astype(np.int32),
        first.certain[a_index] & b_certain[b_index],
    )


def cell_counts(membership: Membership, certain_persons: Mask) -> tuple[list[int], list[int]]:
    """(at least, at most) per cell, the person's overall certainty included."""
    size = len(membership.labels)
    at_most = np.bincount(membership.cell, minlength=size)
    sure = membership.certain & certain_persons[membership.person]
    at_least = np.bincount(membership.cell[sure], minlength=size)
    return [int(v) for v in at_least[:size]], [int(v) for v in at_most[:size]]
