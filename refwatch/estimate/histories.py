"""Capture histories from the linked persons of a workspace, overall and per stratum.

Why these rules (each is written in docs/estimation.md, because an estimate is only as
good as the lists behind it):

- A person is on a list if any current (not superseded) mention from that list is linked
  to them (`refwatch.store.queries.current_mentions`).  Lists are sources, or source
  types (all family contacts together, all NGOs together ...).
- A person's apprehension date is the interval the mentions agree on: the intersection of
  their apprehension (or birth-in-detention) intervals, or, when sources contradict each
  other, the span of them all.  A person is placed in a month or quarter by the midpoint
  of that interval; persons whose interval crosses a boundary are counted (a warning
  says how many), because their stratum is a best guess.
- Region is the province (or country) of the apprehension place, sex and age band the
  values most mentions give; disagreement or silence gives "unknown".
- `--from/--to` keep persons whose interval midpoint lies in the period; persons with
  no known date are then left out (and counted in a note).

Nothing here reads a name or any other encrypted field.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, select

from refwatch.domain.errors import Message
from refwatch.estimate import messages
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.table import CaptureTable
from refwatch.store.queries import current_mentions
from refwatch.store.schema import Event, table_of
from refwatch.store.workspace import Workspace

ListKey = Literal["source", "source_type"]
Stratum = Literal["month", "quarter", "region", "sex", "age_band"]
LIST_KEYS: tuple[str, ...] = ("source", "source_type")
STRATA: tuple[str, ...] = ("month", "quarter", "region", "sex", "age_band")
UNKNOWN = messages.UNKNOWN_STRATUM_LABEL
events_table = table_of(Event)


@dataclass
class PersonHistory:
    """What estimation needs to know about one linked person."""

    person_id: str
    lists: set[str] = field(default_factory=set)
    earliest: date | None = None
    latest: date | None = None
    region: str = UNKNOWN
    sex: str = UNKNOWN
    age_band: str = UNKNOWN

    @property
    def midpoint(self) -> date | None:
        if self.earliest is None or self.latest is None:
            return None
        return self.earliest + timedelta(days=(self.latest - self.earliest).days // 2)


@dataclass
class WorkspaceHistories:
    """The overall table, one table per stratum, and the persons behind each."""

    lists: tuple[str, ...]
    total: CaptureTable
    strata: dict[str, CaptureTable]
    persons: dict[str, list[str]]
    notes: list[str]
    query: dict[str, Any]


def _interval(intervals: list[tuple[date, date]]) -> tuple[date | None, date | None]:
    if not intervals:
        return None, None
    low = max(i[0] for i in intervals)
    high = min(i[1] for i in intervals)
    if low <= high:
        return low, high
    return min(i[0] for i in intervals), max(i[1] for i in intervals)


def _consensus(values: Iterable[str | None]) -> str:
    counts = Counter(v for v in values if v)
    if not counts:
        return UNKNOWN
    ranked = counts.most_common(2)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return UNKNOWN
    return ranked[0][0]


def _age_band(age: int | None) -> str:
    if age is None:
        return UNKNOWN
    return "0-17" if age < 18 else ("18-59" if age < 60 else "60+")


@dataclass
class MentionFacts:
    """The current mentions and their dated, placed events, read once.

    Why apart from `load_persons`: a linkage-aware estimate builds the persons again for
    each drawn clustering of the same mentions; reading the store once keeps that cheap.
    """

    rows: list[Any]
    dated: dict[str, list[tuple[date, date]]]
    places: dict[str, list[str | None]]
    regions: dict[str, str]

    @property
    def mention_ids(self) -> list[str]:
        return [str(row["id"]) for row in self.rows]


def load_mention_facts(conn: Connection) -> MentionFacts:
    """Every current mention (with its person now) and its apprehension or birth events."""
    rows = list(conn.execute(current_mentions()).mappings().all())
    wanted_ids = {row["id"] for row in rows}
    dated: dict[str, list[tuple[date, date]]] = defaultdict(list)
    places: dict[str, list[str | None]] = defaultdict(list)
    if rows:
        wanted = ("apprehension", "birth")
        query = select(
            events_table.c.mention_id,
            events_table.c.date_earliest,
            events_table.c.date_latest,
            events_table.c.place_id,
        ).where(events_table.c.event_type.in_(wanted))
        for ev in conn.execute(query).mappings():
            mention = ev["mention_id"]
            if mention not in wanted_ids:
                continue
            if ev["date_earliest"] is not None and ev["date_latest"] is not None:
                dated[mention].append((ev["date_earliest"], ev["date_latest"]))
            places[mention].append(ev["place_id"])
    regions = _regions({p for values in places.values() for p in values if p})
    return MentionFacts(rows, dict(dated), dict(places), regions)


def persons_from_facts(
    facts: MentionFacts, lists: ListKey, person_of: dict[str, str]
) -> list[PersonHistory]:
    """The persons a clustering (mention id → person label) makes of the mentions."""
    per_person: dict[str, list[Any]] = defaultdict(list)
    for row in facts.rows:
        per_person[person_of[row["id"]]].append(row)
    people = []
    for person, mentions in per_person.items():
        history = PersonHistory(person)
        intervals: list[tuple[date, date]] = []
        places: list[str | None] = []
        for row in mentions:
            label = row["source"] if lists == "source" else (row["source_type"] or UNKNOWN)
            history.lists.add(str(label))
            intervals.extend(facts.dated.get(row["id"], ()))
            places.extend(facts.places.get(row["id"], ()))
        history.earliest, history.latest = _interval(intervals)
        history.region = _consensus(facts.regions.get(p) for p in places if p)
        history.sex = _consensus(row["sex"] for row in mentions)
        history.age_band = _consensus(_mention_age(row, history) for row in mentions)
        people.append(history)
    return sorted(people, key=lambda h: h.person_id)


def load_persons(
    conn: Connection,
    lists: ListKey = "source",
    *,
    split_below: float | None = None,
    persons_of: dict[str, str] | None = None,
) -> list[PersonHistory]:
    """Every linked person with the lists that mention them and their strata facts.

    `split_below`: treat a mention linked with a match probability below this as a
    person of its own (what a stricter linkage threshold would do); links without a
    probability (confirmed by a person) are kept. `persons_of`: another clustering of
    the mentions (mention id → person label), such as `linkage.recluster` gives.
    """
    if lists not in LIST_KEYS:
        raise EstimationError(f"lists are made by source or source_type, not {lists!r}")
    facts = load_mention_facts(conn)
    person_of: dict[str, str] = {}
    for row in facts.rows:
        person = row["person_id"]
        if persons_of is not None:
            person = persons_of.get(row["id"], person)
        probability = row["match_probability"]
        if split_below is not None and probability is not None and probability < split_below:
            person = f"{person}/{row['id']}"
        person_of[row["id"]] = person
    return persons_from_facts(facts, lists, person_of)


def _mention_age(row: Any, history: PersonHistory) -> str | None:
    if row["age_min"] is not None and row["age_max"] is not None:
        low, high = _age_band(row["age_min"]), _age_band(row["age_max"])
        return low if low == high else None
    mid = history.midpoint
    if mid is not None and row["birth_earliest"] is not None and row["birth_latest"] is not None:
        oldest = _age_band((mid - row["birth_earliest"]).days // 365)
        youngest = _age_band((mid - row["birth_latest"]).days // 365)
        return oldest if oldest == youngest else None
    return None


def _regions(place_ids: set[str]) -> dict[str, str]:
    if not place_ids:
        return {}
    from refwatch.gazetteer.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    out = {}
    for place_id in place_ids:
        if place_id in gazetteer:
            province = gazetteer.province_of(place_id)
            if province is not None:
                out[place_id] = province.id
    return out


def stratum_of(history: PersonHistory, stratify: str) -> tuple[str, bool]:
    """(stratum label, whether the person's interval crosses a stratum boundary)."""
    if stratify in ("month", "quarter"):
        mid = history.midpoint
        if mid is None or history.earliest is None or history.latest is None:
            return UNKNOWN, False
        label = _period(mid, stratify)
        crosses = _period(history.earliest, stratify) != _period(history.latest, stratify)
        return label, crosses
    value = {"region": history.region, "sex": history.sex, "age_band": history.age_band}
    if stratify not in value:
        raise EstimationError(f"strata are {', '.join(STRATA)}, not {stratify!r}")
    return value[stratify], False


def _period(day: date, kind: str) -> str:
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def check_left_out(people: list[PersonHistory], left_out: Iterable[str]) -> None:
    """Refuse a list to leave out that no person is on (a typo), naming the known lists,
    and leaving out every list (nothing would be left to estimate from)."""
    known = sorted({name for p in people for name in p.lists})
    unknown = sorted(set(left_out) - set(known))
    if unknown:
        raise EstimationError(
            code=messages.UNKNOWN_LIST,
            field="leave_out",
            params={"name": ", ".join(map(repr, unknown)), "known": ", ".join(known)},
        )
    if known and set(known) <= set(left_out):
        raise EstimationError(code=messages.ALL_LEFT_OUT, field="leave_out")


def _without(people: list[PersonHistory], left_out: tuple[str, ...]) -> list[PersonHistory]:
    """The persons as the other lists saw them: the left-out lists taken off each person,
    and the persons no other list saw left out."""
    kept = []
    for person in people:
        others = person.lists - set(left_out)
        if others:
            kept.append(replace(person, lists=others))
    return kept


def histories_from_persons(
    people: list[PersonHistory],
    *,
    stratify: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    lists: Iterable[str] | None = None,
    leave_out: Iterable[str] = (),
) -> WorkspaceHistories:
    """The capture tables of `people`, after the period and the lists left out.

    `leave_out`: lists the estimate does without (one that overlaps no other cannot be
    estimated with). A person keeps the other lists that saw them; a person seen only on
    left-out lists is not counted at all, as if no list had seen them."""
    notes: list[str] = []
    left_out = tuple(sorted(set(leave_out)))
    chosen = people
    if period_from is not None or period_to is not None:
        undated = sum(1 for p in people if p.midpoint is None)
        chosen = [
            p
            for p in people
            if p.midpoint is not None
            and (period_from is None or p.midpoint >= period_from)
            and (period_to is None or p.midpoint <= period_to)
        ]
        if undated:
            notes.append(Message(messages.UNDATED_LEFT_OUT, n=undated))
    if left_out:
        check_left_out(people, left_out)
    names = tuple(
        sorted(set(lists) - set(left_out))
        if lists is not None
        else sorted({x for p in chosen for x in p.lists} - set(left_out))
    )
    if not names:
        raise EstimationError("no linked persons in this selection")
    if left_out:
        kept = len(chosen)
        chosen = _without(chosen, left_out)
        notes.append(
            Message(messages.LISTS_LEFT_OUT, lists=", ".join(left_out), n=kept - len(chosen))
        )

    def table(group: list[PersonHistory]) -> CaptureTable:
        rows = [([int(name in p.lists) for name in names], 1) for p in group]
        return CaptureTable.from_histories(names, rows)

    groups: dict[str, list[PersonHistory]] = defaultdict(list)
    crossing = 0
    if stratify is not None:
        for person in chosen:
            label, crosses = stratum_of(person, stratify)
            crossing += crosses
            groups[label].append(person)
        if crossing:
            notes.append(Message(messages.SPANS_TWO, n=crossing, stratify=stratify))
        if groups.get(UNKNOWN):
            notes.append(
                Message(messages.UNKNOWN_STRATUM, n=len(groups[UNKNOWN]), stratify=stratify)
            )
    return WorkspaceHistories(
        lists=names,
        total=table(chosen),
        strata={label: table(group) for label, group in sorted(groups.items())},
        persons={
            "total": [p.person_id for p in chosen],
            **{label: [p.person_id for p in group] for label, group in groups.items()},
        },
        notes=notes,
        query={
            "stratify": stratify,
            "from": period_from.isoformat() if period_from else None,
            "to": period_to.isoformat() if period_to else None,
            **({"leave_out": list(left_out)} if left_out else {}),
        },
    )


def list_names(workspace: Workspace) -> dict[str, list[str]]:
    """The lists an estimate can leave out, by how lists are made: every source and every
    source type of a current mention (a form offers them as they are in the workspace)."""
    mentions = current_mentions().subquery()
    with workspace.read() as conn:
        found = conn.execute(select(mentions.c.source, mentions.c.source_type).distinct()).all()
    return {
        "source": sorted({str(source) for source, _type in found}),
        "source_type": sorted({str(kind or UNKNOWN) for _source, kind in found}),
    }


@dataclass(frozen=True)
class HistoriesQuery:
    """What an estimate from a workspace is asked of: lists made by source or by source
    type, the strata, the period (`histories_from_persons`) and the lists left out. Every
    way of building the capture tables (as the links stand, drawn linkages, re-clustered
    links) reads these five from here."""

    lists: ListKey = "source"
    stratify: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    leave_out: tuple[str, ...] = ()

    def check_strata(self) -> None:
        """Refuse strata this module does not know, before any person is read."""
        if self.stratify is not None and self.stratify not in STRATA:
            raise EstimationError(f"strata are {', '.join(STRATA)}, not {self.stratify!r}")

    def histories(
        self, people: list[PersonHistory], names: Iterable[str] | None = None
    ) -> WorkspaceHistories:
        """The capture tables of `people` for this question; `names` fixes the lists."""
        result = histories_from_persons(
            people,
            stratify=self.stratify,
            period_from=self.period_from,
            period_to=self.period_to,
            lists=names,
            leave_out=self.leave_out,
        )
        result.query["lists"] = self.lists
        return result


def workspace_histories(workspace: Workspace, query: HistoriesQuery) -> WorkspaceHistories:
    """Capture tables built from the workspace's linked persons (see the module rules)."""
    query.check_strata()
    with workspace.read() as conn:
        people = load_persons(conn, query.lists)
    return query.histories(people)
