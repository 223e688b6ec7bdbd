"""The place record and the order in which kinds win a shared name.

`kind` is deliberately coarse: `province` is any first-level division (a province, a
province-level city such as Pyongyang or Beijing, an autonomous region); `prefecture` is
an autonomous prefecture (Yanbian, Xishuangbanna); `city` covers towns and districts as
well as cities (a prefecture-level city such as Baishan is a `city` that contains
counties). Counting by region needs only the parent chain, not finer kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS: tuple[str, ...] = ("country", "province", "prefecture", "county", "city", "facility")

FACILITY_TYPES: tuple[str, ...] = (
    "border_detention",
    "ssa_holding",
    "jipkyulso",
    "labour_training_camp",
    "kyohwaso",
    "kwanliso",
)
"""What kind of place of detention a facility is. China: `border_detention` (a public
security or border-defence detention centre, where returns are prepared). North Korea,
after return: `ssa_holding` (a State Security Agency, bowibu, holding centre where
returnees are interrogated), `jipkyulso` (a police holding centre), `labour_training_camp`
(rodong danryeondae, short sentences), `kyohwaso` (a reform-through-labour prison) and
`kwanliso` (a political prison camp). The North Korean types say a person is held in the
DPRK after a return."""

DPRK_FACILITY_TYPES: frozenset[str] = frozenset(FACILITY_TYPES[1:])

# Lower wins. County and city share a rank: a county and a city with the same name are a
# real ambiguity, so the loader rejects them instead of picking one.
_RANK: dict[str, int] = {
    "county": 0,
    "city": 0,
    "prefecture": 1,
    "province": 2,
    "country": 3,
    "facility": 4,
}


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    kind: str
    country: str
    parent_id: str | None
    name_latin: str
    name_hangul: str
    name_hanzi: str
    lat: float
    lon: float
    aliases: tuple[str, ...]
    source: str
    facility_type: str = ""


def rank(kind: str, *, facility_first: bool = False) -> int:
    """Preference of a kind when several places share a lookup key (lower wins).

    A facility shares words with its city, and a report that says "Tumen" means the town
    unless the column is asking for a facility; so facilities come last unless asked for.
    """
    if facility_first and kind == "facility":
        return -1
    return _RANK[kind]


def written_forms(place: Place) -> tuple[str, ...]:
    """Every written form the place answers to: its three names, then its aliases."""
    names = (place.name_latin, place.name_hangul, place.name_hanzi)
    return tuple(n for n in names if n) + place.aliases


def same_rank_group(kind: str) -> int:
    """Kinds in one group may not share a key: nothing would decide between them."""
    return _RANK[kind]
