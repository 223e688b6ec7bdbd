"""The current evidence as columns of numbers: what every count is computed from.

Why: a count must look at every current mention of every person (a million, for a large
workspace), so the evidence is read once into numpy arrays — one row per current mention
and one per claimed event, strings replaced by codes into small vocabularies — and every
query after that is vectorised arithmetic. Only structured, non-identifying fields are
read: no name, note, text or contact ever enters these arrays.

The snapshot hash is a SHA-256 over exactly what was read (sorted by record id, with the
vocabularies), so two loads give the same hash if and only if the counting engine saw the
same evidence and the same person links.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Integer, case, cast, func, literal_column, select

from refwatch.counting.days import NEG, POS, Days
from refwatch.domain.enums import EventType, Flag, Status
from refwatch.linkage.chains import Chains, load_chains
from refwatch.linkage.constraints import Constraints, row_constraints, rows_by_id
from refwatch.store.bulk import fetch_tuples
from refwatch.store.queries import current_mentions, sources
from refwatch.store.schema import Event, PersonLink, table_of
from refwatch.store.schema_linkage import LinkagePair, LinkageRun

Codes = npt.NDArray[np.int32]
events_table = table_of(Event)
links_table = table_of(PersonLink)
pairs_table = table_of(LinkagePair)
runs_table = table_of(LinkageRun)

RULES_VERSION = "3"
"""Bumped whenever a counting rule changes, so the ledger can tell rules from data."""
PLAUSIBLE = 0.05
"""Identity rule: two persons joined by a stored pair scored at least this may be one
human being (see `identity`; a linkage run stores every such pair, `plausible_min`)."""
SURE = 0.7
"""Identity rule: a link scored at least this holds a person together for "at most"."""
RULES_KEY = f"{RULES_VERSION}:identity {PLAUSIBLE}/{SURE}"
"""Everything that decides what a count says from given evidence (hashed, cached by)."""

EVENT_CODES: dict[str, int] = {kind.value: i for i, kind in enumerate(EventType)}
STATUS_CODES: dict[str, int] = {status.value: i for i, status in enumerate(Status)}
FLAG_BITS: dict[str, int] = {flag.value: 1 << i for i, flag in enumerate(Flag)}
SEX_CODES = {"F": 1, "M": 2}
RELIABILITY_RANK = {"A": 6, "B": 5, "C": 4, "D": 3, "F": 2, "E": 1}
"""Admiralty grades, best first; an ungraded source ranks with F (cannot be judged)."""


@dataclass(frozen=True)
class SourceInfo:
    id: str
    name: str
    source_type: str | None
    reliability: str | None

    @property
    def rank(self) -> int:
        return RELIABILITY_RANK.get(self.reliability or "F", 2)


@dataclass(frozen=True, eq=False)
class Evidence:
    """Current mentions (`m_*`, one per row) and their claimed events (`e_*`).

    Day columns use `NEG`/`POS` for an unknown end; code columns use -1 for unknown.
    `person_ids` is sorted; `m_person` indexes it. `places` is the vocabulary of place
    and facility ids that `e_place` and `e_facility` index.

    Identity evidence (`x_*`, `same_*`, `diff_*`, all mention rows): the pairs the latest
    linkage run scored and stored, with their match probabilities, and the active human
    decisions "same person" and "not the same" (see `identity`). `m_held` marks mentions
    whose person link no linkage run made (a person edited by hand, a confirmed key):
    such a link is taken as given.
    """

    person_ids: list[str]
    mention_ids: list[str]
    m_person: Codes
    m_source: Codes
    m_sex: Codes
    m_birth_lo: Days
    m_birth_hi: Days
    m_age_lo: Codes
    m_age_hi: Codes
    m_status: Codes
    m_status_lo: Days
    m_status_hi: Days
    m_reported_lo: Days
    m_reported_hi: Days
    m_flags: Codes
    e_mention: Codes
    e_type: Codes
    e_lo: Days
    e_hi: Days
    e_place: Codes
    e_facility: Codes
    m_held: npt.NDArray[np.bool_]
    x_a: Codes
    x_b: Codes
    x_p: npt.NDArray[np.float64]
    same_a: Codes
    same_b: Codes
    diff_a: Codes
    diff_b: Codes
    places: list[str]
    sources: list[SourceInfo]
    link_runs: tuple[str, ...]
    snapshot_hash: str

    @property
    def persons(self) -> int:
        return len(self.person_ids)

    @property
    def mentions(self) -> int:
        return len(self.mention_ids)


def _columns(rows: Sequence[Any], width: int) -> list[Sequence[Any]]:
    """Rows to columns (a comprehension per column: several times faster than zip(*rows))."""
    return [[r[i] for r in rows] for i in range(width)]


def _index(values: Sequence[Any], vocabulary: Sequence[str]) -> Codes:
    index = {v: i for i, v in enumerate(vocabulary)}
    return np.fromiter((index.get(v, -1) for v in values), dtype=np.int32, count=len(values))


def _coded(values: Sequence[Any], table: dict[str, int]) -> Codes:
    return np.fromiter((table.get(v, -1) for v in values), dtype=np.int32, count=len(values))


def _numbers(values: Sequence[Any], missing: int) -> npt.NDArray[np.int64]:
    """Integers with None for unknown (day numbers, ages) as int64 with `missing`."""
    raw = np.array(values, dtype=np.float64)
    return np.where(np.isnan(raw), missing, raw).astype(np.int64)


def _flag_bits(values: Sequence[Any]) -> Codes:
    masks: dict[str, int] = {}
    for text in set(values):
        bits = 0
        for part in (text or "").split(";"):
            bits |= FLAG_BITS.get(part.strip(), 0)
        masks[text] = bits
    return np.fromiter((masks[v] for v in values), dtype=np.int32, count=len(values))


def _day(column: Any, dialect: str) -> Any:
    """Day number (days since 1970-01-01) computed by the database: no date parsing here."""
    if dialect == "sqlite":
        return cast(func.julianday(column) - 2440587.5, Integer)
    return cast(column - literal_column("DATE '1970-01-01'"), Integer)


def load_evidence(conn: Connection) -> Evidence:
    """Read the current evidence and person links into arrays (one transaction)."""
    dialect = conn.dialect.name
    cm = current_mentions().subquery("cm")
    mention_rows = fetch_tuples(
        conn,
        select(
            cm.c.id,
            cm.c.person_id,
            cm.c.source_id,
            cm.c.sex,
            _day(cm.c.birth_earliest, dialect),
            _day(cm.c.birth_latest, dialect),
            cm.c.age_min,
            cm.c.age_max,
            cm.c.status,
            _day(cm.c.status_earliest, dialect),
            _day(cm.c.status_latest, dialect),
            _day(cm.c.reported_earliest, dialect),
            _day(cm.c.reported_latest, dialect),
            cm.c.flags,
        ).order_by(cm.c.id),
    )
    row_of = rows_by_id(str(r[0]) for r in mention_rows)
    event_rows = _current_events(conn, row_of)
    source_rows = conn.execute(
        select(sources.c.id, sources.c.name, sources.c.source_type, sources.c.reliability).order_by(
            sources.c.id
        )
    ).all()
    identity = _identity_inputs(conn, row_of)
    return build_evidence(
        mention_rows,
        event_rows,
        source_rows,
        identity.link_runs,
        held=identity.held,
        pair_rows=identity.pair_rows,
        constraints=identity.constraints,
    )


@dataclass(frozen=True)
class _IdentityInputs:
    """What a linkage run, a decision or a merge or split may change: which runs made the
    links, which links no run made, the latest run's stored pairs and the decisions."""

    link_runs: tuple[str, ...]
    held: set[str]
    pair_rows: PairRows
    constraints: Constraints


