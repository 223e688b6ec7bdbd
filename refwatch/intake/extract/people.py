"""Where a sentence names a person: romanised and Hangul names, ages, kinship words.

Names are proposed, never resolved: the reviewer sees each beside its sentence. A Latin
name is a Korean family name followed by a hyphenated or two-part given name ("Kim
Ae-ran", "Ri Kyong Hui"); a Hangul name comes from `korean.hangul_names`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from refwatch.intake.extract.korean import FoundName, hangul_names
from refwatch.intake.extract.numbers import find_numbers

# Family names as Korean names are romanised (Revised, McCune-Reischauer, customary and
# northern spellings). Two-letter spellings that are also English words are left out.
LATIN_SURNAMES: frozenset[str] = frozenset(
    [
        "Kim",
        "Gim",
        "Lee",
        "Yi",
        "Rhee",
        "Ri",
        "Li",
        "Park",
        "Pak",
        "Bak",
        "Choi",
        "Choe",
        "Chwe",
        "Jung",
        "Jeong",
        "Chung",
        "Chong",
        "Cheong",
        "Kang",
        "Gang",
        "Cho",
        "Jo",
        "Joe",
        "Yoon",
        "Yun",
        "Jang",
        "Chang",
        "Lim",
        "Rim",
        "Im",
        "Yim",
        "Han",
        "Hahn",
        "Oh",
        "Seo",
        "Suh",
        "Shin",
        "Sin",
        "Kwon",
        "Gwon",
        "Hwang",
        "Ahn",
        "Song",
        "Yoo",
        "Yu",
        "Ryu",
        "Jeon",
        "Chun",
        "Jun",
        "Chon",
        "Jon",
        "Hong",
        "Ko",
        "Koh",
        "Moon",
        "Mun",
        "Yang",
        "Ryang",
        "Son",
        "Sohn",
        "Bae",
        "Pae",
        "Baek",
        "Paek",
        "Paik",
        "Heo",
        "Huh",
        "Nam",
        "Shim",
        "Sim",
        "Noh",
        "Roh",
        "Ro",
        "Ha",
        "Kwak",
        "Sung",
        "Seong",
        "Cha",
        "Ju",
        "Joo",
        "Woo",
        "Koo",
        "Ku",
        "Min",
        "Ra",
        "Jin",
        "Chin",
        "Um",
        "Eom",
        "Won",
        "Chae",
        "Bang",
        "Pang",
        "Kong",
        "Gong",
        "Hyun",
        "Hyon",
        "Byun",
        "Pyon",
        "Yeom",
        "Yom",
        "Tak",
        "Ma",
        "Gil",
        "Kil",
        "Ryom",
        "Pyo",
        "Choo",
        "Chu",
        "Kye",
        "Kye",
        "Ri",
        "Ryo",
        "Ryu",
        "Sok",
        "Seok",
        "Sol",
        "Sul",
        "Yeo",
        "Yo",
        "Ok",
        "Wang",
        "Kum",
        "Keum",
        "Maeng",
        "Je",
        "Che",
        "Mo",
        "Tak",
        "Kuk",
        "Guk",
        "Ro",
        "Yong",
        "Ye",
    ]
)
_GIVEN = r"(?:[A-Z][a-z]{1,5}-[a-zA-Z][a-z]{1,5}|[A-Z][a-z]{1,4} [A-Z][a-z]{1,4}(?![a-z]))"
_LATIN_NAME = re.compile(rf"\b([A-Z][a-z]{{1,6}}) ({_GIVEN})\b")
_LATIN_NAME_SHORT = (
    re.compile(
        r"\b(?:Mr|Ms|Mrs|Miss|Mx)\.?\s+(?P<name>(?P<surname>[A-Z][a-z]{1,6}) [A-Z][a-z]{2,9})\b"
    ),
    re.compile(
        r"\b(?P<name>(?P<surname>[A-Z][a-z]{1,6}) [A-Z][a-z]{2,9})(?=\s*(?:,\s*\d{1,3}\b|\(\s*\d))"
    ),
)
_HANGUL_ECHO = re.compile(r"^\s*[(（]\s*([가-힣]{2,4})\s*[)）]")

_AGE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"^\s*[,(（]\s*(?:aged\s+)?(?:about\s+|around\s+|approximately\s+)?(\d{1,3})(?:\s?(?:세|살))?\s*(?=[,)）]|\s+and\b|\s+years?\b)"
    ),
    re.compile(r"\baged\s+(?:about\s+|around\s+|approximately\s+|roughly\s+)?(\d{1,3})\b", re.I),
    re.compile(r"\b(\d{1,3})[- ]years?[- ]old\b", re.I),
    re.compile(
        r"\b(?:is|was|aged)\s+(?:now\s+|about\s+|only\s+)?(\d{1,3})\b(?!\s*(?:people|persons|%|of|[a-z]+s\b))"
    ),
    re.compile(r"(\d{1,3})\s?(?:세|살)(?![가-힣])"),
    re.compile(r"(\d{1,3})\s?(?:세|살)(?=[이의는은가도,)）]|입니|이에|예요|이다)"),
)
_WORD_AGE = re.compile(r"\b([a-z]+(?:-[a-z]+)?)[- ]years?[- ]old\b", re.I)
_NATIVE_AGE = re.compile(r"(?:^|(?<=\s))([가-힣]{1,4})\s?살")

_UNNAMED_EN = re.compile(
    r"\b(?:a|an|one|another)\s+(?:(?P<n1>\d{1,3}|[a-z]+(?:-[a-z]+)?)[- ]years?[- ]old\s+)?"
    r"(?P<noun>woman|man|girl|boy|child|teenager|mother|father|grandmother|grandfather|person)\b"
    r"(?P<rest>[^.;]{0,60}?\baged\s+(?:about\s+|around\s+)?(?P<n2>\d{1,3}))?",
    re.I,
)
_UNNAMED_KO = re.compile(
    r"(?P<age>(?:\d{1,3}|[가-힣]{1,4}))\s?(?:살|세)\s?(?:의\s?)?"
    r"(?P<noun>소년|소녀|아이|여성|남성|여자|남자|할머니|할아버지|어린이|아기)(?!\s?[가-힣]{2,4}(?:도|은|는|이|가|의)?\s)"
)


@dataclass(frozen=True, slots=True)
class Age:
    value: int
    start: int
    end: int


@dataclass(slots=True)
class Anchor:
    """Where one person is named (or, unnamed, described with an age) in a sentence."""

    names_hangul: list[str]
    names_latin: list[str]
    start: int
    end: int
    age: Age | None = None
    noun: str | None = None  # the person noun of an unnamed mention ("boy", 소녀)


def latin_names(text: str, start: int, end: int) -> list[FoundName]:
    """Romanised Korean names: family name and a two-part given name ("Kim Ae-ran", "Ri
    Kyong Hui"); a one-part given name ("Kim Yongchol", "Pak Chol") only after a title or
    before an age, where it cannot be an English word."""
    out: list[FoundName] = []
    for match in _LATIN_NAME.finditer(text, start, end):
        if match.group(1) in LATIN_SURNAMES:
            out.append(FoundName(match.group(0), match.start(), match.end()))
    for pattern in _LATIN_NAME_SHORT:
        for match in pattern.finditer(text, start, end):
            begin = match.start("name")
            if match.group("surname") in LATIN_SURNAMES and not any(
                f.start <= begin < f.end for f in out
            ):
                out.append(FoundName(match.group("name"), begin, match.end("name")))
    out.sort(key=lambda f: f.start)
    return out


def anchors(text: str, start: int, end: int, *, korean: bool) -> list[Anchor]:
    """The people named in text[start:end], in order, a Latin name and its Hangul echo
    in brackets ("Jang Yong-su (장용수)") being one person."""
    found: list[Anchor] = []
    latin = latin_names(text, start, end)
    hangul = hangul_names(text, start, end) if korean else []
    used: set[int] = set()
    for name in latin:
        anchor = Anchor([], [name.name], name.start, name.end)
        echo = _HANGUL_ECHO.match(text[name.end : min(end, name.end + 12)])
        if echo is not None:
            for h in hangul:
                if h.start == name.end + echo.start(1):
                    anchor.names_hangul.append(h.name)
                    anchor.end = name.end + echo.end()
                    used.add(h.start)
        found.append(anchor)
    for h in hangul:
        if h.start not in used:
            found.append(Anchor([h.name], [], h.start, h.end))
    found.sort(key=lambda a: a.start)
    return found


def age_after(text: str, begin: int, limit: int) -> Age | None:
    """An age stated just after a name: "Kim, 34," "김은정(24)", "aged 41", "was 14",
    "62살이에요"; only in text[begin:limit]."""
    piece = text[begin:limit]
    best: Age | None = None
    for pattern in _AGE_PATTERNS:
        match = pattern.search(piece)
        if match is not None:
            value = int(match.group(1))
            if 0 < value <= 120 and (best is None or begin + match.start(1) < best.start):
                best = Age(value, begin + match.start(1), begin + match.end(1))
    for pattern in (_WORD_AGE, _NATIVE_AGE):
        found = pattern.search(piece)
        if found is None:
            continue
        spelled = _word_value(found.group(1))
        if spelled is not None and (best is None or begin + found.start(1) < best.start):
            best = Age(spelled, begin + found.start(1), begin + found.end(1))
    return best


def age_before(text: str, begin: int, name_start: int) -> Age | None:
    """An age just before a name: "열다섯 살 소년 정명호", "a 16-year-old boy, Kim ..."."""
    piece = text[begin:name_start]
    match = re.search(r"(\d{1,3}|[가-힣]{1,4})\s?(?:살|세)\s?[가-힣]{0,3}\s?$", piece)
    if match is not None:
        value = _word_value(match.group(1))
        if value is not None:
            return Age(value, begin + match.start(1), begin + match.end(1))
    return None


def unnamed(text: str, start: int, end: int) -> list[Anchor]:
    """People described without a name but with an age: "a 16-year-old boy", "another
    woman …, aged about 70", "열네 살 소녀"."""
    out: list[Anchor] = []
    for match in _UNNAMED_EN.finditer(text, start, end):
        group = "n1" if match.group("n1") else "n2" if match.group("n2") else None
        if group is None:
            continue
        value = _word_value(match.group(group))
        if value is None:
            continue
        age = Age(value, match.start(group), match.end(group))
        out.append(Anchor([], [], match.start(), match.end(), age, match.group("noun").lower()))
    for match in _UNNAMED_KO.finditer(text, start, end):
        value = _word_value(match.group("age"))
        if value is None:
            continue
        age = Age(value, match.start("age"), match.end("age"))
        out.append(Anchor([], [], match.start(), match.end(), age, match.group("noun")))
    return out


def _word_value(word: str) -> int | None:
    if word.isdigit():
        value = int(word)
        return value if 0 < value <= 120 else None
    numbers = find_numbers(word + " 살" if "\uac00" <= word[0] <= "\ud7a3" else word)
    if len(numbers) == 1 and numbers[0].start == 0:
        value = numbers[0].value
        return value if 0 < value <= 120 else None
    return None
