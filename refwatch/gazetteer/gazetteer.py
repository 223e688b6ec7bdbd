"""Looking places up: by spelling, by origin text, and by region."""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path

from refwatch.gazetteer.loading import Labelled, parse_places_csv, validate_places
from refwatch.gazetteer.model import KINDS, Place, rank
from refwatch.gazetteer.normalise import normalise_place_text
from refwatch.gazetteer.origin import most_specific, places_named

_EARTH_RADIUS_KM = 6371.0088
_ORIGIN_KINDS = frozenset(KINDS) - {"facility"}


class Gazetteer:
    """Places with every spelling sources use for them, and the tree they form.

    Built only from a table that passed `validate_places`, so every parent exists, no two
    places of one rank share a spelling, and the iteration order puts parents first.
    """

    def __init__(self, places: Iterable[Place], *, labels: Sequence[str] | None = None) -> None:
        rows = list(places)
        if labels is None:
            labels = [f"place {p.id!r}" for p in rows]
        if len(labels) != len(rows):
            raise ValueError(f"{len(labels)} labels for {len(rows)} places")
        self._index = validate_places(list(zip(labels, rows, strict=True)))
        self._places: dict[str, Place] = {p.id: p for p in rows}
        self._children: dict[str, list[str]] = {}
        for place in rows:
            if place.parent_id is not None:
                self._children.setdefault(place.parent_id, []).append(place.id)
        self._within: dict[str, frozenset[str]] = {}

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str]) -> Gazetteer:
        """A gazetteer from another table (tests, or a team's own extended copy)."""
        file = Path(path)
        return cls.from_text(file.read_text(encoding="utf-8"), origin=str(file))

    @classmethod
    def from_text(cls, text: str, *, origin: str = "<text>") -> Gazetteer:
        rows: list[Labelled] = parse_places_csv(text, origin=origin)
        return cls((p for _, p in rows), labels=[label for label, _ in rows])

    def get(self, place_id: str) -> Place:
        return self._places[place_id]

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places.values())

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._places

    def resolve(self, text: str, *, kinds: Collection[str] | None = None) -> Place | None:
        """The place `text` names exactly (after `normalise_place_text`), or None.

        Nothing fuzzy: an unknown or misspelt name gives None, so that a person is never
        silently put in the wrong place; the importer lists such texts for a researcher.

        `kinds` restricts the candidates. When one spelling names several places (a
        prefecture and its seat city, a city and its facility), the choice is:
        a facility first if `kinds` includes "facility"; otherwise a county or city, then
        a prefecture, then a province, then a country, and a facility last. The loader
        guarantees that no two places of the same rank share a spelling.
        """
        if kinds is not None and not set(kinds) <= set(KINDS):
            unknown = ", ".join(sorted(set(kinds) - set(KINDS)))
            raise ValueError(f"unknown place kind(s): {unknown}")
        key = normalise_place_text(text)
        candidates = [p for p in self._index.get(key, ()) if kinds is None or p.kind in kinds]
        if not candidates:
            return None
        facility_first = kinds is not None and "facility" in kinds
        return min(candidates, key=lambda p: rank(p.kind, facility_first=facility_first))

    def resolve_origin(self, text: str) -> Place | None:
        """The most specific place a home-place text names, e.g. "Hamgyongbuk-do, Musan".

        Accepts province and county in either order, in any script, with commas, spaces
        or nothing between them ("Ryanggang Hyesan", "함경북도 무산군", "咸镜北道茂山郡"),
        or a single name. A county is returned only if it lies in the province also named;
        if it does not, the province is returned (see `origin.most_specific`). Words that
        name no place are ignored; None if nothing is named. Facilities are not origins.
        """
        named = places_named(text, lambda piece: self.resolve(piece, kinds=_ORIGIN_KINDS))
        return most_specific(named, self._lineage)

    def _lineage(self, place_id: str) -> list[Place]:
        return [self.get(place_id), *self.ancestors(place_id)]

    def ancestors(self, place_id: str) -> list[Place]:
        """The parent chain, nearest first, ending at the country."""
        chain: list[Place] = []
        parent_id = self.get(place_id).parent_id
        while parent_id is not None:
            parent = self._places[parent_id]
            chain.append(parent)
            parent_id = parent.parent_id
        return chain

    def within(self, place_id: str) -> frozenset[str]:
        """The id and all its descendants: what "in Yunnan" means for counting."""
        cached = self._within.get(place_id)
        if cached is None:
            self.get(place_id)
            found: list[str] = []
            stack = [place_id]
            while stack:
                current = stack.pop()
                found.append(current)
                stack.extend(self._children.get(current, ()))
            cached = self._within[place_id] = frozenset(found)
        return cached

    def province_of(self, place_id: str) -> Place | None:
        """The province (first-level division) a place is in, or its country if it has none.

        Pyongyang, Rason and Beijing are their own provinces; Bangkok has none, so it
        gives Thailand.
        """
        lineage = self._lineage(place_id)
        for kind in ("province", "country"):
            for place in lineage:
                if place.kind == kind:
                    return place
        return None

    def distance_km(self, a: str, b: str) -> float:
        """Great-circle distance; coordinates are approximate town centres, so is this."""
        pa, pb = self.get(a), self.get(b)
        lat1, lon1, lat2, lon2 = map(math.radians, (pa.lat, pa.lon, pb.lat, pb.lon))
        h = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The shipped gazetteer, read and checked once per process."""
    data = resources.files("refwatch.gazetteer").joinpath("data", "places.csv")
    return Gazetteer.from_text(data.read_text(encoding="utf-8"), origin="places.csv")
