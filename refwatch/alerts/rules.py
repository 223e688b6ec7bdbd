"""The alert rules: every person still held as of a day gets an alert; severity says why.

Why over the counting engine's arrays: "still held" must be the very set `refwatch count
--status detained --as-of DAY` counts (55 in the demo), so the rules start from the same
snapshot, the same status sets and the same human pins (`refwatch.counting.status`,
`refwatch.store.person_pins`), not from a second reading of the records. A person is
alerted when detention is possible on the day (at most, not only at least): a missed
alert costs more than a needless one, and the `possibly_held` factor says which it is.

Severity rises with factors, each a code and parameters (never a name, never text a
source wrote), worded by each interface:

- `pre_return_facility` (+2): held at a facility from which someone was returned in the
  last `recent_days` (Tumen, where the returned were held before the handover);
- `group_returned` (+2): someone apprehended in the same group was already returned;
- `vulnerable` (+1, +2 for two kinds or more): a child, an older, pregnant or ill person,
  or a baby born in detention (flags, or an age at detention under 18 or of 60 and over);
- `stale` (+1): no report has confirmed the detention for more than `stale_days`;
- `conflict` (+1): the person's reports contradict each other on what became of them;
- `possibly_held` (0): detention is possible, not certain, on the day.

Score 0 is `standard`, 1 `elevated`, 2–3 `high`, 4 and more `critical`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, select

from refwatch.alerts.settings import AlertSettings, read_settings
from refwatch.counting import load_snapshot
from refwatch.counting.days import NEG, POS, from_day, to_day
from refwatch.counting.evidence import FLAG_BITS, STATUS_CODES, Evidence
from refwatch.counting.facts import CONFLICT_NAMES, DETENTION, RETURN, PersonFacts
from refwatch.counting.query import status_day
from refwatch.counting.status import StatusSets, status_sets
from refwatch.linkage.constraints import rows_by_id
from refwatch.store.bulk import fetch_tuples
from refwatch.store.person_pins import PinEdit, current_pins
from refwatch.store.queries import mentions
from refwatch.store.workspace import Workspace

SEVERITIES = ("standard", "elevated", "high", "critical")
WEIGHTS = {
    "pre_return_facility": 2,
    "group_returned": 2,
    "vulnerable": 1,
    "stale": 1,
    "conflict": 1,
    "possibly_held": 0,
}
KIND_ORDER = tuple(WEIGHTS)
VULNERABLE_FLAGS = ("child", "older", "pregnant", "ill", "born_in_detention")
CONFLICT_CODES = {1: "exits_disagree", 2: "detained_after_exit", 4: "exit_before_start"}
assert set(CONFLICT_CODES) == set(CONFLICT_NAMES)


@dataclass(frozen=True)
class Factor:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


@dataclass(frozen=True)
class AlertFacts:
    """What every alert says, computed for a day or stored: whom, what, how grave, since
    when and when last confirmed."""

    person_id: str
    kind: str
    severity: str
    severity_rank: int
    since: date | None
    last_confirmed: date | None


@dataclass(frozen=True)
class AlertView(AlertFacts):
    """One alert as the rules compute it for a day (not yet stored)."""

    factors: tuple[Factor, ...]

    def factors_json(self) -> list[dict[str, Any]]:
        return [f.as_dict() for f in self.factors]


def severity_of(score: int) -> tuple[str, int]:
    rank = 0 if score <= 0 else 1 if score == 1 else 2 if score <= 3 else 3
    return SEVERITIES[rank], rank + 1


def _day_or_none(day: int) -> date | None:
    return None if day <= NEG or day >= POS else from_day(day)


def _groups(conn: Connection, ev: Evidence) -> dict[str, set[str]]:
    """Group ids per person, of the snapshot's mentions (the current ones).

    Why the snapshot's persons and not a join on `current_mentions`: working out which
    mentions are current a second time in SQL took 4 to 6 s at a million mentions; the
    snapshot holds them already, with their persons as the rules see them."""
    row_of = rows_by_id(ev.mention_ids)
    person_of = ev.m_person.tolist()
    out: dict[str, set[str]] = defaultdict(set)
    grouped = select(mentions.c.id, mentions.c.group_id).where(mentions.c.group_id.is_not(None))
    for mention_id, group in fetch_tuples(conn, grouped):
        row = row_of.get(str(mention_id))
        if row is not None:
            out[ev.person_ids[person_of[row]]].add(str(group))
    return out


def as_of_day(as_of: str | date | None) -> date:
    """The day asked about (EDTF allowed: the latest day it allows), default today: the
    counting rule for the day a status is read on (`status_day`)."""
    return date.fromisoformat(status_day(as_of))


def compute_alerts(
    workspace: Workspace, as_of: str | date | None = None, settings: AlertSettings | None = None
) -> tuple[date, list[AlertView]]:
    """The alerts for `as_of` (default today), most severe first, then longest held."""
    day_date = as_of_day(as_of)
    day = to_day(day_date)
    snapshot = load_snapshot(workspace)
    ev, facts = snapshot.evidence, snapshot.facts
    with workspace.read() as conn:
        settings = settings or read_settings(conn)
        pins = current_pins(conn)
        groups = _groups(conn, ev) if ev.persons else {}
    sets = status_sets(facts, day)
    certain, held = _held(ev, sets, pins, day)
    people = _People.of(ev, facts, sets, certain, groups, day, settings)
    out = [people.alert(i, settings) for i in np.flatnonzero(held).tolist()]
    out.sort(key=lambda a: (-a.severity_rank, a.since or date.max, a.person_id))
    return day_date, out


def _held(
    ev: Evidence, sets: StatusSets, pins: dict[str, PinEdit], day: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Who is certainly and who is possibly held on `day`: the status sets, overridden by
    the human pins known on that day."""
    certain = sets.certain("detained")
    held = sets.maybe("detained").copy()
    index = {pid: i for i, pid in enumerate(ev.person_ids)}
    for person_id, pin in pins.items():
        i = index.get(person_id)
        if i is None or pin.as_of_earliest is None or to_day(pin.as_of_earliest) > day:
            continue
        held[i] = str(pin.status) == "detained"
        certain[i] = held[i]
    return certain, held


