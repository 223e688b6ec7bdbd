"""Reading a home place such as "Hamgyongbuk-do, Musan", "함경북도 무산군" or "咸镜北道茂山郡".

Lists write a province and a county together, in either order, separated by commas,
spaces or nothing at all. The text is cut into pieces that each name a place exactly.
A comma-separated part that cannot be read that way is left out whole ("Sambong-ri,
Onsong" gives Onsong), and within a part only filler words ("near", "county") may be
left over: "Tumen River" is not Tumen, so it names nothing. When the pieces
disagree (a county put in the wrong province) the coarser statement is kept: a person
placed in the right province is better than one placed in the wrong county.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from refwatch.gazetteer.model import Place
from refwatch.gazetteer.normalise import is_latin, normalise_place_text

_SEPARATORS = re.compile(r"[,;/|()\[\]{}<>\"“”:、，；（）：·\n\t]+")
# The longest piece tried, in atoms (a Latin word, or one Hangul/Hanzi character):
# "Yanbian Korean Autonomous Prefecture" is 4, 延边朝鲜族自治州 is 8.
_MAX_SPAN = 16
# Words that may stand beside a place name without being part of one (compared as keys);
# "" is a lone dash or other punctuation.
_FILLER = frozenset(
    normalise_place_text(word)
    for word in (
        "", "near", "in", "of", "from", "the", "and", "area", "region", "district", "town",
        "village", "county", "city", "province", "prefecture", "born", "originally",
        "formerly", "home", "근처", "부근", "인근", "지역", "일대", "출신", "附近", "地区",
        "一带", "出身",
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Atom:
    text: str
    starts_word: bool


def _latin_free(word: str) -> bool:
    return not any(ch.isalpha() and is_latin(ch) for ch in word)


def _atoms(chunk: str) -> list[_Atom]:
    # Hangul and Hanzi are often run together without spaces (咸镜北道茂山郡), so such
    # words may be cut between any two characters; Latin words are cut only at spaces.
    atoms: list[_Atom] = []
    for word in chunk.split():
        if _latin_free(word):
            atoms.extend(_Atom(ch, i == 0) for i, ch in enumerate(word))
        else:
            atoms.append(_Atom(word, True))
    return atoms


def _join(atoms: Sequence[_Atom]) -> str:
    return "".join((" " if a.starts_word and i else "") + a.text for i, a in enumerate(atoms))


# (characters covered, minus the number of pieces, places in order): more text explained
# wins, then fewer pieces ("North Hamgyong" over "North" + "Hamgyong").
_Cover = tuple[int, int, tuple[Place, ...]]


def _cover(atoms: Sequence[_Atom], resolve: Callable[[str], Place | None]) -> tuple[Place, ...]:
    n = len(atoms)
    best: list[_Cover | None] = [None] * (n + 1)
    best[n] = (0, 0, ())
    for i in range(n - 1, -1, -1):
        options: list[_Cover] = []
        for j in range(i + 1, min(n, i + _MAX_SPAN) + 1):
            rest = best[j]
            if rest is None:
                continue
            piece = _join(atoms[i:j])
            place = resolve(piece)
            if place is not None:
                size = sum(len(a.text) for a in atoms[i:j])
                options.append((size + rest[0], rest[1] - 1, (place, *rest[2])))
        if atoms[i].starts_word:
            # Only a whole filler word may be skipped.
            j = next((k for k in range(i + 1, n) if atoms[k].starts_word), n)
            skipped = best[j]
            if skipped is not None and normalise_place_text(_join(atoms[i:j])) in _FILLER:
                options.append(skipped)
        best[i] = max(options, key=lambda o: (o[0], o[1])) if options else None
    found = best[0]
    return () if found is None else found[2]


def places_named(text: str, resolve: Callable[[str], Place | None]) -> list[Place]:
    """Every place the text names, in order; parts that cannot be read are left out."""
    named: list[Place] = []
    for chunk in _SEPARATORS.split(text):
        if normalise_place_text(chunk):
            named.extend(_cover(_atoms(chunk), resolve))
    return named


def most_specific(
    places: Sequence[Place], lineage: Callable[[str], Sequence[Place]]
) -> Place | None:
    """The deepest place that agrees with everything coarser that the text also named.

    `lineage(id)` is the place followed by its ancestors, nearest first. Places are taken
    from the coarsest down; one that does not lie inside those already accepted is
    dropped. Two different places at one depth stop the descent (nothing says which is
    meant). If nothing is accepted, the lowest common ancestor of all named places is
    returned (often the country), or None when they share none.
    """
    chains = {p.id: [a.id for a in lineage(p.id)] for p in places}
    by_depth: dict[int, dict[str, Place]] = {}
    for place in places:
        by_depth.setdefault(len(chains[place.id]), {})[place.id] = place
    accepted: list[Place] = []
    for depth in sorted(by_depth):
        fits = [p for p in by_depth[depth].values() if all(a.id in chains[p.id] for a in accepted)]
        if len(fits) == 1:
            accepted.append(fits[0])
        elif len(fits) > 1:
            break
    if accepted or not places:
        return accepted[-1] if accepted else None
    common = list(lineage(places[0].id))
    for place in places[1:]:
        shared = set(chains[place.id])
        common = [c for c in common if c.id in shared]
    return common[0] if common else None
