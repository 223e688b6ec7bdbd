"""The person-level fact table: what all of a person's current mentions say, folded.

Why: counts are about persons, but evidence is about mentions. Folding is where the rules
live, so they are here in one place (docs/counting.md explains them to researchers):

- Several mentions giving different intervals for the same kind of event: the person's
  interval is their hull, [earliest of the earliest, latest of the latest]. Conflicting
  reports widen the bounds; they never narrow them.
- A claimed event without a date (a status without `status_on`, a row without
  `apprehended_on`) happened no later than the report that claims it: [unknown, report
  date]. Undated claims are ignored when a dated claim of the same kind exists.
- Everyone on a case list was detained: a person whose reports say nothing of the start
  of custody has an undated one (an apprehension, unless born in custody).
- A missing value is silence, not a claim: a person reported "F" by one source and with
  no sex by another is female. Two different values (F and M) are a contradiction, and
  then neither is certain.
- A fate after return (held in North Korea, disappeared) implies the return: a person with
  such a claim and no dated return was returned on an unknown day no later than the
  latest day of that claim.
- Flags are the union of what sources flagged. Ages are the hull of the reported ages and
  of the ages the birth years give at the start of detention.

Facts are indexed like `Evidence.person_ids`. A fact table built from a subset of
mentions (one source's) keeps that indexing and marks the persons it covers `present`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from refwatch.counting.days import NEG, POS, Days, completed_years, month_of
from refwatch.counting.evidence import EVENT_CODES, STATUS_CODES, Codes, Evidence

Mask = npt.NDArray[np.bool_]

# Kinds of event the engine folds; DETENTION is "custody began": apprehended or born in it.
# HELD_DPRK and DISAPPEARED are fates after a return (imprisonment or disappearance there).
APPREHENSION, BIRTH, DETENTION, RETURN, RELEASE, SAFETY, DEATH, HELD_DPRK, DISAPPEARED = range(9)
KIND_NAMES = (
    "apprehension",
    "birth",
    "detention",
    "return",
    "release",
    "safety",
    "death",
    "imprisonment",
    "disappearance",
)
KIND_OF_EVENT = {name: i for i, name in enumerate(KIND_NAMES)}
EXITS = (RETURN, RELEASE, SAFETY, DEATH, HELD_DPRK, DISAPPEARED)
AFTER_RETURN = (HELD_DPRK, DISAPPEARED)
EXIT_STATUS = {
    RETURN: "returned",
    RELEASE: "released",
    SAFETY: "safe",
    DEATH: "died",
    HELD_DPRK: "held_in_dprk",
    DISAPPEARED: "disappeared",
}
_KIND_EVENTS: dict[int, tuple[str, ...]] = {
    APPREHENSION: ("apprehension",),
    BIRTH: ("birth",),
    DETENTION: ("apprehension", "birth", "detention"),
    RETURN: ("return",),
    RELEASE: ("release",),
    SAFETY: ("safety",),
    DEATH: ("death",),
    HELD_DPRK: ("imprisonment",),
    DISAPPEARED: ("disappearance",),
}
# Exits that can follow one another (first, then): released then safe, returned then died,
# returned then held in North Korea, held there then disappeared or dead...
ALLOWED_CHAINS = frozenset(
    {
        (RELEASE, SAFETY),
        (RELEASE, DEATH),
        (SAFETY, DEATH),
        (RETURN, DEATH),
        (RETURN, HELD_DPRK),
        (RETURN, DISAPPEARED),
        (HELD_DPRK, DISAPPEARED),
        (HELD_DPRK, DEATH),
        (DISAPPEARED, DEATH),
    }
)
# Chains whose order the later state itself implies: a fate after return follows the
# return, whatever the dates say, so once it is certain the return is superseded.
IMPLIED_ORDER = frozenset({(RETURN, HELD_DPRK), (RETURN, DISAPPEARED)})
CONFLICT_EXITS = 1
CONFLICT_DETAINED_AFTER_EXIT = 2
CONFLICT_EXIT_BEFORE_START = 4
CONFLICT_NAMES = {
    CONFLICT_EXITS: "sources report exits that cannot both be true (e.g. returned and safe)",
    CONFLICT_DETAINED_AFTER_EXIT: "a source reports the person detained after a reported exit",
    CONFLICT_EXIT_BEFORE_START: "a reported exit lies wholly before the start of detention",
}
_INFO_STATUSES = tuple(
    STATUS_CODES[s]
    for s in ("detained", "returned", "released", "safe", "died", "held_in_dprk", "disappeared")
)


@dataclass(frozen=True, eq=False)
class PersonFacts:
    """Folded facts per person. `has[k]`, `lo[k]`, `hi[k]` for each kind k; pairs arrays
    list (person, place code) and (person, facility code) once each: the facility of
    custody (in China) apart from where a person is held in North Korea after a return,
    since "held at X" asks about one stage, and two stages are not two conflicting
    reports of one."""

    n: int
    present: Mask
    has: Mask
    lo: Days
    hi: Days
    month_lo: Days
    month_hi: Days
    place_person: Codes
    place_code: Codes
    facility_person: Codes
    facility_code: Codes
    dprk_facility_person: Codes
    dprk_facility_code: Codes
    has_f: Mask
    has_m: Mask
    flags: Codes
    age_lo: Codes
    age_hi: Codes
    has_info: Mask
    obs_lo: Days
    conflict: Codes


def _pairs(person: Codes, code: Codes, width: int) -> tuple[Codes, Codes]:
    keep = code >= 0
    key = np.unique(person[keep].astype(np.int64) * max(width, 1) + code[keep])
    return (key // max(width, 1)).astype(np.int32), (key % max(width, 1)).astype(np.int32)


def build_facts(ev: Evidence, mention_mask: Mask | None = None) -> PersonFacts:
    """Fold the mentions (all, or those in `mention_mask`) into one row per person."""
    n = ev.persons
    m_keep = np.ones(ev.mentions, dtype=bool) if mention_mask is None else mention_mask
    e_keep = m_keep[ev.e_mention]
    e_person = ev.m_person[ev.e_mention]
    present = np.zeros(n, dtype=bool)
    present[ev.m_person[m_keep]] = True

    has = np.zeros((len(KIND_NAMES), n), dtype=bool)
    lo = np.full((len(KIND_NAMES), n), NEG, dtype=np.int64)
    hi = np.full((len(KIND_NAMES), n), NEG, dtype=np.int64)
    cap = ev.m_reported_hi[ev.e_mention]
    for kind, names in _KIND_EVENTS.items():
        codes = [EVENT_CODES[name] for name in names]
        sel = e_keep & np.isin(ev.e_type, codes)
        _hull(has[kind], lo[kind], hi[kind], e_person[sel], ev.e_lo[sel], ev.e_hi[sel], cap[sel])

    _everyone_was_detained(ev, m_keep, present, has, lo, hi)
    _fate_implies_return(has, lo, hi)

    starts = e_keep & np.isin(ev.e_type, [EVENT_CODES["apprehension"], EVENT_CODES["birth"]])
    held = e_keep & np.isin(ev.e_type, [EVENT_CODES["detention"], EVENT_CODES["birth"]])
    after = e_keep & (ev.e_type == EVENT_CODES["imprisonment"])
    place_person, place_code = _pairs(e_person[starts], ev.e_place[starts], len(ev.places))
    facility_person, facility_code = _pairs(e_person[held], ev.e_facility[held], len(ev.places))
    dprk_person, dprk_code = _pairs(e_person[after], ev.e_facility[after], len(ev.places))

    mp = ev.m_person[m_keep]
    has_f = np.zeros(n, dtype=bool)
    has_m = np.zeros(n, dtype=bool)
    has_f[mp[ev.m_sex[m_keep] == 1]] = True
    has_m[mp[ev.m_sex[m_keep] == 2]] = True
    flags = np.zeros(n, dtype=np.int32)
    np.bitwise_or.at(flags, mp, ev.m_flags[m_keep])
    age_lo, age_hi = _ages(ev, m_keep, lo[DETENTION], hi[DETENTION], has[DETENTION])

    status = ev.m_status[m_keep]
    has_info = np.zeros(n, dtype=bool)
    has_info[mp[np.isin(status, _INFO_STATUSES)]] = True
    has_info |= has[BIRTH]
    custody = e_keep & (ev.e_type == EVENT_CODES["detention"])
    has_info[e_person[custody]] = True
    detained = status == STATUS_CODES["detained"]
    seen = np.where(ev.m_status_lo[m_keep] > NEG, ev.m_status_lo[m_keep], ev.m_reported_lo[m_keep])
    obs_lo = np.full(n, NEG, dtype=np.int64)
    np.maximum.at(obs_lo, mp[detained], seen[detained])
    return PersonFacts(
        n=n,
        present=present,
        has=has,
        lo=lo,
        hi=hi,
        month_lo=month_of(lo),
        month_hi=month_of(hi),
        place_person=place_person,
        place_code=place_code,
        facility_person=facility_person,
        facility_code=facility_code,
        dprk_facility_person=dprk_person,
        dprk_facility_code=dprk_code,
        has_f=has_f,
        has_m=has_m,
        flags=flags,
        age_lo=age_lo,
        age_hi=age_hi,
        has_info=has_info,
        obs_lo=obs_lo,
        conflict=_conflicts(has, lo, hi, obs_lo),
    )


def _everyone_was_detained(
    ev: Evidence, m_keep: Mask, present: Mask, has: Mask, lo: Days, hi: Days
) -> None:
    """A case list lists detained persons: a person whose reports give no start of custody
    was still detained (apprehended, unless born in custody), on an unknown day no later
    than their latest report. Possible in any period up to then; never certain."""
    latest = np.full(len(present), NEG, dtype=np.int64)
    np.maximum.at(latest, ev.m_person[m_keep], ev.m_reported_hi[m_keep])
    for kind, missing in (
        (DETENTION, present & ~has[DETENTION]),
        (APPREHENSION, present & ~has[APPREHENSION] & ~has[BIRTH]),
    ):
        has[kind][missing] = True
        lo[kind][missing] = NEG
        hi[kind][missing] = latest[missing]


def _fate_implies_return(has: Mask, lo: Days, hi: Days) -> None:
    """A person held in North Korea or disappeared after a return was returned: with no
    dated return of their own, on an unknown day after custody began and no later than the
    fate's latest day."""
    after = np.zeros(has.shape[1], dtype=bool)
    latest = np.full(has.shape[1], POS, dtype=np.int64)
    for kind in AFTER_RETURN:
        after |= has[kind]
        latest = np.where(has[kind], np.minimum(latest, hi[kind]), latest)
    claimed = has[RETURN].copy()
    undated = after & (~claimed | (lo[RETURN] == NEG))
    cap = np.where(claimed & (hi[RETURN] > NEG), np.minimum(hi[RETURN], latest), latest)
    start = np.where(has[DETENTION], lo[DETENTION], NEG)
    has[RETURN][undated] = True
    lo[RETURN][undated] = start[undated]
    hi[RETURN][undated] = cap[undated]


