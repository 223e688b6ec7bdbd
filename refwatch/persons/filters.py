"""The person list's filters, shared by the page, its CSV and the JSON API.

Why one module: the three must select exactly the same persons. Filters are vectorised
over the snapshot's arrays (structured facts only); a name search, allowed only to roles
that may see names, arrives here as the set of person ids the name index found. A period
selects persons whose custody began (apprehension, or birth in detention) possibly within
it: their reported interval overlaps the period, so a person reported "2017-07/2017-08"
is listed for July; the dashboard's bounds say how many did certainly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from refwatch.counting.days import NEG, POS, to_day
from refwatch.counting.evidence import FLAG_BITS
from refwatch.domain.dates import parse_date
from refwatch.domain.enums import Flag, Status
from refwatch.domain.errors import DateError, InputError, Message, define
from refwatch.gazetteer import load_gazetteer
from refwatch.persons.listing import Snapshot

NOT_A_DATE = define(
    "filter.not_edtf", "not an EDTF date (%(why)s); write e.g. 2017-07 or 2017-07-13"
)
SORTS = ("id", "held", "news")
FLAGS = tuple(f.value for f in Flag)
Indices = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PersonFilter:
    status: Status | None = None
    conflict: bool = False
    period_from: date | None = None
    period_to: date | None = None
    place: str | None = None
    facility: str | None = None
    source: str | None = None
    flags: frozenset[str] = frozenset()
    person_ids: frozenset[str] | None = None
    sort: str = "id"

    @property
    def active(self) -> bool:
        return self != PersonFilter(sort=self.sort)

    def with_persons(self, person_ids: Iterable[str]) -> PersonFilter:
        values: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        values["person_ids"] = frozenset(person_ids)
        return PersonFilter(**values)


def _persons_with(snapshot: Snapshot, owner: Any, code: Any, wanted: list[int]) -> Any:
    mask = np.zeros(len(snapshot), dtype=bool)
    mask[owner[np.isin(code, wanted)]] = True
    return mask


def _codes(vocabulary: list[str], ids: Iterable[str]) -> list[int]:
    position = {v: i for i, v in enumerate(vocabulary)}
    return [position[i] for i in ids if i in position]


def matching(snapshot: Snapshot, chosen: PersonFilter) -> Any:
    """A boolean mask over the snapshot's persons."""
    mask = np.ones(len(snapshot), dtype=bool)
    if chosen.person_ids is not None:
        mask[:] = False
        mask[[snapshot.index[p] for p in chosen.person_ids if p in snapshot.index]] = True
    if chosen.status is not None:
        mask &= snapshot.status_of(chosen.status)
    if chosen.conflict:
        mask &= snapshot.conflict
    if chosen.flags:
        bits = sum(FLAG_BITS[f] for f in chosen.flags)
        mask &= (snapshot.flags & bits) == bits
    if chosen.source is not None:
        wanted = _codes(snapshot.source_ids, [chosen.source])
        mask &= _persons_with(snapshot, snapshot.source_person, snapshot.source_code, wanted)
    if chosen.facility is not None:
        wanted = _codes(snapshot.places, [chosen.facility])
        mask &= _persons_with(snapshot, snapshot.facility_person, snapshot.facility_code, wanted)
    if chosen.place is not None:
        wanted = _codes(snapshot.places, _within(chosen.place))
        mask &= _persons_with(snapshot, snapshot.place_person, snapshot.place_code, wanted)
    if chosen.period_from is not None:
        mask &= (snapshot.start_hi >= to_day(chosen.period_from)) & (snapshot.start_hi < POS)
    if chosen.period_to is not None:
        mask &= snapshot.start_lo <= to_day(chosen.period_to)
    return mask


def select_persons(snapshot: Snapshot, chosen: PersonFilter) -> Indices:
    """Indices of the matching persons in the chosen order."""
    found = np.flatnonzero(matching(snapshot, chosen))
    if chosen.sort == "held":
        held = np.where(snapshot.start_hi[found] >= POS, POS, snapshot.start_hi[found])
        found = found[np.lexsort((found, held))]
    elif chosen.sort == "news":
        news = np.where(snapshot.last_news[found] <= NEG, NEG, snapshot.last_news[found])
        found = found[np.lexsort((found, -news))]
    return np.asarray(found, dtype=np.int64)


def _within(place_id: str) -> frozenset[str]:
    gaz = load_gazetteer()
    return gaz.within(place_id) if place_id in gaz else frozenset({place_id})


def _one(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _day(params: Mapping[str, str], name: str, end: bool) -> date | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        interval = parse_date(value)
    except DateError as exc:
        why = Message(exc.code, **exc.params)
        raise InputError(code=NOT_A_DATE, params={"why": why}, column=name, value=value) from None
    return interval.latest if end else interval.earliest


def parse_filter(params: Mapping[str, str], flags: Iterable[str] = ()) -> PersonFilter:
    """Filters from query or form fields; InputError (naming the field) when one is bad."""
    status_text = _one(params, "status")
    status = None
    if status_text is not None:
        try:
            status = Status(status_text)
        except ValueError:
            raise InputError("unknown status", column="status", value=status_text) from None
    chosen = frozenset(f for f in flags if f)
    unknown = chosen - set(FLAGS)
    if unknown:
        raise InputError("unknown flag", column="flag", value=sorted(unknown)[0])
    sort = _one(params, "sort") or "id"
    if sort not in SORTS:
        raise InputError("unknown sort order", column="sort", value=sort)
    return PersonFilter(
        status=status,
        conflict=_one(params, "conflict") in ("1", "on", "true"),
        period_from=_day(params, "from", end=False),
        period_to=_day(params, "to", end=True),
        place=_one(params, "place"),
        facility=_one(params, "facility"),
        source=_one(params, "source"),
        flags=chosen,
        sort=sort,
    )


def place_options(snapshot: Snapshot) -> list[tuple[str, str]]:
    """(place id, kind) of every place persons were apprehended in, and the regions above
    them, for the place filter; memoised per snapshot."""
    memo = snapshot.memo.get("place_options")
    if memo is None:
        gaz = load_gazetteer()
        ids: set[str] = set()
        for code in np.unique(snapshot.place_code).tolist():
            place_id = snapshot.places[code]
            if place_id in gaz:
                ids.add(place_id)
                ids.update(a.id for a in gaz.ancestors(place_id))
        memo = snapshot.memo["place_options"] = sorted(
            ((i, gaz.get(i).kind) for i in ids), key=lambda item: (item[0].count("-"), item[0])
        )
    assert isinstance(memo, list)
    return memo


def facility_options(snapshot: Snapshot) -> list[str]:
    memo = snapshot.memo.get("facility_options")
    if memo is None:
        codes = np.unique(snapshot.facility_code).tolist()
        memo = snapshot.memo["facility_options"] = sorted(snapshot.places[c] for c in codes)
    assert isinstance(memo, list)
    return memo