def _last_news(ev: Evidence, day: int) -> tuple[list[int], list[int]]:
    """Per person, the last news of any kind and the last confirmation of detention known
    on the day (NEG: none)."""
    reported = ev.m_reported_lo
    known = (reported > NEG) & (reported <= day)
    last_news = np.full(ev.persons, NEG, dtype=np.int64)
    np.maximum.at(last_news, ev.m_person[known], reported[known])
    seen = np.where(ev.m_status_lo > NEG, ev.m_status_lo, reported)
    confirms = known & (ev.m_status == STATUS_CODES["detained"]) & (seen <= day)
    last_confirmed = np.full(ev.persons, NEG, dtype=np.int64)
    np.maximum.at(last_confirmed, ev.m_person[confirms], seen[confirms])
    return last_news.tolist(), last_confirmed.tolist()


def _recent_returns(
    ev: Evidence, facts: PersonFacts, day: int, recent_days: int
) -> tuple[list[int], list[int], list[int]]:
    """Facilities from which someone was (possibly) returned recently, per (person,
    facility) pair, not counting the person themself (vectorised: a pass over every pair):
    each pair's facility code, the others returned from it, and where each person's pairs
    start. Only pairs with others returned are kept, so that the many persons with none
    cost the rules one comparison (a pass over each person's pairs, most of them quiet,
    took a quarter of the rules at a million persons held)."""
    returned = facts.has[RETURN] & (facts.lo[RETURN] <= day)
    recent_return = returned & (facts.hi[RETURN] >= day - recent_days)
    fac_person, fac_code = facts.facility_person, facts.facility_code
    returns_at = np.bincount(
        fac_code[recent_return[fac_person]], minlength=max(len(ev.places), 1)
    ).astype(np.int64)
    others_returned = returns_at[fac_code] - recent_return[fac_person].astype(np.int64)
    hot = others_returned > 0
    pair_at = np.searchsorted(fac_person[hot], np.arange(ev.persons + 1))
    return fac_code[hot].tolist(), others_returned[hot].tolist(), pair_at.tolist()


def _exposed(
    ev: Evidence, sets: StatusSets, groups: dict[str, set[str]]
) -> dict[str, list[set[str]]]:
    """Per person, the (possibly) returned members of each of their groups that has any;
    persons with none are left out.

    Why once per group: asked per person held, "who of my groups was returned" walked
    every member of every group again for each of its members held."""
    returned = {ev.person_ids[i] for i in np.flatnonzero(sets.maybe("returned")).tolist()}
    returned_in: dict[str, set[str]] = defaultdict(set)
    for person_id in returned.intersection(groups):
        for group in groups[person_id]:
            returned_in[group].add(person_id)
    out: dict[str, list[set[str]]] = {}
    for person_id, person_groups in groups.items():
        found = [returned_in[g] for g in person_groups if g in returned_in]
        if found:
            out[person_id] = found
    return out


