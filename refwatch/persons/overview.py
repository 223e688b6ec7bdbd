"""The overview of the persons: status counts, apprehensions per month, persons still
held (the urgent-action list), places on a map and the latest reports, derived from a
snapshot (and memoised on it).

Why a module of its own: the dashboard page and its JSON endpoints (the chart, the map)
must show the same numbers, and each is computed once per evidence version; nothing here
is about the web, so the command line can give the same figures. Apprehensions per
month come from the counting engine (`count_persons(event="apprehension", by="month")`),
with its bounds: a person apprehended "2017-07/2017-08" counts in at most two months and
in at least none of them, so nothing rounds uncertainty away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from refwatch.counting import count_persons
from refwatch.counting.urgent import STALE_DAYS, HeldRule, UrgentRow
from refwatch.counting.urgent import urgent_list as counting_urgent_list
from refwatch.domain.enums import Status
from refwatch.gazetteer import Gazetteer, load_gazetteer
from refwatch.persons.listing import PersonSummary, Snapshot
from refwatch.persons.statuses import STATUS_ORDER
from refwatch.store.queries import not_superseded
from refwatch.store.schema import Mention, PersonLink, Report, Source, table_of
from refwatch.store.workspace import Workspace

reports_table, sources_table = table_of(Report), table_of(Source)
mentions_table, links_table = table_of(Mention), table_of(PersonLink)


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: Status
    persons: int
    conflicting: int


def status_counts(snapshot: Snapshot) -> list[StatusCount]:
    """Persons by status now, every status listed (zero included), in a fixed order."""
    memo = snapshot.memo.get("status_counts")
    if memo is None:
        width = len(STATUS_ORDER)
        counts = np.bincount(snapshot.status, minlength=width).tolist()
        conflicts = np.bincount(snapshot.status[snapshot.conflict], minlength=width).tolist()
        memo = snapshot.memo["status_counts"] = [
            StatusCount(s, counts[i], conflicts[i]) for i, s in enumerate(STATUS_ORDER)
        ]
    assert isinstance(memo, list)
    return memo


def apprehensions_per_month(workspace: Workspace, snapshot: Snapshot) -> list[dict[str, Any]]:
    """Per month: persons certainly apprehended in it (at_least) and possibly (at_most),
    as the counting engine counts them."""
    memo = snapshot.memo.get("per_month")
    if memo is None:
        result = count_persons(workspace, event="apprehension", by="month")
        memo = snapshot.memo["per_month"] = [
            {"month": cell.key[0], "at_least": cell.at_least, "at_most": cell.at_most}
            for cell in result.cells
        ]
    assert isinstance(memo, list)
    return memo


@dataclass(frozen=True, slots=True)
class Urgent:
    """A row of the dashboard's urgent-action list: `counting.urgent`'s row with the
    person as the pages show them (flags, conflicts, facilities)."""

    person: PersonSummary
    days_held: int | None
    days_since_news: int | None
    unverified: bool = False
    """No report has confirmed the detention for longer than the stale limit: the status
    is the last known one, not a fact about today."""


def _held_rows(snapshot: Snapshot, today: date, order: str, stale_days: int) -> list[UrgentRow]:
    """Everyone the latest credible report says is held today (the list is for action),
    memoised on the snapshot."""
    key = f"urgent:{today.isoformat()}:{order}:{stale_days}"
    memo = snapshot.memo.get(key)
    if memo is None:
        assert snapshot.counted is not None, "a snapshot built by build_snapshot"
        memo = snapshot.memo[key] = counting_urgent_list(
            snapshot.counted,
            today,
            rule=HeldRule.LATEST_REPORT,
            order=order,
            stale_days=stale_days,
        )
    assert isinstance(memo, list)
    return memo


def held_count(snapshot: Snapshot, today: date) -> int:
    return len(_held_rows(snapshot, today, "held", STALE_DAYS))


def urgent_list(
    snapshot: Snapshot,
    today: date,
    limit: int,
    *,
    order: str = "held",
    stale_days: int = STALE_DAYS,
) -> list[Urgent]:
    """Persons still held: longest held first (by the day custody had certainly begun), or,
    with `order="news"`, longest without news first (the ones to verify)."""
    return [
        Urgent(snapshot.summary(row.index), row.days_held, row.days_since_news, row.unverified)
        for row in _held_rows(snapshot, today, order, stale_days)[:limit]
    ]


def place_label(place_id: str, lang: str, gazetteer: Gazetteer | None = None) -> str:
    gaz = gazetteer or load_gazetteer()
    if place_id not in gaz:
        return place_id
    place = gaz.get(place_id)
    return place.name_hangul if lang == "ko" and place.name_hangul else place.name_latin


def map_points(snapshot: Snapshot, lang: str) -> dict[str, list[dict[str, Any]]]:
    """Apprehension places and facilities with the number of persons at each."""
    key = f"map:{lang}"
    memo = snapshot.memo.get(key)
    if memo is None:
        gaz = load_gazetteer()
        width = len(snapshot.places)
        places = np.bincount(snapshot.place_code, minlength=width).tolist()
        facilities = np.bincount(snapshot.facility_code, minlength=width).tolist()
        detained = snapshot.status_of(Status.DETAINED)
        still = snapshot.facility_code[detained[snapshot.facility_person]]
        held = np.bincount(still, minlength=width).tolist()

        def point(code: int, persons: int, **extra: int) -> dict[str, Any]:
            place_id = snapshot.places[code]
            place = gaz.get(place_id)
            return {
                "id": place_id,
                "name": place_label(place_id, lang, gaz),
                "lat": place.lat,
                "lon": place.lon,
                "persons": persons,
                **extra,
            }

        memo = snapshot.memo[key] = {
            "places": [
                point(c, n) for c, n in enumerate(places) if n and snapshot.places[c] in gaz
            ],
            "facilities": [
                point(c, n, held=held[c])
                for c, n in enumerate(facilities)
                if n and snapshot.places[c] in gaz
            ],
        }
    assert isinstance(memo, dict)
    return memo


def latest_reports(conn: Connection, snapshot: Snapshot, limit: int = 8) -> list[Any]:
    """The most recently reported accounts (by the date the source gave, then arrival);
    memoised on the snapshot, since reports only change with the evidence version."""
    key = f"latest_reports:{limit}"
    memo = snapshot.memo.get(key)
    if memo is None:
        memo = snapshot.memo[key] = _latest_reports(conn, limit)
    assert isinstance(memo, list)
    return memo


def _latest_reports(conn: Connection, limit: int) -> list[Any]:
    r, s, m, k = reports_table, sources_table, mentions_table, links_table
    query = (
        select(
            r.c.id,
            r.c.reported_on,
            r.c.reported_latest,
            r.c.received_at,
            s.c.id.label("source_id"),
            s.c.name.label("source"),
            s.c.reliability,
            m.c.status,
            k.c.person_id,
        )
        .join(s, s.c.id == r.c.source_id)
        .outerjoin(m, m.c.report_id == r.c.id)
        .outerjoin(k, k.c.mention_id == m.c.id)
        .where(not_superseded(r))
        .order_by(r.c.reported_latest.desc().nulls_last(), r.c.received_at.desc())
        .limit(limit)
    )
    return list(conn.execute(query))
