"""Reading and checking the place table.

The gazetteer decides which region a detention is counted in and where a person comes
from. A silent slip in it (a mistyped parent, two places answering to one spelling, a
swapped latitude) would move people between regions without anyone noticing, so every
load checks the whole table and names the row at fault.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence

from refwatch.gazetteer.model import (
    FACILITY_TYPES,
    KINDS,
    Place,
    same_rank_group,
    written_forms,
)
from refwatch.gazetteer.normalise import normalise_place_text

COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "country",
    "parent_id",
    "name_latin",
    "name_hangul",
    "name_hanzi",
    "lat",
    "lon",
    "aliases",
    "source",
    "facility_type",
)
LEGACY_COLUMNS: tuple[str, ...] = COLUMNS[:-1]
"""The table before facility types: a place file written then still loads (no types)."""
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_COUNTRY = re.compile(r"[A-Z]{2}\Z")

# A place with the label that error messages use for it ("places.csv:12 (kp-ryanggang)").
Labelled = tuple[str, Place]


def _coordinate(value: str, limit: float, what: str, label: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{label}: {what} {value!r} is not a number") from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ValueError(f"{label}: {what} {value!r} is outside -{limit:g}..{limit:g}")
    return number


def _place(cells: dict[str, str], label: str) -> Place:
    place_id = cells["id"]
    if not _ID.match(place_id):
        raise ValueError(f"{label}: id {place_id!r} is not a lowercase ascii slug")
    if cells["kind"] not in KINDS:
        raise ValueError(f"{label}: kind {cells['kind']!r} is not one of {', '.join(KINDS)}")
    if not _COUNTRY.match(cells["country"]):
        raise ValueError(f"{label}: country {cells['country']!r} is not an ISO alpha-2 code")
    if not cells["name_latin"]:
        raise ValueError(f"{label}: name_latin is empty")
    if not cells["source"]:
        raise ValueError(f"{label}: source is empty; say where the coordinates come from")
    facility_type = cells.get("facility_type", "")
    if facility_type and cells["kind"] != "facility":
        raise ValueError(f"{label}: facility_type {facility_type!r} on a {cells['kind']}")
    if facility_type and facility_type not in FACILITY_TYPES:
        raise ValueError(
            f"{label}: facility_type {facility_type!r} is not one of {', '.join(FACILITY_TYPES)}"
        )
    return Place(
        id=place_id,
        kind=cells["kind"],
        country=cells["country"],
        parent_id=cells["parent_id"] or None,
        name_latin=cells["name_latin"],
        name_hangul=cells["name_hangul"],
        name_hanzi=cells["name_hanzi"],
        lat=_coordinate(cells["lat"], 90, "lat", label),
        lon=_coordinate(cells["lon"], 180, "lon", label),
        aliases=tuple(a.strip() for a in cells["aliases"].split(";") if a.strip()),
        source=cells["source"],
        facility_type=facility_type,
    )


def parse_places_csv(text: str, *, origin: str) -> list[Labelled]:
    """Parse the CSV; each row is checked on its own here, the table as a whole later."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    names = None if header is None else tuple(h.strip() for h in header)
    if names not in (COLUMNS, LEGACY_COLUMNS):
        raise ValueError(f"{origin}:1: header must be {','.join(COLUMNS)}, got {header}")
    columns = COLUMNS if names == COLUMNS else LEGACY_COLUMNS
    rows: list[Labelled] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        label = f"{origin}:{reader.line_num}"
        if len(values) != len(columns):
            raise ValueError(f"{label}: expected {len(columns)} cells, got {len(values)}")
        cells = {c: v.strip() for c, v in zip(columns, values, strict=True)}
        label = f"{label} ({cells['id']})"
        rows.append((label, _place(cells, label)))
    return rows


def _check_tree(rows: Sequence[Labelled]) -> None:
    # Parents must come first: that rules out cycles, and lets anyone who copies the
    # table (into SQL, say) insert it in file order.
    seen: dict[str, Labelled] = {}
    for label, place in rows:
        if place.id in seen:
            raise ValueError(f"{label}: duplicate id {place.id!r} (first at {seen[place.id][0]})")
        if place.kind == "country":
            if place.parent_id is not None:
                raise ValueError(f"{label}: a country has no parent, got {place.parent_id!r}")
        elif place.parent_id is None:
            raise ValueError(f"{label}: parent_id is empty; only a country has no parent")
        else:
            parent = seen.get(place.parent_id)
            if parent is None:
                raise ValueError(
                    f"{label}: parent {place.parent_id!r} is not defined on an earlier row"
                )
            if parent[1].kind == "facility":
                raise ValueError(f"{label}: parent {place.parent_id!r} is a facility")
            if parent[1].country != place.country:
                raise ValueError(
                    f"{label}: country {place.country} differs from parent "
                    f"{place.parent_id!r} ({parent[1].country})"
                )
        seen[place.id] = (label, place)


def validate_places(rows: Sequence[Labelled]) -> dict[str, tuple[Place, ...]]:
    """Check the table as a whole and return its lookup index (key → places).

    Two places may share a key only if their kinds rank differently (a prefecture and its
    seat city, a city and its facility): `Gazetteer.resolve` then has a rule to pick one.
    Within one rank nothing could decide, so the table is rejected instead.
    """
    _check_tree(rows)
    index: dict[str, list[Place]] = {}
    owner: dict[tuple[str, int], Labelled] = {}
    for label, place in rows:
        group = same_rank_group(place.kind)
        for name in written_forms(place):
            key = normalise_place_text(name)
            if not key:
                raise ValueError(f"{label}: name {name!r} has no letters or digits to match on")
            first = owner.setdefault((key, group), (label, place))
            if first[1].id != place.id:
                raise ValueError(
                    f"{label}: {name!r} (key {key!r}) is also a name of {first[1].id!r} "
                    f"({first[0]}), and nothing would decide between them"
                )
            places = index.setdefault(key, [])
            if not places or places[-1].id != place.id:
                places.append(place)
    return {key: tuple(places) for key, places in index.items()}
