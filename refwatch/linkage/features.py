"""The mention feature table linkage compares: one row per current mention, in memory.

Why a table of its own: Splink compares columns of one table. This module reads the
current mentions (not superseded), their claimed apprehension (or birth in custody) and
detention, decrypts their names, and derives comparable columns: name keys
(`refwatch.linkage.names`), a birth-year interval (from the birth year, or from the age
at apprehension), day numbers for the apprehension interval, gazetteer ids and
coordinates for places.

Confidentiality: the name keys are as identifying as the names, so the table exists only
as an Arrow table in this process (and in DuckDB's memory, see `run.duckdb_connection`);
nothing here is written to a database, a file or a log. Reading the names is audited by
the caller with counts only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from sqlalchemy import Connection, Select, String, case, cast, func, select

from refwatch.domain.enums import Flag
from refwatch.gazetteer import Gazetteer, load_gazetteer
from refwatch.linkage.names import NameKeyer, canonical_key
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links, mentions, reports, sources
from refwatch.store.schema import Event, table_of

events = table_of(Event)

SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("source_id", pa.string()),
        ("name_key", pa.string()),
        ("name_key_alt", pa.string()),
        ("surname", pa.string()),
        ("given", pa.string()),
        ("name_key_rare", pa.string()),
        ("hangul", pa.string()),
        ("ph", pa.string()),
        ("ph_rev", pa.string()),
        ("ph_bag", pa.string()),
        ("group_id", pa.string()),
        ("sex", pa.string()),
        ("birth_lo", pa.int32()),
        ("birth_hi", pa.int32()),
        ("origin_id", pa.string()),
        ("origin_province", pa.string()),
        ("appr_lo", pa.int32()),
        ("appr_hi", pa.int32()),
        ("appr_place_id", pa.string()),
        ("appr_area", pa.string()),
        ("status", pa.string()),
        ("status_lo", pa.int32()),
        ("status_hi", pa.int32()),
        ("ph_known", pa.bool_()),
        ("ph_flat", pa.string()),
        ("flags_rare", pa.string()),
    ]
)
"""The columns Splink sees. `unique_id` is the row's position in `MentionTable.mention_ids`."""

CAPPED_KEYS: tuple[str, ...] = (
    "ph_c",
    "ph_tail_c",
    "ph_bag_c",
    "given_c",
    "hangul_c",
    "surname_head_c",
    "surname_tail_c",
    "surname_sex_area_c",
    "day_area_sex_c",
    "area_ph2_c",
)
"""Blocking keys kept only where few mentions share them (`capped`), appended to `SCHEMA`.

Why: the rules that find pairs typing errors split (the same letters of a sound key, the
same given name, ...) join on keys far less selective than a whole name. Among a thousand
mentions each key is shared by a handful; among a hundred thousand, a common given name
or the Hangul name 김영희 is shared by thousands, and those rules made 22 million
candidate pairs of which 88 were true (settings version 2, benchmarks/linkage_blocking.py).
A key shared by more than `key_cap` mentions is dropped from these rules: a pair that
only a common key brings together could not be told from two people anyway."""


@dataclass
class MentionTable:
    """The feature table and what maps its rows back to the evidence."""

    table: pa.Table
    mention_ids: list[str]
    person_ids: list[str]
    names_read: int

    def __len__(self) -> int:
        return len(self.mention_ids)


class _Days:
    """ISO date text -> day number, memoised (dates repeat: months, surges)."""

    def __init__(self) -> None:
        self._memo: dict[str, int] = {}

    def __call__(self, text: str | None) -> int | None:
        if text is None:
            return None
        found = self._memo.get(text)
        if found is None:
            found = self._memo[text] = date.fromisoformat(text[:10]).toordinal()
        return found

    @staticmethod
    def year(day: int | None) -> int | None:
        return None if day is None else date.fromordinal(day).year


def _as_text(column: Any) -> Any:
    """A date column read as ISO text: parsing it in SQLAlchemy costs more than the query."""
    return cast(column, String).label(column.name)


_START = ("apprehension", "birth")


