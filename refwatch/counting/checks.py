"""Consistency checks a researcher runs before publishing: do the numbers add up?

Why: a fact sheet says "92 known cases, 37 returned, 55 still held"; a reader will add
them up, and so should RefWatch, first. With bounds, "adds up" means: no person is
certainly in two parts that exclude each other, nobody who is certainly in the whole is
in no part, and the parts' bounds bracket the whole's (sum of the parts' "at least" is
at most the whole's "at most", sum of their "at most" at least the whole's "at least").
Each failure names the persons involved, so a researcher can open their records.

Errors are contradictions that make a published number wrong (a person counted twice, a
return before the apprehension). Warnings are contradictions the bounds already absorb
(sources disagreeing on a status): they are listed with the rule the status display uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from refwatch.counting.claims_check import compare_claims
from refwatch.counting.count import evaluate
from refwatch.counting.criteria import Bounds, flag_match, query_bounds
from refwatch.counting.days import NEG, POS, from_day, month_end, month_number, month_start, to_day
from refwatch.counting.evidence import STATUS_CODES
from refwatch.counting.facts import (
    CONFLICT_DETAINED_AFTER_EXIT,
    CONFLICT_EXIT_BEFORE_START,
    CONFLICT_EXITS,
    CONFLICT_NAMES,
    Mask,
)
from refwatch.counting.query import CountQuery, make_query
from refwatch.counting.snapshot import Snapshot, load_snapshot
from refwatch.counting.status import BIT, RULE, STATUSES, resolve_status, status_sets
from refwatch.gazetteer import load_gazetteer
from refwatch.store.person_pins import current_pins
from refwatch.store.workspace import Workspace

MAX_NAMED = 200


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    ok: bool
    severity: str
    message: str
    persons: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "ok": self.ok,
            "severity": self.severity,
            "message": self.message,
            "persons": self.persons,
            "details": self.details,
        }


def _ids(snapshot: Snapshot, mask: Mask) -> list[str]:
    ids = snapshot.evidence.person_ids
    return [ids[i] for i in np.flatnonzero(mask)[:MAX_NAMED].tolist()]


def _parts_add_up(
    snapshot: Snapshot, name: str, whole: Bounds, parts: Sequence[tuple[str, Bounds]]
) -> CheckOutcome:
    certain_in = np.zeros(len(whole.certain), dtype=np.int64)
    possible_in = np.zeros(len(whole.certain), dtype=np.int64)
    for _, part in parts:
        certain_in += part.certain & whole.possible
        possible_in += part.possible & whole.possible
    twice = certain_in > 1
    nowhere = whole.certain & (possible_in == 0)
    identity = snapshot.identity
    least = sum(identity.distinct(p.certain & whole.possible) for _, p in parts)
    most = sum(identity.most(p.possible & whole.possible) for _, p in parts)
    whole_least, whole_most = identity.distinct(whole.certain), identity.most(whole.possible)
    bracket = least <= whole_most and most >= whole_least
    ok = bracket and not twice.any() and not nowhere.any()
    problems = []
    if twice.any():
        problems.append(f"{int(twice.sum())} person(s) certainly in two parts")
    if nowhere.any():
        problems.append(f"{int(nowhere.sum())} person(s) in the whole but in no part")
    if not bracket:
        problems.append("the parts' bounds do not bracket the whole")
    labels = " + ".join(label for label, _ in parts)
    message = (
        f"{labels} = all: parts at least {least}, at most {most}; "
        f"all at least {whole_least}, at most {whole_most}"
    )
    if problems:
        message += " — " + "; ".join(problems)
    return CheckOutcome(
        name,
        ok,
        "error",
        message,
        _ids(snapshot, twice | nowhere),
        {
            "parts": [
                {
                    "part": label,
                    "at_least": identity.distinct(p.certain & whole.possible),
                    "at_most": identity.most(p.possible & whole.possible),
                }
                for label, p in parts
            ],
            "whole": {"at_least": whole_least, "at_most": whole_most},
        },
    )


def _age_groups(snapshot: Snapshot, query: CountQuery) -> CheckOutcome:
    facts = snapshot.facts
    whole = query_bounds(snapshot.evidence, facts, load_gazetteer(), query)
    child = flag_match(facts, "child")
    baby = flag_match(facts, "born_in_detention")
    adult = Bounds(~child.possible & ~baby.possible, ~child.certain & ~baby.certain)
    return _parts_add_up(
        snapshot,
        "children, babies born in detention and adults add up",
        whole,
        [("children", child), ("babies born in detention", baby), ("adults", adult)],
    )


def _statuses(snapshot: Snapshot, query: CountQuery, day: int) -> CheckOutcome:
    sets = status_sets(snapshot.facts, day)
    base = query_bounds(snapshot.evidence, snapshot.facts, load_gazetteer(), query)
    whole = Bounds(base.certain & sets.in_cohort_certain, base.possible & sets.in_cohort_possible)
    parts = [(s, Bounds(sets.certain(s), sets.maybe(s))) for s in STATUSES]
    outcome = _parts_add_up(
        snapshot, f"statuses as of {from_day(day).isoformat()} add up", whole, parts
    )
    return replace(outcome, message=outcome.message.replace(" = all", " = all known cases"))


def _periods(snapshot: Snapshot, query: CountQuery) -> list[CheckOutcome]:
    if query.start <= NEG or query.end >= POS:
        return []
    outcomes = []
    whole = evaluate(snapshot, query)
    first, last = month_number(from_day(query.start)), month_number(from_day(query.end))
    pieces: list[tuple[str, CountQuery]] = []
    for month in range(first, last + 1):
        lo = max(to_day(month_start(month)), query.start)
        hi = min(to_day(month_end(month)), query.end)
        label = from_day(lo).isoformat()[:7]
        pieces.append((label, _period(query, lo, hi)))
    if len(pieces) < 2:
        middle = (query.start + query.end) // 2
        if middle <= query.start:
            return []
        pieces = [
            ("first half", _period(query, query.start, middle)),
            ("second half", _period(query, middle + 1, query.end)),
        ]
    parts = []
    for label, piece in pieces:
        result = evaluate(snapshot, piece)
        parts.append((label, Bounds(result.certain_mask, result.possible_mask)))
    whole_bounds = Bounds(whole.certain_mask, whole.possible_mask)
    outcome = _parts_add_up(
        snapshot, "adjacent periods add up to the whole period", whole_bounds, parts
    )
    outcomes.append(replace(outcome, details={**outcome.details, "unit": "month"}))
    return outcomes


def _period(query: CountQuery, lo: int, hi: int) -> CountQuery:
    return replace(
        query,
        start=lo,
        end=hi,
        period_from=from_day(lo).isoformat(),
        period_to=from_day(hi).isoformat(),
        by=(),
    )


def _counted_once(snapshot: Snapshot) -> CheckOutcome:
    ev = snapshot.evidence
    mentions_unique = len(set(ev.mention_ids)) == len(ev.mention_ids)
    persons_unique = len(set(ev.person_ids)) == len(ev.person_ids)
    ok = mentions_unique and persons_unique
    return CheckOutcome(
        "no person is counted twice",
        ok,
        "error",
        f"{ev.persons} persons from {ev.mentions} current mentions; every mention belongs to "
        "exactly one person" + ("" if ok else " — DUPLICATES FOUND"),
    )


def _conflicts(snapshot: Snapshot, kind: int, name: str, severity: str) -> CheckOutcome:
    facts = snapshot.facts
    mask = (facts.conflict & kind) != 0
    count = int(mask.sum())
    message = (
        f"{count} person(s): {CONFLICT_NAMES[kind]}" if count else f"none: {CONFLICT_NAMES[kind]}"
    )
    if count and severity == "warning":
        message += f"; bounds include every status a source supports, display rule: {RULE}"
    return CheckOutcome(name, count == 0, severity, message, _ids(snapshot, mask))


def run_checks(
    workspace: Workspace,
    *,
    period_from: str | date | None = None,
    period_to: str | date | None = None,
    as_of: str | date | None = None,
    event: str = "detention",
) -> list[CheckOutcome]:
    """Every check, over a period (default: all time) and as of a date (default: today),
    then each recorded claim of another organisation beside our count for its question."""
    snapshot = load_snapshot(workspace)
    query = make_query(event=event, period_from=period_from, period_to=period_to, as_of=as_of)
    day = query.as_of_day
    return [
        _counted_once(snapshot),
        _age_groups(snapshot, query),
        _statuses(snapshot, query, day),
        *_periods(snapshot, query),
        _conflicts(
            snapshot,
            CONFLICT_EXIT_BEFORE_START,
            "no person returned (or released) before being apprehended",
            "error",
        ),
        _conflicts(
            snapshot,
            CONFLICT_DETAINED_AFTER_EXIT,
            "no person reported detained after a reported exit",
            "warning",
        ),
        _conflicts(snapshot, CONFLICT_EXITS, "no person has two incompatible exits", "warning"),
        # Other organisations' figures beside ours: warnings, never errors (docs/claims.md).
        *(CheckOutcome(**c.outcome()) for c in compare_claims(workspace, snapshot=snapshot)),
    ]


def status_conflicts(workspace: Workspace, as_of: str | date | None = None) -> list[dict[str, Any]]:
    """Persons whose sources disagree on what became of them: each source's claim and the
    status the rule resolves to."""
    snapshot = load_snapshot(workspace)
    ev, facts = snapshot.evidence, snapshot.facts
    query = make_query(as_of=as_of or date.today())
    day = query.as_of_day
    resolved = resolve_status(ev, day)
    sets = status_sets(facts, day)
    pins = _pins(workspace, day)
    out = []
    for person in np.flatnonzero(facts.conflict != 0).tolist():
        rows = np.flatnonzero(ev.m_person == person)
        claims = []
        for m in rows.tolist():
            code = int(ev.m_status[m])
            source = ev.sources[int(ev.m_source[m])] if ev.m_source[m] >= 0 else None
            claims.append(
                {
                    "mention": ev.mention_ids[m],
                    "source": source.name if source else None,
                    "status": None if code < 0 else _status_name(code),
                    "reported_on": _day_text(int(ev.m_reported_lo[m])),
                }
            )
        out.append(
            {
                "person": ev.person_ids[person],
                "conflicts": [
                    text for bit, text in CONFLICT_NAMES.items() if facts.conflict[person] & bit
                ],
                "possible": [name for name, bit in BIT.items() if sets.possible[person] & bit],
                "resolved": pins.get(ev.person_ids[person], resolved.status[person]),
                "rule": "pinned by a human" if ev.person_ids[person] in pins else RULE,
                "claims": claims,
            }
        )
    return out


def _pins(workspace: Workspace, day: int) -> dict[str, str]:
    """Pinned statuses in force on `day`, by person id."""
    with workspace.read() as conn:
        pins = current_pins(conn)
    return {
        person: str(pin.status)
        for person, pin in pins.items()
        if pin.as_of_earliest is not None and to_day(pin.as_of_earliest) <= day
    }


def _status_name(code: int) -> str:
    return {v: k for k, v in STATUS_CODES.items()}[code]


def _day_text(day: int) -> str | None:
    return None if day <= NEG or day >= POS else from_day(day).isoformat()
