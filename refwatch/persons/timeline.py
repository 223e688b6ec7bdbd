"""One person's record as the person page shows it: timeline, conflicts, mentions, group.

Why: a researcher judging a case must see each event with the reports behind it, and
where reports disagree, both claims side by side instead of one silently winning. Events
of one kind whose dates overlap are one timeline entry supported by several reports; the
same kind with dates that cannot be reconciled (two return dates a month apart) gives one
entry per claim and a conflict; so do different places or facilities for one event.
Names are not read here: the route adds them for roles allowed to see them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from refwatch.domain.enums import EventType
from refwatch.store.queries import (
    current_mentions,
    from_row,
    groups,
    links,
    mentions,
    reports,
    sources,
)
from refwatch.store.schema import Event, table_of

events_table = table_of(Event)
EVENT_ORDER = {
    kind.value: index
    for index, kind in enumerate(
        (
            EventType.BIRTH,
            EventType.DEPARTURE,
            EventType.APPREHENSION,
            EventType.DETENTION,
            EventType.TRANSFER,
            EventType.RETURN,
            EventType.RELEASE,
            EventType.SAFETY,
            EventType.IMPRISONMENT,
            EventType.DISAPPEARANCE,
            EventType.DEATH,
        )
    )
}
# Kinds a person lives through once: two irreconcilable dates are a conflict.
ONCE = frozenset(
    {
        EventType.BIRTH.value,
        EventType.APPREHENSION.value,
        EventType.RETURN.value,
        EventType.RELEASE.value,
        EventType.SAFETY.value,
        EventType.DEATH.value,
    }
)


@dataclass(frozen=True, slots=True)
class MentionView:
    id: str
    report_id: str
    record_id: str | None
    reported_on: str | None
    reported_latest: date | None
    source_id: str
    source: str
    source_type: str | None
    reliability: str | None
    match_probability: float | None
    sex: str | None
    birth_year: str | None
    age: str | None
    origin: str | None
    status: str | None
    status_on: str | None
    flags: tuple[str, ...]
    group_id: str | None
    group_label: str | None


@dataclass(frozen=True, slots=True)
class EventView:
    id: str
    mention_id: str
    event_type: str
    date_edtf: str | None
    earliest: date | None
    latest: date | None
    place: str | None
    place_id: str | None
    facility: str | None
    facility_id: str | None
    mention: MentionView


@dataclass
class TimelineEntry:
    event_type: str
    earliest: date | None
    latest: date | None
    claims: list[EventView] = field(default_factory=list)
    conflict: bool = False

    @property
    def dates(self) -> list[str]:
        return sorted({c.date_edtf for c in self.claims if c.date_edtf})

    @property
    def places(self) -> list[str]:
        return sorted({c.place for c in self.claims if c.place})

    @property
    def facilities(self) -> list[str]:
        return sorted({c.facility for c in self.claims if c.facility})


@dataclass(frozen=True, slots=True)
class Conflict:
    """Reports that disagree about one thing; each side lists the claims that agree."""

    kind: str  # "date", "place" or "facility"
    event_type: str
    sides: tuple[tuple[EventView, ...], ...]


@dataclass(frozen=True, slots=True)
class GroupView:
    id: str
    label: str
    source: str
    size_min: int | None
    size_max: int | None
    flags: str
    description: str | None
    members: tuple[str, ...]


@dataclass
class PersonDetail:
    person_id: str
    mentions: list[MentionView]
    timeline: list[TimelineEntry]
    conflicts: list[Conflict]
    groups: list[GroupView]

    @property
    def sources(self) -> list[str]:
        return sorted({m.source for m in self.mentions})


def _mention_views(conn: Connection, person_id: str) -> list[MentionView]:
    # current_mentions' columns hold every field of a MentionView but the source's grade.
    query = (
        current_mentions()
        .add_columns(sources.c.reliability)
        .where(links.c.person_id == person_id)
        .order_by(reports.c.reported_latest, mentions.c.id)
    )
    return [
        from_row(MentionView, row, flags=tuple(f for f in (row.flags or "").split(";") if f))
        for row in conn.execute(query)
    ]


def event_fields(row: Any) -> dict[str, Any]:
    """An events row's own fields under the names EventView and the API's events give them
    (the row's `date_earliest` is the event's `earliest`)."""
    return {
        "id": row.id,
        "mention_id": row.mention_id,
        "event_type": row.event_type,
        "date_edtf": row.date_edtf,
        "earliest": row.date_earliest,
        "latest": row.date_latest,
        "place": row.place,
        "place_id": row.place_id,
        "facility": row.facility,
        "facility_id": row.facility_id,
    }


def _event_views(conn: Connection, by_id: dict[str, MentionView]) -> list[EventView]:
    e = events_table
    rows = conn.execute(
        select(e).where(e.c.mention_id.in_(list(by_id))).order_by(e.c.date_earliest, e.c.id)
    )
    return [EventView(**event_fields(row), mention=by_id[row.mention_id]) for row in rows]


def agreed_interval(intervals: Iterable[tuple[date, date]]) -> tuple[date, date] | None:
    """Where all reported intervals agree (their intersection), else the span of them all."""
    spans = list(intervals)
    if not spans:
        return None
    low, high = max(s[0] for s in spans), min(s[1] for s in spans)
    if low <= high:
        return low, high
    return min(s[0] for s in spans), max(s[1] for s in spans)


def _clusters(claims: list[EventView]) -> list[list[EventView]]:
    """Claims whose dates overlap (directly or through a chain) form one cluster; undated
    claims join the only cluster there is, or stand apart when there are several."""
    dated = sorted(
        (c for c in claims if c.earliest is not None and c.latest is not None),
        key=lambda c: (c.earliest, c.latest),
    )
    clusters: list[list[EventView]] = []
    reach: date | None = None
    for claim in dated:
        assert claim.earliest is not None and claim.latest is not None
        if clusters and reach is not None and claim.earliest <= reach:
            clusters[-1].append(claim)
            reach = max(reach, claim.latest)
        else:
            clusters.append([claim])
            reach = claim.latest
    undated = [c for c in claims if c.earliest is None or c.latest is None]
    if undated:
        if len(clusters) == 1:
            clusters[0].extend(undated)
        else:
            clusters.append(undated)
    return clusters


def _differ(claims: list[EventView], attribute: str) -> tuple[tuple[EventView, ...], ...]:
    """Sides of a disagreement on a resolved place or facility id (empty if they agree)."""
    by_value: dict[str, list[EventView]] = defaultdict(list)
    for claim in claims:
        value = getattr(claim, attribute)
        if value:
            by_value[value].append(claim)
    if len(by_value) < 2:
        return ()
    return tuple(tuple(side) for _, side in sorted(by_value.items()))


def build_timeline(events: list[EventView]) -> tuple[list[TimelineEntry], list[Conflict]]:
    by_type: dict[str, list[EventView]] = defaultdict(list)
    for event in events:
        by_type[event.event_type].append(event)
    timeline: list[TimelineEntry] = []
    conflicts: list[Conflict] = []
    for kind, claims in by_type.items():
        clusters = _clusters(claims)
        dated_clusters = [c for c in clusters if any(e.earliest for e in c)]
        date_conflict = kind in ONCE and len(dated_clusters) > 1
        if date_conflict:
            conflicts.append(Conflict("date", kind, tuple(tuple(c) for c in dated_clusters)))
        for cluster in clusters:
            span = agreed_interval(
                (e.earliest, e.latest)
                for e in cluster
                if e.earliest is not None and e.latest is not None
            )
            entry = TimelineEntry(
                kind,
                None if span is None else span[0],
                None if span is None else span[1],
                list(cluster),
                date_conflict and cluster in dated_clusters,
            )
            for attribute, label in (("place_id", "place"), ("facility_id", "facility")):
                sides = _differ(cluster, attribute)
                if sides:
                    conflicts.append(Conflict(label, kind, sides))
                    entry.conflict = True
            timeline.append(entry)
    timeline.sort(key=lambda t: (t.earliest or date.max, EVENT_ORDER.get(t.event_type, 99)))
    return timeline, conflicts


def _groups(conn: Connection, mention_views: list[MentionView]) -> list[GroupView]:
    group_ids = sorted({m.group_id for m in mention_views if m.group_id})
    if not group_ids:
        return []
    members: dict[str, set[str]] = defaultdict(set)
    member_query = (
        current_mentions()
        .with_only_columns(mentions.c.group_id, links.c.person_id)
        .where(mentions.c.group_id.in_(group_ids))
    )
    for row in conn.execute(member_query):
        members[row.group_id].add(row.person_id)
    g, s = groups, sources
    rows = conn.execute(
        select(g, s.c.name.label("source"))
        .join(s, s.c.id == g.c.source_id)
        .where(g.c.id.in_(group_ids))
        .order_by(g.c.label)
    )
    return [
        from_row(
            GroupView, row, flags=row.flags or "", members=tuple(sorted(members.get(row.id, ())))
        )
        for row in rows
    ]


def load_person(conn: Connection, person_id: str) -> PersonDetail | None:
    """The person's current record, or None when no current mention is linked to the id."""
    mention_views = _mention_views(conn, person_id)
    if not mention_views:
        return None
    events = _event_views(conn, {m.id: m for m in mention_views})
    timeline, conflicts = build_timeline(events)
    return PersonDetail(person_id, mention_views, timeline, conflicts, _groups(conn, mention_views))


def as_json_ready(value: Any) -> Any:
    """Dates as ISO text, for the JSON API."""
    if isinstance(value, date):
        return value.isoformat()
    return value