def _claims_subquery() -> Any:
    """One row per mention: its apprehension (or birth in custody) interval and place.

    The importer claims at most one apprehension-or-birth per mention, so MAX picks that
    one value. Aggregating in SQL spares a Python pass over the events; grouping all of
    them (no filter on the type) lets SQLite read them in the order of their mention index.
    """
    start = events.c.event_type.in_(_START)

    def when(column: Any) -> Any:
        return func.max(case((start, column), else_=None))

    return (
        select(
            events.c.mention_id,
            when(cast(events.c.date_earliest, String)).label("appr_lo"),
            when(cast(events.c.date_latest, String)).label("appr_hi"),
            when(events.c.place_id).label("place_id"),
        )
        .group_by(events.c.mention_id)
        .subquery("claims")
    )


def birth_interval(
    birth_earliest: int | None,
    birth_latest: int | None,
    age_min: int | None,
    age_max: int | None,
    when_lo: int | None,
    when_hi: int | None,
) -> tuple[int | None, int | None]:
    """Birth year as an interval: from the birth year if given, else from the age.

    Arguments are years. An age is "at apprehension" (or at the report when no
    apprehension date is known); whole years and a birthday not yet reached make it one
    year less precise.
    """
    if birth_earliest is not None and birth_latest is not None:
        return birth_earliest, birth_latest
    if age_min is not None and age_max is not None and when_lo is not None:
        return when_lo - age_max - 1, (when_hi or when_lo) - age_min
    return None, None


class _Places:
    """The gazetteer as flat look-up tables: province and area of each place id."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.known = {place.id for place in gazetteer}
        self.province: dict[str | None, str | None] = {}
        self.area: dict[str | None, str | None] = {}
        for place in gazetteer:
            found = gazetteer.province_of(place.id)
            self.province[place.id] = found.id if found is not None else None
            # The area of a place is its largest division below the province: the
            # prefecture (Yanji, Tumen → Yanbian), the prefecture-level city (Changbai →
            # Baishan) or the place itself. A report naming the region, or a town in it,
            # then agrees with one naming another town of that region.
            below = [
                p
                for p in [place, *gazetteer.ancestors(place.id)]
                if p.kind not in ("province", "country")
            ]
            self.area[place.id] = below[-1].id if below else place.id


def bag(phonetic: str | None) -> str | None:
    """The letters of a sound key, sorted, each once: blind to order, spacing, doubled and
    transposed letters (a blocking key for names a typing error or a glued word split)."""
    return "".join(sorted(set(phonetic))) if phonetic else None


RARE_FLAGS: tuple[str, ...] = (
    Flag.PREGNANT.value,
    Flag.ILL.value,
    Flag.GUIDE.value,
    Flag.BORN_IN_DETENTION.value,
)
"""Flags few people carry, so that two mentions sharing one is evidence they are one person
(settings version 5). "child" and "older" are left out: they say what the age says."""


def rare_flags(flags: str | None) -> str | None:
    """The rare flags of a mention's flags (";"-separated), sorted and joined, or None."""
    found = sorted({f for f in (flags or "").split(";") if f in RARE_FLAGS})
    return ";".join(found) if found else None


