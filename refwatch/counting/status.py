"""A person's status as of a date, derived from their events — never typed in.

Why: "55 still held" and "37 returned" are statements about a day, and the evidence is a
set of dated (and partly undated) claims. The status is the *last known state*: custody
begins at the apprehension (or birth in custody); it ends at a reported return, release,
safety or death. A person reported detained stays detained until a report says otherwise
(`last_report` says how old that knowledge is). A person about whom no source says what
followed the apprehension is `unknown`.

Uncertainty gives a set of possible statuses per person (a bitmask): an exit dated
"2017-08" is possible but not certain as of 15 August. Contradictions between sources
(one says returned, a later one still detained; one says returned, another safe) are
flagged and widen the set to every status some source supports; they are never silently
resolved. For display, one status is also *resolved* by the stated rule: the latest
credible report wins (latest report date; an "E – unreliable" source loses to any other;
ties go to the better-graded source), unless a human pinned the person's status (the
web app's pins, `refwatch.store.person_pins`): a pin in force on the day wins. Pins decide
what is displayed; the bounds stay those of the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from refwatch.counting.days import NEG, POS
from refwatch.counting.evidence import STATUS_CODES, Codes, Evidence
from refwatch.counting.facts import (
    ALLOWED_CHAINS,
    DETENTION,
    EXIT_STATUS,
    EXITS,
    IMPLIED_ORDER,
    Mask,
    PersonFacts,
)

STATUSES = (
    "detained",
    "returned",
    "released",
    "safe",
    "died",
    "unknown",
    "held_in_dprk",
    "disappeared",
)
BIT = {name: 1 << i for i, name in enumerate(STATUSES)}
NOT_YET = 1 << len(STATUSES)
RULE = "latest credible report wins, unless a human pinned the status"


@dataclass(frozen=True, eq=False)
class StatusSets:
    """Possible statuses per person as of `day`; 0 means not a known case by then."""

    day: int
    possible: Codes

    def certain(self, status: str) -> Mask:
        return np.asarray(self.possible == BIT[status])

    def maybe(self, status: str) -> Mask:
        return np.asarray((self.possible & BIT[status]) != 0)

    @property
    def in_cohort_certain(self) -> Mask:
        return np.asarray((self.possible != 0) & ((self.possible & NOT_YET) == 0))

    @property
    def in_cohort_possible(self) -> Mask:
        return np.asarray((self.possible & ~NOT_YET) != 0)


def status_sets(facts: PersonFacts, day: int) -> StatusSets:
    """The set of statuses each person may have on `day` (see the module docstring)."""
    has, lo, hi = facts.has, facts.lo, facts.hi
    start_known = has[DETENTION]
    start_lo = np.where(start_known, lo[DETENTION], NEG)
    start_hi = np.where(start_known, hi[DETENTION], POS)
    exit_certain = np.zeros(facts.n, dtype=bool)
    exit_possible = np.zeros(facts.n, dtype=bool)
    for x in EXITS:
        exit_certain |= has[x] & (hi[x] <= day)
        exit_possible |= has[x] & (lo[x] <= day)
    started = facts.present & ((start_known & (start_lo <= day)) | exit_possible)
    started |= facts.present & ~start_known & facts.has_info
    conflicted = facts.conflict != 0
    possible = np.zeros(facts.n, dtype=np.int32)

    detained = started & facts.has_info & (~exit_certain | conflicted)
    possible[detained] |= BIT["detained"]
    for x in EXITS:
        maybe = has[x] & (lo[x] <= day) & facts.present
        superseded = np.zeros(facts.n, dtype=bool)
        for first, then in ALLOWED_CHAINS:
            if first == x:
                ordered = (lo[then] > hi[x]) | ((first, then) in IMPLIED_ORDER)
                superseded |= has[then] & (hi[then] <= day) & ordered
        possible[maybe & (~superseded | conflicted)] |= BIT[EXIT_STATUS[x]]
    possible[started & ~facts.has_info] |= BIT["unknown"]
    not_yet = started & (start_hi > day) & ~exit_certain
    possible[not_yet] |= NOT_YET
    return StatusSets(day, possible)


@dataclass(frozen=True)
class ResolvedStatus:
    """One status per person by the rule, and the report it came from (-1: none)."""

    status: list[str | None]
    mention: npt.NDArray[np.int64]
    last_report: npt.NDArray[np.int64]


def resolve_status(ev: Evidence, day: int, mention_mask: Mask | None = None) -> ResolvedStatus:
    """The status the latest credible report gives as of `day`, per person."""
    keep = np.ones(ev.mentions, dtype=bool) if mention_mask is None else mention_mask.copy()
    real = [STATUS_CODES[s] for s in STATUSES if s != "unknown"]
    stated = np.where(ev.m_status_lo > NEG, ev.m_status_lo, ev.m_reported_lo)
    keep &= np.isin(ev.m_status, real) & (stated <= day)
    rank = np.array([s.rank for s in ev.sources] or [0], dtype=np.int64)
    credible = (rank[ev.m_source.clip(min=0)] > 1).astype(np.int64)
    idx = np.flatnonzero(keep)
    order = np.lexsort(
        (
            stated[idx],
            rank[ev.m_source[idx].clip(min=0)],
            ev.m_reported_lo[idx],
            credible[idx],
            ev.m_person[idx],
        )
    )
    idx = idx[order]
    persons = ev.m_person[idx]
    last = np.ones(len(idx), dtype=bool)
    if len(idx) > 1:
        last[:-1] = persons[:-1] != persons[1:]
    winner = np.full(ev.persons, -1, dtype=np.int64)
    winner[persons[last]] = idx[last]
    names = {code: name for name, code in STATUS_CODES.items()}
    status: list[str | None] = [
        None if w < 0 else names[int(ev.m_status[w])] for w in winner.tolist()
    ]
    last_report = np.full(ev.persons, NEG, dtype=np.int64)
    reported = ev.m_reported_lo > NEG
    sel = np.flatnonzero(
        (np.ones(ev.mentions, dtype=bool) if mention_mask is None else mention_mask) & reported
    )
    np.maximum.at(last_report, ev.m_person[sel], ev.m_reported_lo[sel])
    return ResolvedStatus(status, winner, last_report)