def _identity_inputs(conn: Connection, row_of: Mapping[str, int]) -> _IdentityInputs:
    runs = conn.execute(
        select(links_table.c.run_id).where(links_table.c.run_id.is_not(None)).distinct()
    ).scalars()
    chains = load_chains(conn)
    run_ids = select(runs_table.c.id)
    held = conn.execute(
        select(links_table.c.mention_id).where(
            links_table.c.run_id.is_(None) | links_table.c.run_id.not_in(run_ids)
        )
    ).scalars()
    return _IdentityInputs(
        tuple(sorted(str(r) for r in runs)),
        set(map(str, held)),
        _stored_pairs(conn, row_of, chains),
        row_constraints(conn, row_of, chains),
    )


def relink(conn: Connection, evidence: Evidence) -> Evidence | None:
    """`evidence` with its person links, stored pairs and decisions read again; None when
    a mention has no link any more (then everything is read again).

    Why: after a linkage run, a decision, a merge or a split, the mentions, their events
    and the sources are what they were; only who is whom changed. Reading the links alone
    takes a quarter of a full load at a million mentions, and the result, hash included,
    is the one a full load gives (`tests/counting/test_relink.py`). Every current mention
    has a link (an import gives each its own person), so the current mentions are the
    same set."""
    row_of = rows_by_id(str(m) for m in evidence.mention_ids)
    person_of: list[Any] = [None] * len(row_of)
    for mention_id, person_id in fetch_tuples(
        conn, select(links_table.c.mention_id, links_table.c.person_id)
    ):
        row = row_of.get(str(mention_id))
        if row is not None:
            person_of[row] = person_id
    if any(person is None for person in person_of):
        return None
    identity = _identity_inputs(conn, row_of)
    relinked = replace(
        evidence,
        **_identity_columns(
            evidence.mention_ids,
            person_of,
            identity.held,
            identity.pair_rows,
            identity.constraints,
        ),
        link_runs=identity.link_runs,
        snapshot_hash="",
    )
    object.__setattr__(relinked, "snapshot_hash", _snapshot_hash(relinked))
    return relinked