def _hull(has: Mask, lo: Days, hi: Days, person: Codes, e_lo: Days, e_hi: Days, cap: Days) -> None:
    """Fill `has`, `lo`, `hi` in place: the hull of dated claims, else [NEG, latest cap]."""
    has[person] = True
    dated = e_lo > NEG
    d_lo = np.full(len(has), POS, dtype=np.int64)
    d_hi = np.full(len(has), NEG, dtype=np.int64)
    np.minimum.at(d_lo, person[dated], e_lo[dated])
    np.maximum.at(d_hi, person[dated], e_hi[dated])
    has_dated = np.zeros(len(has), dtype=bool)
    has_dated[person[dated]] = True
    undated_cap = np.full(len(has), NEG, dtype=np.int64)
    np.maximum.at(undated_cap, person[~dated], cap[~dated])
    lo[:] = np.where(has_dated, d_lo, NEG)
    hi[:] = np.where(has_dated, d_hi, np.where(has, undated_cap, NEG))


def _ages(
    ev: Evidence, m_keep: Mask, start_lo: Days, start_hi: Days, has_start: Mask
) -> tuple[Codes, Codes]:
    """Age at the start of detention: the hull of reported ages and birth-year ages."""
    n = ev.persons
    age_lo = np.full(n, 10**6, dtype=np.int64)
    age_hi = np.full(n, -1, dtype=np.int64)
    aged = m_keep & (ev.m_age_lo >= 0)
    np.minimum.at(age_lo, ev.m_person[aged], ev.m_age_lo[aged])
    np.maximum.at(age_hi, ev.m_person[aged], ev.m_age_hi[aged])
    born = m_keep & (ev.m_birth_lo > NEG)
    b_lo = np.full(n, POS, dtype=np.int64)
    b_hi = np.full(n, NEG, dtype=np.int64)
    np.minimum.at(b_lo, ev.m_person[born], ev.m_birth_lo[born])
    np.maximum.at(b_hi, ev.m_person[born], ev.m_birth_hi[born])
    usable = (b_lo < POS) & has_start & (start_lo > NEG) & (start_hi < POS)
    if usable.any():
        young = completed_years(b_hi[usable], start_lo[usable]).clip(min=0)
        old = completed_years(b_lo[usable], start_hi[usable]).clip(min=0)
        age_lo[usable] = np.minimum(age_lo[usable], young)
        age_hi[usable] = np.maximum(age_hi[usable], old)
    known = age_hi >= 0
    return (
        np.where(known, age_lo, -1).astype(np.int32),
        np.where(known, age_hi, -1).astype(np.int32),
    )


def _conflicts(has: Mask, lo: Days, hi: Days, obs_lo: Days) -> Codes:
    """Contradictions between a person's reports, independent of any date asked about."""
    conflict = np.zeros(has.shape[1], dtype=np.int32)
    for i, x in enumerate(EXITS):
        for y in EXITS[i + 1 :]:
            both = has[x] & has[y]
            chain = np.zeros_like(both)
            if (x, y) in ALLOWED_CHAINS:
                chain |= lo[x] <= hi[y]
            if (y, x) in ALLOWED_CHAINS:
                chain |= lo[y] <= hi[x]
            conflict[both & ~chain] |= CONFLICT_EXITS
        conflict[has[x] & (obs_lo > hi[x])] |= CONFLICT_DETAINED_AFTER_EXIT
        dated_start = has[DETENTION] & (lo[DETENTION] > NEG)
        conflict[has[x] & dated_start & (hi[x] < lo[DETENTION])] |= CONFLICT_EXIT_BEFORE_START
    return conflict
