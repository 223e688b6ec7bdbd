"""Each filter of a query as two masks over persons: certainly matches, possibly matches.

Why: "at least" is the number of persons who certainly match every filter, "at most" the
number who possibly match every filter, so each filter only has to answer those two
questions, and a query is the conjunction of its filters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from refwatch.counting.evidence import FLAG_BITS, Codes, Evidence
from refwatch.counting.facts import (
    APPREHENSION,
    BIRTH,
    EXITS,
    KIND_OF_EVENT,
    Mask,
    PersonFacts,
)
from refwatch.counting.query import CountQuery
from refwatch.counting.status import status_sets
from refwatch.gazetteer import Gazetteer
from refwatch.gazetteer.model import DPRK_FACILITY_TYPES

CHILD_AGE = 18
OLDER_AGE = 60


@dataclass(frozen=True, eq=False)
class Bounds:
    certain: Mask
    possible: Mask

    def __and__(self, other: Bounds) -> Bounds:
        return Bounds(self.certain & other.certain, self.possible & other.possible)


def everyone(facts: PersonFacts) -> Bounds:
    return Bounds(facts.present.copy(), facts.present.copy())


def event_in_period(facts: PersonFacts, event: str, start: int, end: int) -> Bounds:
    """The event certainly / possibly happened in [start, end] (days, inclusive).

    A return, release, safety or death contradicted by another report is never certain.
    """
    kind = KIND_OF_EVENT[event]
    has, lo, hi = facts.has[kind] & facts.present, facts.lo[kind], facts.hi[kind]
    exists = has & (facts.conflict == 0) if kind in EXITS else has
    certain = exists & (lo >= start) & (hi <= end)
    possible = has & (lo <= end) & (hi >= start)
    return Bounds(certain, possible)


def region_masks(ev: Evidence, gazetteer: Gazetteer, place_id: str) -> tuple[Mask, Mask]:
    """Place codes inside the region, and those a report could mean it by (it or coarser)."""
    inside = gazetteer.within(place_id)
    coarser = {p.id for p in gazetteer.ancestors(place_id)}
    within = np.array([p in inside for p in ev.places] or [False], dtype=bool)
    maybe = np.array([p in inside or p in coarser for p in ev.places] or [False], dtype=bool)
    return within, maybe


def _set_match(n: int, person: Codes, code: Codes, inside: Mask, maybe: Mask) -> Bounds:
    """All known values inside (and at least one known), or some value possibly inside, or
    no value known at all."""
    known = np.bincount(person, minlength=n)
    if len(code):
        hit = np.bincount(person[inside[code]], minlength=n)
        could = np.bincount(person[maybe[code]], minlength=n)
    else:
        hit = could = np.zeros(n, dtype=np.int64)
    return Bounds((known > 0) & (hit == known), (known == 0) | (could > 0))


def place_match(
    ev: Evidence, facts: PersonFacts, gazetteer: Gazetteer, query: CountQuery
) -> Bounds:
    """Where custody began (caught, or born in custody) lies in the region; for a
    facility, where the person was held (for a North Korean facility, after the return)."""
    assert query.place_id is not None
    if query.place_is_facility:
        target = np.array([p == query.place_id for p in ev.places] or [False], dtype=bool)
        if gazetteer.get(query.place_id).facility_type in DPRK_FACILITY_TYPES:
            return _set_match(
                facts.n, facts.dprk_facility_person, facts.dprk_facility_code, target, target
            )
        return _set_match(facts.n, facts.facility_person, facts.facility_code, target, target)
    inside, maybe = region_masks(ev, gazetteer, query.place_id)
    return _set_match(facts.n, facts.place_person, facts.place_code, inside, maybe)


def sex_match(facts: PersonFacts, sex: str) -> Bounds:
    mine, other = (facts.has_f, facts.has_m) if sex == "F" else (facts.has_m, facts.has_f)
    return Bounds(mine & ~other, mine | ~other)


def age_match(facts: PersonFacts, low: int, high: int) -> Bounds:
    known = facts.age_hi >= 0
    certain = known & (facts.age_lo >= low) & (facts.age_hi <= high)
    possible = ~known | ((facts.age_lo <= high) & (facts.age_hi >= low))
    return Bounds(certain, possible)


def flag_match(facts: PersonFacts, flag: str) -> Bounds:
    """A flag a source gave is a claim; its absence is silence. Child and older are also
    known from the age, and an age on the wrong side of the line makes the flag uncertain.

    A baby born in custody is counted as born in detention, not among the children (that
    is how sources report them: two categories, not one inside the other), unless a
    source flags the baby a child too.
    """
    claimed = (facts.flags & FLAG_BITS[flag]) != 0
    known = facts.age_hi >= 0
    if flag == "child":
        baby = ((facts.flags & FLAG_BITS["born_in_detention"]) != 0) | facts.has[BIRTH]
        adult = known & (facts.age_lo >= CHILD_AGE)
        young = known & (facts.age_hi < CHILD_AGE) & ~baby
        could = (~known | (facts.age_lo < CHILD_AGE)) & ~baby
        return Bounds((claimed & ~adult) | young, claimed | could)
    if flag == "older":
        younger = known & (facts.age_hi < OLDER_AGE)
        old = known & (facts.age_lo >= OLDER_AGE)
        return Bounds((claimed & ~younger) | old, claimed | ~known | (facts.age_hi >= OLDER_AGE))
    if flag == "born_in_detention":
        born = claimed | facts.has[BIRTH]
        return Bounds(born, born | ~facts.has[APPREHENSION])
    if flag == "pregnant":
        return Bounds(claimed, claimed | ~(facts.has_m & ~facts.has_f))
    return Bounds(claimed, np.ones(facts.n, dtype=bool))


def status_match(facts: PersonFacts, status: str, day: int) -> Bounds:
    sets = status_sets(facts, day)
    return Bounds(sets.certain(status), sets.maybe(status))


def query_bounds(
    ev: Evidence, facts: PersonFacts, gazetteer: Gazetteer, query: CountQuery
) -> Bounds:
    """The conjunction of every filter of the query (source filters excepted: they choose
    which mentions `facts` was built from)."""
    bounds = everyone(facts)
    if query.event is not None:
        bounds = bounds & event_in_period(facts, query.event, query.start, query.end)
    if query.place_id is not None:
        bounds = bounds & place_match(ev, facts, gazetteer, query)
    if query.sex is not None:
        bounds = bounds & sex_match(facts, query.sex)
    if query.age_band is not None:
        bounds = bounds & age_match(facts, query.age_lo, query.age_hi)
    for flag in query.flags:
        bounds = bounds & flag_match(facts, flag)
    if query.status is not None:
        bounds = bounds & status_match(facts, query.status, query.as_of_day)
    return bounds
