"""What the dashboard and the person list know about every person, as arrays in memory.

Why: the dashboard (status counts, the urgent-action list, the map) and the person list's
filters need, for every person, facts spread over mentions, reports and events. The
counting engine already folds exactly these facts into numpy arrays for its counts
(`refwatch.counting`: the evidence, the person-level fact table, the resolved status), so
the pages use the same arrays: the numbers on a page are the numbers `refwatch count`
gives, and filtering 100,000 persons is a few vectorised operations. A snapshot is built
once per evidence version (see `evidence_clock`) and per day (statuses are "as of
today"). Only structured, non-identifying fields are here; names live in `name_index`.

Custody began ("held since") is the counting engine's hull of the reported start dates,
so "held at least N days" counts from the latest day a report allows, an honest lower
bound.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from refwatch.counting.days import NEG, POS, from_day, to_day
from refwatch.counting.evidence import FLAG_BITS, STATUS_CODES
from refwatch.counting.facts import DETENTION
from refwatch.counting.snapshot import Snapshot as CountingSnapshot
from refwatch.counting.snapshot import load_snapshot
from refwatch.counting.status import resolve_status
from refwatch.counting.urgent import custody_by, last_confirmed
from refwatch.domain.enums import Status
from refwatch.persons.statuses import STATUS_ORDER
from refwatch.store.workspace import Workspace

Interval = tuple[date, date]
Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
SEX_OF_CODE = {1: "F", 2: "M"}
_ORDER_OF_CODE = {STATUS_CODES[s.value]: i for i, s in enumerate(STATUS_ORDER)}
UNKNOWN_INDEX = STATUS_ORDER.index(Status.UNKNOWN)


def day_or_none(day: int) -> date | None:
    return None if day <= NEG or day >= POS else from_day(day)


@dataclass(frozen=True, slots=True)
class PersonSummary:
    """One person as a page shows them (built on demand from the arrays)."""

    person_id: str
    status: Status
    status_as_of: date | None
    status_conflict: bool
    custody_start: Interval | None
    held_by: date | None
    last_news: date | None
    sex: str | None
    flags: frozenset[str]
    place_ids: frozenset[str]
    facility_ids: frozenset[str]
    source_ids: frozenset[str]
    mentions: int


def _ranges(owner: npt.NDArray[Any], n: int) -> Ints:
    """Start offsets of each owner's run in an array sorted by owner (CSR layout)."""
    return np.searchsorted(owner, np.arange(n + 1)).astype(np.int64)


@dataclass(eq=False)
class Snapshot:
    """Per-person arrays of one evidence version, indexed like `person_ids` (sorted)."""

    version: int
    built_on: date
    person_ids: list[str]
    status: npt.NDArray[np.int8]  # index into STATUS_ORDER
    status_day: Ints
    conflict: Mask
    start_lo: Ints
    start_hi: Ints
    last_news: Ints
    sex: npt.NDArray[np.int8]
    flags: npt.NDArray[np.int32]
    mentions: npt.NDArray[np.int32]
    places: list[str]  # vocabulary of place and facility ids
    source_ids: list[str]
    place_person: npt.NDArray[np.int32]
    place_code: npt.NDArray[np.int32]
    facility_person: npt.NDArray[np.int32]
    facility_code: npt.NDArray[np.int32]
    source_person: npt.NDArray[np.int32]
    source_code: npt.NDArray[np.int32]
    counted: CountingSnapshot | None = None
    """The counting engine's snapshot these arrays were built from (same person order)."""
    index: dict[str, int] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.person_ids)
        self.index = {pid: i for i, pid in enumerate(self.person_ids)}
        self._place_at = _ranges(self.place_person, n)
        self._facility_at = _ranges(self.facility_person, n)
        self._source_at = _ranges(self.source_person, n)

    def __len__(self) -> int:
        return len(self.person_ids)

    def status_of(self, status: Status) -> Mask:
        return np.asarray(self.status == STATUS_ORDER.index(status))

    def summary(self, i: int) -> PersonSummary:
        place_codes = self.place_code[self._place_at[i] : self._place_at[i + 1]]
        facility_codes = self.facility_code[self._facility_at[i] : self._facility_at[i + 1]]
        source_codes = self.source_code[self._source_at[i] : self._source_at[i + 1]]
        lo, hi = int(self.start_lo[i]), int(self.start_hi[i])
        held_by = day_or_none(hi)
        start_low = day_or_none(lo)
        return PersonSummary(
            person_id=self.person_ids[i],
            status=STATUS_ORDER[int(self.status[i])],
            status_as_of=day_or_none(int(self.status_day[i])),
            status_conflict=bool(self.conflict[i]),
            custody_start=None if held_by is None or start_low is None else (start_low, held_by),
            held_by=held_by,
            last_news=day_or_none(int(self.last_news[i])),
            sex=SEX_OF_CODE.get(int(self.sex[i])),
            flags=frozenset(name for name, bit in FLAG_BITS.items() if int(self.flags[i]) & bit),
            place_ids=frozenset(self.places[c] for c in place_codes.tolist()),
            facility_ids=frozenset(self.places[c] for c in facility_codes.tolist()),
            source_ids=frozenset(self.source_ids[c] for c in source_codes.tolist()),
            mentions=int(self.mentions[i]),
        )

    def summaries(self, indices: npt.NDArray[Any] | list[int]) -> list[PersonSummary]:
        return [self.summary(int(i)) for i in indices]

    def get(self, person_id: str) -> PersonSummary | None:
        i = self.index.get(person_id)
        return None if i is None else self.summary(i)