@dataclass(frozen=True)
class _People:
    """What the rules read per person, as plain lists (reading numpy scalars one by one
    costs more than the rules themselves)."""

    ev: Evidence
    day: int
    exposed: dict[str, list[set[str]]]
    flags_of: list[int]
    age_lo_of: list[int]
    age_hi_of: list[int]
    confirmed_of: list[int]
    news_of: list[int]
    conflict_of: list[int]
    certain_of: list[bool]
    start_lo_of: list[int]
    start_hi_of: list[int]
    pair_code: list[int]
    pair_others: list[int]
    pair_start: list[int]

    @classmethod
    def of(
        cls,
        ev: Evidence,
        facts: PersonFacts,
        sets: StatusSets,
        certain: npt.NDArray[np.bool_],
        groups: dict[str, set[str]],
        day: int,
        settings: AlertSettings,
    ) -> _People:
        news_of, confirmed_of = _last_news(ev, day)
        pair_code, pair_others, pair_start = _recent_returns(ev, facts, day, settings.recent_days)
        return cls(
            ev=ev,
            day=day,
            exposed=_exposed(ev, sets, groups),
            flags_of=facts.flags.tolist(),
            age_lo_of=facts.age_lo.tolist(),
            age_hi_of=facts.age_hi.tolist(),
            confirmed_of=confirmed_of,
            news_of=news_of,
            conflict_of=facts.conflict.tolist(),
            certain_of=certain.tolist(),
            start_lo_of=facts.lo[DETENTION].tolist(),
            start_hi_of=facts.hi[DETENTION].tolist(),
            pair_code=pair_code,
            pair_others=pair_others,
            pair_start=pair_start,
        )

    def alert(self, i: int, settings: AlertSettings) -> AlertView:
        """The alert of person `i` (held): its factors, score, severity and kind."""
        person_id = self.ev.person_ids[i]
        kinds = self.vulnerable_kinds(i)
        factors = [*self.danger_factors(i, person_id, settings)]
        if kinds:
            factors.append(Factor("vulnerable", {"kinds": kinds}))
        factors += self.record_factors(i, settings)
        # The score and the weightiest factor (the first of equals) in one pass.
        score, kind, top = 0, "held", 0
        for factor in factors:
            weight = WEIGHTS[factor.code]
            score += weight
            if weight > top:
                kind, top = factor.code, weight
        if len(kinds) >= 2:
            score += 1
        severity, rank = severity_of(score)
        since = _day_or_none(self.start_lo_of[i]) or _day_or_none(self.start_hi_of[i])
        return AlertView(
            person_id=person_id,
            kind=kind,
            severity=severity,
            severity_rank=rank,
            since=since,
            last_confirmed=_day_or_none(self.confirmed_of[i]) or _day_or_none(self.news_of[i]),
            factors=tuple(factors),
        )

    def danger_factors(self, i: int, person_id: str, settings: AlertSettings) -> list[Factor]:
        """Returns nearby: from the person's facilities, and of their group."""
        factors: list[Factor] = []
        start, end = self.pair_start[i], self.pair_start[i + 1]
        if start < end:
            hot = sorted(
                (self.ev.places[self.pair_code[k]], self.pair_others[k]) for k in range(start, end)
            )
            factors.append(
                Factor(
                    "pre_return_facility",
                    {
                        "facilities": [f for f, _ in hot],
                        "returned": sum(n for _, n in hot),
                        "within_days": settings.recent_days,
                    },
                )
            )
        exposed = self.exposed.get(person_id)
        group_returned = set().union(*exposed) - {person_id} if exposed else None
        if group_returned:
            factors.append(Factor("group_returned", {"returned": len(group_returned)}))
        return factors

    def vulnerable_kinds(self, i: int) -> list[str]:
        bits = self.flags_of[i]
        kinds = [name for name in VULNERABLE_FLAGS if bits & FLAG_BITS[name]] if bits else []
        age_lo, age_hi = self.age_lo_of[i], self.age_hi_of[i]
        if "child" not in kinds and 0 <= age_hi < 18:
            kinds.append("child")
        if "older" not in kinds and age_lo >= 60:
            kinds.append("older")
        return kinds

    def record_factors(self, i: int, settings: AlertSettings) -> list[Factor]:
        """What the record says of its own strength: stale, conflicting, only possible."""
        factors: list[Factor] = []
        confirmed = self.confirmed_of[i]
        if confirmed <= NEG or self.day - confirmed > settings.stale_days:
            factors.append(
                Factor(
                    "stale",
                    {
                        "days": None if confirmed <= NEG else self.day - confirmed,
                        "threshold": settings.stale_days,
                    },
                )
            )
        conflict = self.conflict_of[i]
        if conflict:
            codes = [name for bit, name in CONFLICT_CODES.items() if conflict & bit]
            factors.append(Factor("conflict", {"conflicts": codes}))
        if not self.certain_of[i]:
            factors.append(Factor("possibly_held"))
        return factors