def _identity_columns(
    mention_ids: Sequence[Any],
    person_of: Sequence[Any],
    held: set[str] | None,
    pair_rows: PairRows | None,
    constraints: Constraints | None,
) -> dict[str, Any]:
    """The fields of `Evidence` that say who is whom, from each mention's person."""
    person_ids = sorted(set(person_of))
    decided = constraints or Constraints([], [], set())
    same_a, same_b = _rows(decided.same)
    diff_a, diff_b = _rows(decided.different)
    x_a, x_b, x_p = pair_rows if pair_rows is not None else pair_rows_of([], [], [])
    count = len(mention_ids)
    return {
        "person_ids": person_ids,
        "m_person": _index(person_of, person_ids),
        "m_held": np.fromiter((m in (held or ()) for m in mention_ids), np.bool_, count=count),
        "x_a": x_a,
        "x_b": x_b,
        "x_p": x_p,
        "same_a": same_a,
        "same_b": same_b,
        "diff_a": diff_a,
        "diff_b": diff_b,
    }


def _current_events(conn: Connection, row_of: Mapping[str, int]) -> list[tuple[Any, ...]]:
    """Events of the current mentions, each with its mention's row, in event-id order.

    Why rows are matched here and not by a join on a numbered copy of the current
    mentions: that made the database work out which mentions are current a second time
    and number them with a window, which took longer than reading every event (a third of
    the load at 100,000 mentions); a dictionary lookup per event costs far less."""
    ev = events_table
    dialect = conn.dialect.name
    fetched = fetch_tuples(
        conn,
        select(
            ev.c.mention_id,
            case(EVENT_CODES, value=ev.c.event_type, else_=-1),
            _day(ev.c.date_earliest, dialect),
            _day(ev.c.date_latest, dialect),
            ev.c.place_id,
            ev.c.facility_id,
        ).order_by(ev.c.id),
    )
    out: list[tuple[Any, ...]] = []
    for mention_id, *rest in fetched:
        row = row_of.get(str(mention_id))
        if row is not None:
            out.append((row, *rest))
    return out


def _stored_pairs(conn: Connection, row_of: Mapping[str, int], chains: Chains) -> PairRows:
    """The latest run's stored pairs as rows of current mentions and probabilities, sorted
    by row, row, probability; a corrected mention's pairs pass to its current version."""
    left: list[int] = []
    right: list[int] = []
    probability: list[float] = []
    pairs = pairs_table.c
    query = select(pairs.mention_a, pairs.mention_b, pairs.match_probability)
    # Few mentions are corrected: follow a chain only from those (a million pairs).
    corrected, current_of = chains.successor, chains.current_of
    for a, b, p in fetch_tuples(conn, query):
        a, b = str(a), str(b)
        row_a = row_of.get(current_of(a) if a in corrected else a)
        row_b = row_of.get(current_of(b) if b in corrected else b)
        if row_a is not None and row_b is not None and row_a != row_b:
            left.append(row_a)
            right.append(row_b)
            probability.append(float(p))
    return pair_rows_of(left, right, probability)


PairRows = tuple[Codes, Codes, npt.NDArray[np.float64]]
"""Stored pairs as rows of the mentions: (row a, row b, match probability)."""


