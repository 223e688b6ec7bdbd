"""The urgent-action list: persons held as of a day, longest held first, with the day
custody had certainly begun, when a report last confirmed them and whether that is too
old to trust. Written once for the dashboard and the internal fact sheet.

Why two rules behind one named parameter (docs/counting.md, "Who is still held"): the
dashboard's list is for action, so it includes whoever may be held, by the latest
credible report as of the day (`HeldRule.LATEST_REPORT`, the status `resolve_status`
gives). A fact sheet's list is a statement, so it names only those the event dates prove
held on the sheet's date (`HeldRule.CERTAIN`: detention is the only status possible).
Everything else, the rows, the order, "last confirmed on" and the unverified mark, is
the same for both.

It lives in counting/, not persons/, because publish/ and persons/ are sibling rooms that
may not import each other; both import counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from refwatch.counting.days import NEG, POS, from_day, to_day
from refwatch.counting.evidence import Evidence
from refwatch.counting.facts import DETENTION, PersonFacts
from refwatch.counting.snapshot import Snapshot
from refwatch.counting.status import resolve_status, status_sets

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

STALE_DAYS = 180
"""News older than this many days marks a row unverified (the alerts' default)."""
URGENT_ORDERS = ("held", "news")


class HeldRule(StrEnum):
    """Who counts as held on a day."""

    LATEST_REPORT = "latest-report"
    """The latest credible report as of the day says detained: for action."""
    CERTAIN = "certain"
    """The event dates leave detention the only possible status: for publication."""


@dataclass(frozen=True, slots=True)
class UrgentRow:
    index: int
    """The person's position in the snapshot's arrays."""
    person_id: str
    custody_from: date | None
    """The earliest day custody may have begun (None: not known)."""
    held_by: date | None
    """The day by which custody had certainly begun."""
    last_confirmed: date | None
    days_held: int | None
    days_since_news: int | None
    unverified: bool
    """No report has confirmed the person for longer than the stale limit: the status is
    the last known one, not a fact about the day."""
    facility_ids: frozenset[str]


def custody_by(facts: PersonFacts) -> Ints:
    """Per person, the day by which custody had certainly begun (POS: no detention)."""
    return np.asarray(np.where(facts.has[DETENTION], facts.hi[DETENTION], POS), dtype=np.int64)


def last_confirmed(ev: Evidence) -> Ints:
    """Per person, the latest day a report about them was made (NEG: no dated report)."""
    last = np.full(ev.persons, NEG, dtype=np.int64)
    reported = ev.m_reported_hi < POS
    np.maximum.at(last, ev.m_person[reported], ev.m_reported_hi[reported])
    return last


def held_mask(counted: Snapshot, day: int, *, rule: HeldRule) -> Mask:
    """Who is held on `day` by `rule` (see the module's doc)."""
    if rule is HeldRule.CERTAIN:
        return status_sets(counted.facts, day).certain("detained")
    resolved = resolve_status(counted.evidence, day)
    return np.array([s == "detained" for s in resolved.status], dtype=bool)


def held_order(held: Mask, held_by: Ints, news: Ints, *, order: str = "held") -> Ints:
    """The held persons' indices, longest held first (by the day custody had certainly
    begun), or with `order="news"` longest without news first (the ones to verify)."""
    indices = np.flatnonzero(held)
    indices = indices[np.lexsort((indices, held_by[indices]))]
    if order == "news":
        indices = indices[np.lexsort((indices, news[indices]))]
    return np.asarray(indices, dtype=np.int64)


def _day(day: int) -> date | None:
    return None if day <= NEG or day >= POS else from_day(day)


def urgent_list(
    counted: Snapshot,
    as_of: date,
    *,
    rule: HeldRule,
    order: str = "held",
    stale_days: int = STALE_DAYS,
) -> list[UrgentRow]:
    """Every person held on `as_of` by `rule`, as rows in `held_order`."""
    facts = counted.facts
    held_by = custody_by(facts)
    news = last_confirmed(counted.evidence)
    indices = held_order(held_mask(counted, to_day(as_of), rule=rule), held_by, news, order=order)
    facilities: dict[int, set[str]] = {}
    places = counted.evidence.places
    for person, code in zip(
        facts.facility_person.tolist(), facts.facility_code.tolist(), strict=True
    ):
        facilities.setdefault(person, set()).add(places[code])
    rows = []
    for i in indices.tolist():
        held_day, news_day = _day(int(held_by[i])), _day(int(news[i]))
        since_news = None if news_day is None else (as_of - news_day).days
        rows.append(
            UrgentRow(
                index=i,
                person_id=counted.evidence.person_ids[i],
                custody_from=_day(int(facts.lo[DETENTION][i])),
                held_by=held_day,
                last_confirmed=news_day,
                days_held=None if held_day is None else (as_of - held_day).days,
                days_since_news=since_news,
                unverified=since_news is None or since_news > stale_days,
                facility_ids=frozenset(facilities.get(i, set())),
            )
        )
    return rows