def _memo(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`function` remembering its result for each argument (for one run: the cache may
    hold name keys, so it must not outlive the feature table)."""
    found: dict[Any, Any] = {}

    def call(argument: Any) -> Any:
        try:
            return found[argument]
        except KeyError:
            result = found[argument] = function(argument)
            return result

    return call


def load_mentions(
    conn: Connection,
    cipher: FieldCipher,
    *,
    only: Iterable[str] | None = None,
    gazetteer: Gazetteer | None = None,
    rare_name_cap: int = 50,
    key_cap: int = 40,
) -> MentionTable:
    """The feature table of the current mentions (or of the `only` ones among them).

    `name_key_rare` repeats the name key of names held by at most `rare_name_cap`
    mentions: a blocking rule compares all mentions of a rare name, whatever their dates.
    The `CAPPED_KEYS` are kept where at most `key_cap` mentions share them.
    """
    rows = conn.execute(_mention_query(only)).all()
    days = _Days()
    places = _Places(gazetteer or load_gazetteer())
    known, province, area = places.known, places.province, places.area
    keyer = NameKeyer()
    open_ = cipher.open
    # Sound keys and flags repeat: each distinct one is worked out once.
    bag_of, flags_of = _memo(bag), _memo(rare_flags)
    out: list[tuple[Any, ...]] = []
    append = out.append
    names_read = 0
    for index, row in enumerate(rows):
        (
            mention_id,
            _person,
            source_id,
            hangul_enc,
            latin_enc,
            sex,
            group_id,
            birth_lo_text,
            birth_hi_text,
            age_min,
            age_max,
            origin_id,
            status,
            status_lo_text,
            status_hi_text,
            flags,
            reported_lo_text,
            reported_hi_text,
            appr_lo_text,
            appr_hi_text,
            place_id,
        ) = row
        names_read += (hangul_enc is not None) + (latin_enc is not None)
        names = keyer.features(
            open_("mentions", "name_hangul", mention_id, hangul_enc),
            open_("mentions", "name_latin", mention_id, latin_enc),
        )
        appr_lo, appr_hi = days(appr_lo_text), days(appr_hi_text)
        birth_lo: int | None
        birth_hi: int | None
        if birth_lo_text and birth_hi_text:
            birth_lo, birth_hi = int(birth_lo_text[:4]), int(birth_hi_text[:4])
        else:
            when_lo = appr_lo if appr_lo is not None else days(reported_lo_text)
            when_hi = appr_hi if appr_hi is not None else days(reported_hi_text)
            birth_lo, birth_hi = birth_interval(
                None, None, age_min, age_max, days.year(when_lo), days.year(when_hi)
            )
        origin = origin_id if origin_id in known else None
        status_lo = days(status_lo_text)
        append((
            index, source_id, names.key, names.key_alt, names.surname, names.given, None,
            names.hangul, names.phonetic, names.phonetic_rev, bag_of(names.phonetic), group_id, sex,
            birth_lo, birth_hi, origin, province.get(origin), appr_lo, appr_hi, place_id,
            area.get(place_id), status if status_lo is not None else None, status_lo,
            days(status_hi_text), None, None, flags_of(flags),
        ))  # fmt: skip
    keyer.clear()
    table = _arrow_table(out, rare_name_cap, key_cap)
    return MentionTable(table, [r[0] for r in rows], [r[1] for r in rows], names_read)


def _mention_query(only: Iterable[str] | None) -> Select[Any]:
    """The columns of the current mentions (or of the `only` ones) that features read,
    with each mention's apprehension claim, by mention id."""
    claims = _claims_subquery()
    query = (
        current_mentions()
        .with_only_columns(
            mentions.c.id,
            links.c.person_id,
            sources.c.id.label("source_id"),
            mentions.c.name_hangul_enc,
            mentions.c.name_latin_enc,
            mentions.c.sex,
            mentions.c.group_id,
            _as_text(mentions.c.birth_earliest),
            _as_text(mentions.c.birth_latest),
            mentions.c.age_min,
            mentions.c.age_max,
            mentions.c.origin_place_id,
            mentions.c.status,
            _as_text(mentions.c.status_earliest),
            _as_text(mentions.c.status_latest),
            mentions.c.flags,
            _as_text(reports.c.reported_earliest),
            _as_text(reports.c.reported_latest),
            claims.c.appr_lo,
            claims.c.appr_hi,
            claims.c.place_id,
        )
        .outerjoin(claims, claims.c.mention_id == mentions.c.id)
        .order_by(mentions.c.id)
    )
    if only is not None:
        query = query.where(mentions.c.id.in_(sorted(set(only))))
    return query


def _arrow_table(out: list[tuple[Any, ...]], rare_name_cap: int, key_cap: int) -> pa.Table:
    """The rows as the Arrow feature table, with the capped blocking keys added."""
    columns = list(zip(*out, strict=True)) if out else [() for _ in SCHEMA]
    data: dict[str, Sequence[Any]] = {
        field.name: values for field, values in zip(SCHEMA, columns, strict=True)
    }
    data["ph_known"] = known_names(data["ph"], data["ph_rev"], data["hangul"])
    flat = _memo(canonical_key)  # sound keys repeat: each distinct one once
    data["ph_flat"] = [None if p is None else flat(p) for p in data["ph"]]
    table = pa.Table.from_pydict(data, schema=SCHEMA)
    index = SCHEMA.get_field_index("name_key_rare")
    table = table.set_column(
        index, SCHEMA.field(index), capped(table.column("name_key"), rare_name_cap)
    )
    for name, values in capped_keys(table, key_cap).items():
        table = table.append_column(pa.field(name, pa.string()), values)
    return table


FULL_SCHEMA = pa.schema([*SCHEMA, *(pa.field(name, pa.string()) for name in CAPPED_KEYS)])


def capped(values: pa.Array | pa.ChunkedArray, cap: int) -> pa.Array:
    """Each value where at most `cap` rows hold it, else null."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    counts = pc.value_counts(values)
    held = counts.field("counts").take(pc.index_in(values, value_set=counts.field("values")))
    return pc.if_else(pc.less_equal(held, cap), values, pa.scalar(None, values.type))


def known_names(
    phonetic: Sequence[str | None],
    phonetic_rev: Sequence[str | None],
    hangul: Sequence[str | None],
) -> list[bool | None]:
    """Per row, whether its name (in either order) is one some mention writes in Hangul.

    Why: a typing error rarely makes another real name. Two names a sound or two apart
    (김영숙 and a romanised 김경숙) are a typing error of one name when one of them is no
    name anyone writes in Hangul, and two people's names when both are: in the hard
    synthetic worlds (tuning seeds 1-5), 2 of 811 candidate pairs of two real names one
    or two sounds apart were one person, against 144 of 476 when one name was not real
    (settings version 4). Without any Hangul in the workspace no name is known, and the
    near-name levels weigh as before.
    """
    real = {p for p, h in zip(phonetic, hangul, strict=True) if p and h}
    return [
        None if p is None else (p in real or r in real)
        for p, r in zip(phonetic, phonetic_rev, strict=True)
    ]


def _column(table: pa.Table, name: str) -> pa.Array:
    values = table.column(name).combine_chunks()
    return values if pa.types.is_string(values.type) else pc.cast(values, pa.string())


def _joined(*parts: pa.Array) -> pa.Array:
    """The parts joined by "|", or null where any part is null or empty."""
    present = [pc.if_else(pc.equal(p, ""), pa.scalar(None, pa.string()), p) for p in parts]
    return pc.binary_join_element_wise(*present, "|", null_handling="emit_null")


def capped_keys(table: pa.Table, cap: int) -> dict[str, pa.Array]:
    """The `CAPPED_KEYS` of every row (see there), from the columns of `SCHEMA`.

    Computed by Arrow, column by column: row by row in Python, these keys took a tenth
    of a run at 100,000 mentions.
    """
    surname, given, ph = (_column(table, n) for n in ("surname", "given", "ph"))
    sex, area = _column(table, "sex"), _column(table, "appr_area")
    long_ph = pc.if_else(pc.greater(pc.utf8_length(ph), 4), ph, pa.scalar(None, pa.string()))
    keys = {
        "ph_c": ph,
        "ph_bag_c": _column(table, "ph_bag"),
        # The sound key without its first letter: a wrong or dropped first letter
        # ("himYeonghui", "Kmi"); only keys long enough to say something.
        "ph_tail_c": pc.utf8_slice_codeunits(long_ph, 1),
        "given_c": given,
        "hangul_c": _joined(_column(table, "hangul"), sex),
        "surname_head_c": _joined(surname, pc.utf8_slice_codeunits(given, 0, 3)),
        "surname_tail_c": _joined(surname, pc.utf8_slice_codeunits(given, -3)),
        "surname_sex_area_c": _joined(surname, sex, area),
        "day_area_sex_c": _joined(_column(table, "appr_lo"), _column(table, "appr_hi"), area, sex),
        "area_ph2_c": _joined(area, pc.utf8_slice_codeunits(ph, 0, 2)),
    }
    return {name: capped(keys[name], cap) for name in CAPPED_KEYS}


def current_links(conn: Connection) -> dict[str, str]:
    """Mention id -> person id of every link (current and superseded mentions)."""
    return {row.mention_id: row.person_id for row in conn.execute(select(links))}
