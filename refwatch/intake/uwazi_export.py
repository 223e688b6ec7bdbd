"""RefWatch's persons as an Uwazi CSV import file, and the mapping that reads it back.

Why: an organisation on Uwazi can take RefWatch's persons into a "Person" template with
Uwazi's own CSV import; the columns are property labels, a date range is written
`from:to` (the separator Uwazi's import reads), a geolocation `lat|lon` in a column named
`<property>_geolocation`, a multiselect with `|` between labels (docs/interop.md). The
title is a label to show: names go in their own columns, and only when allowed.
"""

from __future__ import annotations

import csv
import re
from typing import IO, Any

from sqlalchemy import Connection

from refwatch.domain.dates import parse_date
from refwatch.domain.formulas import neutralise
from refwatch.gazetteer.gazetteer import Gazetteer, load_gazetteer
from refwatch.intake.huridocs import Profile, profiles
from refwatch.store.crypto import FieldCipher

MULTI_SEPARATOR = "|"
_NUMBER = r"-?\d{1,3}(?:\.\d+)?"

STATUS_LABELS: dict[str, str] = {
    "detained": "Detained",
    "returned": "Returned",
    "released": "Released",
    "safe": "Safe",
    "died": "Died",
    "unknown": "Unknown",
    "held_in_dprk": "Held in North Korea",
    "disappeared": "Disappeared",
}
FLAG_LABELS: dict[str, str] = {
    "child": "Child",
    "older": "Older person",
    "pregnant": "Pregnant",
    "ill": "Ill",
    "born_in_detention": "Born in detention",
    "guide": "Guide",
}
SEX_LABELS = {"F": "Female", "M": "Male"}
# Column headers are property labels (Uwazi matches their safe names); a geolocation
# property's name ends in `_geolocation`, so that column is written by its name.
UWAZI_COLUMNS: tuple[str, ...] = (
    "Title",
    "RefWatch ID",
    "Name (Latin)",
    "Name (Hangul)",
    "Sex",
    "Birth year",
    "Age",
    "Origin",
    "Apprehended",
    "Apprehended at",
    "apprehension_location_geolocation",
    "Held at",
    "Status",
    "Status date",
    "Flags",
    "Group",
    "Sources",
)
_GEO_CELL = re.compile(rf"{_NUMBER}\|{_NUMBER}")


def export_mapping(source: str) -> dict[str, Any]:
    """The mapping that reads RefWatch's own Uwazi export back (the round trip)."""
    return {
        "template": "Person",
        "source": source,
        "date_format": "YYYY-MM-DD",
        "columns": {
            "RefWatch ID": "record_id",
            "Name (Latin)": "name_latin",
            "Name (Hangul)": "name_hangul",
            "Sex": {
                "field": "sex",
                "type": "select",
                "values": {v: k for k, v in SEX_LABELS.items()},
            },
            "Birth year": "birth_year",
            "Age": "age",
            "Origin": "origin",
            "Apprehended": {"field": "apprehended_on", "type": "date"},
            "Apprehended at": "apprehended_at",
            "Held at": "held_at",
            "Status": {
                "field": "status",
                "type": "select",
                "values": {v: k for k, v in STATUS_LABELS.items()},
            },
            "Status date": {"field": "status_on", "type": "date"},
            "Flags": {
                "field": "flags",
                "type": "multiselect",
                "values": {v: k for k, v in FLAG_LABELS.items()},
            },
            "Group": "group",
        },
    }


def _range(edtf: str | None) -> str | None:
    """An EDTF date as Uwazi's import reads a date range: `from:to` (days, YYYY-MM-DD)."""
    if not edtf:
        return None
    interval = parse_date(edtf)
    return f"{interval.earliest.isoformat()}:{interval.latest.isoformat()}"


def _span(person: Profile) -> str | None:
    """The apprehension as every source dates it: from the earliest to the latest day."""
    found = [parse_date(m["apprehended_on"]) for m in person.mentions if m.get("apprehended_on")]
    if not found:
        return None
    low = min(d.earliest for d in found)
    high = max(d.latest for d in found)
    return f"{low.isoformat()}:{high.isoformat()}"


def _uwazi_row(person: Profile, gazetteer: Gazetteer, named: bool) -> dict[str, str | None]:
    place = person.apprehended_place_id
    where = gazetteer.get(place) if place and place in gazetteer else None
    title = (person.name_latin or person.name_hangul) if named else None
    return {
        "Title": title or person.person_id,
        "RefWatch ID": person.person_id,
        "Name (Latin)": person.name_latin if named else None,
        "Name (Hangul)": person.name_hangul if named else None,
        "Sex": SEX_LABELS.get(person.sex or ""),
        "Birth year": person.birth_year,
        "Age": person.age,
        "Origin": person.origin,
        "Apprehended": _span(person),
        "Apprehended at": person.apprehended_at,
        "apprehension_location_geolocation": f"{where.lat}|{where.lon}" if where else None,
        "Held at": person.held_at,
        "Status": STATUS_LABELS.get(person.status or ""),
        "Status date": _range(person.status_on),
        "Flags": MULTI_SEPARATOR.join(FLAG_LABELS[f] for f in person.flags if f in FLAG_LABELS)
        or None,
        "Group": person.group,
        "Sources": "; ".join(person.sources),
    }


def write_persons_csv(
    conn: Connection,
    out: IO[str],
    *,
    cipher: FieldCipher | None = None,
    nameless: frozenset[str] = frozenset(),
) -> int:
    """Persons as an Uwazi CSV import file for a "Person" template (docs/interop.md lists
    its properties). The title is the person's name only with `cipher` and consent; else
    their pseudonymous id. Returns the number of persons."""
    gazetteer = load_gazetteer()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UWAZI_COLUMNS)
    count = 0
    for person in profiles(conn, cipher, nameless):
        named = cipher is not None and person.person_id not in nameless
        row = _uwazi_row(person, gazetteer, named)
        cells = [row[c] for c in UWAZI_COLUMNS]
        writer.writerow([_cell(cell) for cell in cells])
        count += 1
    return count


def _cell(cell: str | None) -> object:
    """A CSV cell with formulas defused; coordinates RefWatch wrote (numbers, not typed
    text) stay as they are, since a negative one must remain a number for Uwazi."""
    if cell is None:
        return ""
    return cell if _GEO_CELL.fullmatch(cell) else neutralise(cell)