def _pairs(person: npt.NDArray[Any], code: npt.NDArray[Any], width: int) -> tuple[Any, Any]:
    keep = code >= 0
    key = np.unique(person[keep].astype(np.int64) * max(width, 1) + code[keep])
    return (key // max(width, 1)).astype(np.int32), (key % max(width, 1)).astype(np.int32)


def build_snapshot(workspace: Workspace, version: int, today: date) -> Snapshot:
    """The persons of the counting engine's current snapshot, with their status today."""
    counted = load_snapshot(workspace)
    ev, facts = counted.evidence, counted.facts
    n = ev.persons
    resolved = resolve_status(ev, to_day(today))
    status = np.full(n, UNKNOWN_INDEX, dtype=np.int8)
    status_day = np.full(n, NEG, dtype=np.int64)
    winners = resolved.mention
    chosen = winners >= 0
    codes = ev.m_status[winners[chosen]]
    status[chosen] = np.array([_ORDER_OF_CODE[int(c)] for c in codes.tolist()], dtype=np.int8)
    stated = np.where(ev.m_status_lo > NEG, ev.m_status_lo, ev.m_reported_lo)
    status_day[chosen] = stated[winners[chosen]]
    sex = np.where(facts.has_f & ~facts.has_m, 1, np.where(facts.has_m & ~facts.has_f, 2, 0))
    mentions = np.bincount(ev.m_person, minlength=n).astype(np.int32)
    source_person, source_code = _pairs(ev.m_person, ev.m_source, len(ev.sources))
    return Snapshot(
        version=version,
        built_on=today,
        person_ids=list(ev.person_ids),
        status=status,
        status_day=status_day,
        conflict=np.asarray(facts.conflict != 0),
        start_lo=np.asarray(facts.lo[DETENTION]),
        start_hi=custody_by(facts),
        last_news=last_confirmed(ev),
        sex=sex.astype(np.int8),
        flags=np.asarray(facts.flags, dtype=np.int32),
        mentions=mentions,
        places=list(ev.places),
        source_ids=[s.id for s in ev.sources],
        place_person=facts.place_person,
        place_code=facts.place_code,
        facility_person=facts.facility_person,
        facility_code=facts.facility_code,
        source_person=source_person,
        source_code=source_code,
        counted=counted,
    )


class SnapshotCache:
    """The current snapshot, rebuilt (once, under a lock) when the evidence version moves
    or the day changes (statuses are "as of today")."""

    def __init__(self, today: Callable[[], date]) -> None:
        self._lock = threading.Lock()
        self._today = today
        self._snapshot: Snapshot | None = None

    def get(self, workspace: Workspace, version: int) -> Snapshot:
        day = self._today()
        current = self._snapshot
        if current is not None and current.version == version and current.built_on == day:
            return current
        with self._lock:
            current = self._snapshot
            if current is None or current.version != version or current.built_on != day:
                current = self._snapshot = build_snapshot(workspace, version, day)
            return current
