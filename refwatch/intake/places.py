"""Resolve place text through the gazetteer, and keep the database's copy of it current.

Unknown places are not guessed: the text is kept as written, the id left empty, and the
importer lists them so a researcher can add an alias to the gazetteer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from sqlalchemy import Connection, delete, insert, select, update

from refwatch.gazetteer import Gazetteer, load_gazetteer
from refwatch.gazetteer import Place as GazetteerPlace
from refwatch.store.schema import Place, WorkspaceMeta, table_of

places_table = table_of(Place)
meta_table = table_of(WorkspaceMeta)
POINT_KINDS = frozenset({"country", "province", "prefecture", "county", "city"})
FACILITY_KINDS = frozenset({"facility"})


def _place_row(place: GazetteerPlace) -> dict[str, object]:
    """A gazetteer place as a row of `places` (each of its columns is a field of Place);
    the digest hashes these values in the table's column order."""
    return {c.name: getattr(place, c.name) for c in places_table.columns}


def gazetteer_digest(gazetteer: Gazetteer) -> str:
    rows = [list(_place_row(p).values()) for p in gazetteer]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def ensure_places(conn: Connection, gazetteer: Gazetteer | None = None) -> bool:
    """Copy the shipped gazetteer into `places` when it changed; True if it was rewritten."""
    gaz = gazetteer or load_gazetteer()
    digest = gazetteer_digest(gaz)
    stored = conn.execute(
        select(meta_table.c.value).where(meta_table.c.key == "gazetteer_digest")
    ).scalar_one_or_none()
    if stored == digest:
        return False
    conn.execute(delete(places_table))
    conn.execute(insert(places_table), [_place_row(p) for p in gaz])
    if stored is None:
        conn.execute(insert(meta_table).values(key="gazetteer_digest", value=digest))
    else:
        conn.execute(
            update(meta_table).where(meta_table.c.key == "gazetteer_digest").values(value=digest)
        )
    return True


class PlaceResolver:
    """Caches look-ups for one import and remembers the texts it could not resolve."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer or load_gazetteer()
        self.unknown: dict[str, None] = {}
        self._cache: dict[tuple[str, str], str | None] = {}

    def _cached(
        self, kind: str, text: str | None, find: Callable[[str], GazetteerPlace | None]
    ) -> str | None:
        """The id `find` gives for `text`, looked up once per kind and text; a text it
        cannot resolve is remembered in `unknown`."""
        if text is None:
            return None
        key = (kind, text)
        if key not in self._cache:
            found = find(text)
            self._cache[key] = None if found is None else found.id
            if found is None:
                self.unknown.setdefault(text, None)
        return self._cache[key]

    def place(self, text: str | None) -> str | None:
        return self._cached("place", text, lambda t: self.gazetteer.resolve(t, kinds=POINT_KINDS))

    def facility(self, text: str | None) -> str | None:
        return self._cached(
            "facility", text, lambda t: self.gazetteer.resolve(t, kinds=FACILITY_KINDS)
        )

    def origin(self, text: str | None) -> str | None:
        return self._cached("origin", text, self.gazetteer.resolve_origin)
