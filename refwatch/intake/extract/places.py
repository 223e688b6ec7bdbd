"""Places a sentence names, found through the gazetteer in any script.

Nothing fuzzy: a run of words is a place only if the gazetteer resolves it exactly (after
its own normalisation), so an unknown or misspelt town is left out rather than guessed.
The longest run wins ("Tumen border detention center" is the facility, not the town).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from refwatch.gazetteer import Gazetteer, Place, normalise_place_text
from refwatch.gazetteer.model import written_forms

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*|[가-힣]+|[\u3400-\u9fff]+|\d+")
_MAX_WORDS = 6
# Korean particles and endings that follow a place name (연길에서, 도문의, 혜산시를).
_PARTICLES = tuple(
    sorted(
        [
            "에서는",
            "에서도",
            "에서",
            "으로",
            "에게",
            "까지",
            "부터",
            "에는",
            "에도",
            "이나",
            "에",
            "의",
            "은",
            "는",
            "이",
            "가",
            "을",
            "를",
            "로",
            "과",
            "와",
            "도",
            "일대",
            "근처",
            "부근",
            "인근",
            "쪽",
            "출신",
        ],
        key=len,
        reverse=True,
    )
)
# Hangul readings of places that are also everyday words (연대 "solidarity", 개성
# "personality"): named only with a suffix such as 시 or in a facility's name.
_COMMON_WORDS = frozenset({"연대", "개성", "남양", "화성", "경성", "연사", "새별", "보천", "김책"})
# A place name followed by one of these is another thing ("Tumen River").
_NOT_A_PLACE_AFTER = frozenset(
    {"river", "mountain", "mountains", "mountain's", "강", "강을", "강가", "산"}
)
_ORIGIN_BEFORE = re.compile(
    r"(?:\bfrom|\bnative of|\bnatives of|\bleft|\bfled|\bescaped from|\bborn in"
    r"|\bhometown(?: of| is)?)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_ORIGIN_AFTER = re.compile(
    r"^(?:\s*(?:에서\s*온|에서\s*왔|을\s*떠나|를\s*떠나|에서\s*탈출|출신)|출신)"
)
_ACTOR_AFTER = re.compile(r"^\s?(?:공안|당국|정부|경찰|국경수비대|변방대|측)")
_SPECIFICITY = {"facility": 0, "county": 1, "city": 1, "prefecture": 2, "province": 3, "country": 4}


_key = functools.lru_cache(maxsize=65536)(normalise_place_text)


@dataclass(frozen=True, slots=True)
class FoundPlace:
    place: Place
    start: int
    end: int
    origin: bool

    @property
    def specificity(self) -> int:
        return _SPECIFICITY.get(self.place.kind, 5)


class PlaceFinder:
    """Scans sentences for gazetteer places; one per gazetteer (see `place_finder`)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.keys: frozenset[str] = frozenset(
            normalise_place_text(form) for place in gazetteer for form in written_forms(place)
        )
        self.first_keys: frozenset[str] = frozenset(
            normalise_place_text(form.split()[0])
            for place in gazetteer
            for form in written_forms(place)
            if form.split()
        )

    def find(self, text: str, start: int, end: int) -> list[FoundPlace]:
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
        found: list[FoundPlace] = []
        i = 0
        while i < len(tokens):
            hit = self._longest(text, tokens, i)
            if hit is None:
                i += 1
                continue
            place, j, stop = hit
            begin = tokens[i][0]
            if not self._excluded(text, tokens, j, place, begin, stop):
                origin = bool(
                    _ORIGIN_BEFORE.search(text[max(start, begin - 24) : begin])
                    or _ORIGIN_AFTER.match(text[stop : stop + 8])
                    or text[begin:stop].endswith("출신")
                )
                if origin and place.kind != "facility":
                    place = self.gazetteer.resolve_origin(text[begin:stop]) or place
                found.append(FoundPlace(place, begin, stop, origin))
            i = j
        return found

    def _longest(
        self, text: str, tokens: list[tuple[int, int]], i: int
    ) -> tuple[Place, int, int] | None:
        first = text[tokens[i][0] : tokens[i][1]]
        if not any(_key(v) in self.first_keys or _key(v) in self.keys for v in _variants(first)):
            return None
        for j in range(min(len(tokens), i + _MAX_WORDS), i, -1):
            begin, last_end = tokens[i][0], tokens[j - 1][1]
            last = text[tokens[j - 1][0] : last_end]
            for variant in _variants(last):
                stop = tokens[j - 1][0] + len(variant)
                candidate = text[begin:stop]
                if j - i == 1 and candidate in _COMMON_WORDS:
                    continue
                if _key(candidate) not in self.keys:
                    continue
                place = self.gazetteer.resolve(candidate)
                if place is not None:
                    return place, j, stop
        return None

    def _excluded(
        self,
        text: str,
        tokens: list[tuple[int, int]],
        j: int,
        place: Place,
        begin: int,
        stop: int,
    ) -> bool:
        if j < len(tokens):
            after = text[tokens[j][0] : tokens[j][1]].casefold()
            if after in _NOT_A_PLACE_AFTER and place.kind != "facility":
                return True
        if stop < len(text) and text[stop : stop + 1] in ("강", "산") and place.kind != "facility":
            return True
        if place.kind == "country" and _ACTOR_AFTER.match(text[stop : stop + 8]):
            return True  # 중국 공안, 중국 당국: who acted, not where
        # "North Koreans", "Chinese": a people or a language, not the place.
        word_end = stop
        while word_end < len(text) and text[word_end].isalpha() and text[word_end].isascii():
            word_end += 1
        return word_end != stop and text[begin].isascii()


def _variants(token: str) -> list[str]:
    """The token, then the token without a trailing Korean particle (연길에서 → 연길)."""
    out = [token]
    if token and "\uac00" <= token[-1] <= "\ud7a3":
        for particle in _PARTICLES:
            if token.endswith(particle) and len(token) > len(particle) + 1:
                out.append(token[: -len(particle)])
    return out


@functools.lru_cache(maxsize=8)
def place_finder(gazetteer: Gazetteer) -> PlaceFinder:
    return PlaceFinder(gazetteer)


def most_specific(found: list[FoundPlace]) -> FoundPlace | None:
    """The most specific place (a facility before its city, a city before its province);
    the first named among equals."""
    best: FoundPlace | None = None
    for item in found:
        if best is None or item.specificity < best.specificity:
            best = item
    return best