def pair_rows_of(
    left: Sequence[int], right: Sequence[int], probability: Sequence[float]
) -> PairRows:
    """The pairs as arrays, in the order of (row a, row b, probability)."""
    x_a = np.array(left, dtype=np.int32)
    x_b = np.array(right, dtype=np.int32)
    x_p = np.array(probability, dtype=np.float64)
    order = np.lexsort((x_p, x_b, x_a))
    return x_a[order], x_b[order], x_p[order]


def _rows(pairs: Sequence[tuple[int, int]]) -> tuple[Codes, Codes]:
    ordered = sorted((min(a, b), max(a, b)) for a, b in pairs)
    return (
        np.array([a for a, _ in ordered], dtype=np.int32),
        np.array([b for _, b in ordered], dtype=np.int32),
    )


def build_evidence(
    mention_rows: Sequence[Any],
    event_rows: Sequence[Any],
    source_rows: Sequence[Any],
    link_runs: tuple[str, ...],
    *,
    held: set[str] | None = None,
    pair_rows: PairRows | None = None,
    constraints: Constraints | None = None,
) -> Evidence:
    """Arrays from fetched rows: mentions sorted by id (days as numbers), events with the
    index of their mention and their event-type code, stored pairs and decisions as rows
    of the mentions."""
    (
        m_id,
        m_person,
        m_source,
        m_sex,
        m_blo,
        m_bhi,
        m_amin,
        m_amax,
        m_status,
        m_slo,
        m_shi,
        m_rlo,
        m_rhi,
        m_flags,
    ) = _columns(mention_rows, 14)
    e_mention, e_type, e_lo, e_hi, e_place, e_facility = _columns(event_rows, 6)
    source_list = [SourceInfo(str(r[0]), str(r[1]), r[2], r[3]) for r in source_rows]
    places = sorted({p for p in (*e_place, *e_facility) if p is not None})
    evidence = Evidence(
        **_identity_columns(m_id, m_person, held, pair_rows, constraints),
        mention_ids=list(m_id),
        m_source=_index(m_source, [s.id for s in source_list]),
        m_sex=_coded(m_sex, SEX_CODES),
        m_birth_lo=_numbers(m_blo, NEG),
        m_birth_hi=_numbers(m_bhi, POS),
        m_age_lo=_numbers(m_amin, -1).astype(np.int32),
        m_age_hi=_numbers(m_amax, -1).astype(np.int32),
        m_status=_coded(m_status, STATUS_CODES),
        m_status_lo=_numbers(m_slo, NEG),
        m_status_hi=_numbers(m_shi, POS),
        m_reported_lo=_numbers(m_rlo, NEG),
        m_reported_hi=_numbers(m_rhi, POS),
        m_flags=_flag_bits(m_flags),
        e_mention=_numbers(e_mention, -1).astype(np.int32),
        e_type=_numbers(e_type, -1).astype(np.int32),
        e_lo=_numbers(e_lo, NEG),
        e_hi=_numbers(e_hi, POS),
        e_place=_index(e_place, places),
        e_facility=_index(e_facility, places),
        places=places,
        sources=source_list,
        link_runs=link_runs,
        snapshot_hash="",
    )
    digest = _snapshot_hash(evidence)
    object.__setattr__(evidence, "snapshot_hash", digest)
    return evidence


def _snapshot_hash(evidence: Evidence) -> str:
    digest = hashlib.sha256(f"refwatch-counting-rules:{RULES_KEY}\n".encode())

    def text(values: Sequence[Any]) -> None:
        digest.update("\x1f".join("" if v is None else str(v) for v in values).encode())
        digest.update(b"\x1e")

    text(evidence.person_ids)
    text(evidence.mention_ids)
    text(evidence.places)
    text([f"{s.id}|{s.name}|{s.source_type}|{s.reliability}" for s in evidence.sources])
    text(evidence.link_runs)
    for name in (
        "m_person",
        "m_source",
        "m_sex",
        "m_birth_lo",
        "m_birth_hi",
        "m_age_lo",
        "m_age_hi",
        "m_status",
        "m_status_lo",
        "m_status_hi",
        "m_reported_lo",
        "m_reported_hi",
        "m_flags",
        "e_mention",
        "e_type",
        "e_lo",
        "e_hi",
        "e_place",
        "e_facility",
        "m_held",
        "x_a",
        "x_b",
        "x_p",
        "same_a",
        "same_b",
        "diff_a",
        "diff_b",
    ):
        array = getattr(evidence, name)
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
