"""Invented Korean names and the many ways sources write them (SYNTHETIC data only).

Why: record linkage is only as good as the noise it is tested against.  Real case lists
write one person as 김영철, "Kim Yeongcheol", "Kim Yŏngch'ŏl", "Kim Yongchol",
"Kim Young-chul", "Gim Young-chul" or, in North Korean usage, "Ri Yong Chol" for a 리.
This module invents names (never real persons) and renders them in those systems,
syllable by syllable from the standard jamo tables.

A Hangul syllable U+AC00 + (initial * 21 + medial) * 28 + final decomposes into an
initial consonant (19), a medial vowel (21) and an optional final consonant (27 + none).
Sound changes between syllables are not modelled, except McCune-Reischauer's voicing of
a plain consonant inside a word (영기 -> yŏnggi), because MR spellings show it.

Systems (``SYSTEMS``):

- ``rr``: Revised Romanization, given name joined: "Kim Yeongcheol".  The family name is
  strict RR too (박 Bak, 최 Choe) except 김 Kim and 이 Yi, which nobody writes Gim / I.
- ``mr``: McCune-Reischauer with breves and apostrophes: "Kim Yŏngch'ŏl".
- ``mr_plain``: MR without marks, as typed on ordinary keyboards: "Kim Yongchol".
- ``dprk``: North Korean usage: initial r kept (리 Ri, 림 Rim, 류 Ryu, 량 Ryang, 로 Ro,
  also for the southern Hangul 이, 임, 유, 양, 노, 나), one word per syllable,
  aspirates as kh/th/ph: "Kim Yong Chol", "Ri Yong Hui".
- ``conventional``: the customary South Korean passport-style spellings: family names
  from a table (Lee, Park, Choi, Jung, Kang ...), given name hyphenated with oo/ee/u
  style vowels: "Kim Young-chul", "Park Soon-hee".
- ``informal``: per-syllable random mix of the above (needs an ``rng``): "Gim Young-chul",
  "Lee Yeong Chul".
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Final

SYSTEMS: Final[tuple[str, ...]] = ("rr", "mr", "mr_plain", "dprk", "conventional", "informal")
"""Romanisation systems understood by :func:`romanise`."""

ASCII_SYSTEMS: Final[tuple[str, ...]] = ("rr", "mr_plain", "dprk", "conventional", "informal")
"""Systems whose output is plain ASCII (all but ``mr``)."""

_BASE = 0xAC00
_LAST = 0xD7A3

# ---------------------------------------------------------------------------------------
# Jamo tables, in Unicode order.
# Initials: ㄱ ㄲ ㄴ ㄷ ㄸ ㄹ ㅁ ㅂ ㅃ ㅅ ㅆ ㅇ ㅈ ㅉ ㅊ ㅋ ㅌ ㅍ ㅎ
_RR_INITIAL = ("g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch",
               "k", "t", "p", "h")
_MR_INITIAL = ("k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch'",
               "k'", "t'", "p'", "h")
# MR inside a word after a vowel or a voiced final (n, m, ng, l): plain stops are voiced.
_MR_INITIAL_VOICED = ("g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "tch",
                      "ch'", "k'", "t'", "p'", "h")
_DPRK_INITIAL = ("k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "tch", "ch",
                 "kh", "th", "ph", "h")
_CONV_INITIAL = ("k", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch",
                 "k", "t", "p", "h")
# Medials: ㅏ ㅐ ㅑ ㅒ ㅓ ㅔ ㅕ ㅖ ㅗ ㅘ ㅙ ㅚ ㅛ ㅜ ㅝ ㅞ ㅟ ㅠ ㅡ ㅢ ㅣ
_RR_MEDIAL = ("a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u",
              "wo", "we", "wi", "yu", "eu", "ui", "i")
_MR_MEDIAL = ("a", "ae", "ya", "yae", "ŏ", "e", "yŏ", "ye", "o", "wa", "wae", "oe", "yo", "u",
              "wŏ", "we", "wi", "yu", "ŭ", "ŭi", "i")
_CONV_MEDIAL = ("a", "ae", "ya", "yae", "u", "e", "yu", "ye", "o", "wa", "wae", "oe", "yo", "oo",
                "wo", "we", "wi", "yu", "eu", "ui", "i")
# Finals (index 0 = none): ㄱ ㄲ ㄳ ㄴ ㄵ ㄶ ㄷ ㄹ ㄺ ㄻ ㄼ ㄽ ㄾ ㄿ
# ㅀ ㅁ ㅂ ㅄ ㅅ ㅆ ㅇ ㅈ ㅊ ㅋ ㅌ ㅍ ㅎ, romanised as pronounced at the end of a word
# (RR and MR agree here).
_FINAL = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p",
          "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t")

_I_RIEUL = 5  # ㄹ
_I_SIOT, _I_SSANGSIOT, _I_IEUNG = 9, 10, 11
_M_YEO, _M_WI, _M_I, _M_UI = 6, 16, 20, 19
_F_RIEUL = 8
_VOICED_FINALS = frozenset({0, 4, 8, 16, 21})  # none, ㄴ, ㄹ, ㅁ, ㅇ

# Informal per-jamo alternatives (first entry = most usual).
_INFORMAL_INITIAL: dict[int, tuple[str, ...]] = {
    0: ("g", "k"), 3: ("d", "t"), 5: ("r", "l"), 7: ("b", "p"), 12: ("j", "ch"), 14: ("ch",),
    15: ("k",), 16: ("t",), 17: ("p",),
}
_INFORMAL_MEDIAL: dict[int, tuple[str, ...]] = {
    4: ("eo", "u", "o"), 6: ("yeo", "yo", "you", "yu"), 13: ("u", "oo"), 17: ("yu", "yoo"),
    18: ("eu", "u"), 19: ("ui", "ee", "i", "eui"), 20: ("i", "ee"), 11: ("oe", "oi"),
    14: ("wo", "weo"), 16: ("wi", "wee"),
}

# ---------------------------------------------------------------------------------------
# Family names: Hangul -> (weight in per mille of the population, customary spellings).
# Weights follow the rough order of frequency of South Korean censuses.
_SURNAMES: Final[tuple[tuple[str, float, tuple[str, ...]], ...]] = (
    ("김", 215, ("Kim",)), ("이", 147, ("Lee", "Yi", "Rhee")), ("박", 84, ("Park", "Pak", "Bak")),
    ("최", 47, ("Choi", "Choe")), ("정", 43, ("Jung", "Jeong", "Chung")), ("강", 23, ("Kang",)),
    ("조", 21, ("Cho", "Jo")), ("윤", 21, ("Yoon", "Yun")), ("장", 20, ("Jang", "Chang")),
    ("임", 17, ("Lim", "Im")), ("한", 15, ("Han",)), ("오", 15, ("Oh",)),
    ("서", 15, ("Seo", "Suh")),
    ("신", 14, ("Shin",)), ("권", 14, ("Kwon",)), ("황", 14, ("Hwang",)),
    ("안", 14, ("Ahn", "An")),
    ("송", 13, ("Song",)), ("류", 12, ("Ryu", "Yoo")), ("전", 11, ("Jeon", "Chun")),
    ("홍", 11, ("Hong",)), ("고", 9, ("Ko", "Koh")), ("문", 9, ("Moon", "Mun")),
    ("양", 9, ("Yang",)),
    ("손", 9, ("Son", "Sohn")), ("배", 8, ("Bae",)), ("백", 8, ("Baek", "Paik")),
    ("허", 7, ("Heo", "Huh")), ("유", 6, ("Yoo", "Yu")), ("남", 6, ("Nam",)),
    ("심", 5, ("Shim", "Sim")), ("노", 4, ("Noh", "Roh")), ("하", 5, ("Ha",)), ("곽", 4, ("Kwak",)),
    ("성", 4, ("Sung",)), ("차", 4, ("Cha",)), ("주", 4, ("Joo", "Ju")), ("우", 4, ("Woo",)),
    ("구", 4, ("Koo", "Ku")), ("민", 3, ("Min",)), ("진", 3, ("Jin",)), ("지", 3, ("Ji",)),
    ("엄", 3, ("Um", "Eom")), ("채", 3, ("Chae",)), ("원", 3, ("Won",)),
    ("천", 2, ("Chun", "Cheon")),
    ("방", 2, ("Bang",)), ("공", 2, ("Kong",)), ("현", 2, ("Hyun",)), ("함", 2, ("Ham",)),
    ("변", 2, ("Byun",)), ("염", 1, ("Yeom",)), ("여", 1, ("Yeo",)), ("추", 1, ("Choo",)),
    ("도", 1, ("Do",)), ("석", 1, ("Seok",)), ("선", 1, ("Sun",)), ("설", 1, ("Seol",)),
    ("마", 1, ("Ma",)), ("길", 1, ("Gil", "Kil")), ("연", 1, ("Yeon",)), ("위", 1, ("Wi",)),
    ("표", 1, ("Pyo",)), ("명", 1, ("Myung",)), ("기", 1, ("Ki",)), ("반", 1, ("Ban",)),
    ("나", 1, ("Na", "Ra")),
)
_SURNAME_NAMES = tuple(s for s, _, _ in _SURNAMES)
_SURNAME_CUM = tuple(accumulate(w for _, w, _ in _SURNAMES))
_CONVENTIONAL_SURNAME: dict[str, tuple[str, ...]] = {s: sp for s, _, sp in _SURNAMES}
_CONVENTIONAL_SURNAME.update({
    "리": ("Ri", "Lee"), "림": ("Rim", "Lim"), "량": ("Ryang", "Yang"), "로": ("Ro", "Roh"),
    "라": ("Ra", "Na"), "룡": ("Ryong", "Yong"),
})
# Two-syllable family names recognised when splitting a written name.
_DOUBLE_SURNAMES = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문"})
# South Korean Hangul <-> North Korean Hangul for family names with an initial ㄹ/ㄴ.
_SOUTH_TO_NORTH: Final[dict[str, str]] = {
    "이": "리", "임": "림", "유": "류", "양": "량", "노": "로", "나": "라", "용": "룡",
}
_RR_SURNAME_EXCEPTIONS = {"김": "Kim", "이": "Yi"}
_MR_SURNAME_EXCEPTIONS = {"이": "Yi"}

# ---------------------------------------------------------------------------------------
# Given names: common full given names (rank-weighted, so 영희 and 영철 recur often),
# plus syllables to compose rarer ones.
_GIVEN_F = (
    "영희", "영숙", "정숙", "순희", "명숙", "경희", "옥순", "순옥", "춘화", "금순", "정희", "은희",
    "혜경", "미경", "은정", "성희", "향미", "명옥", "영옥", "경숙", "옥희", "은혜", "설경", "진주",
    "혜진", "수정", "지혜", "미란", "영애", "선희", "정옥", "금희", "송이", "복순", "순자", "영실",
    "은주", "명희", "광숙", "춘옥", "향란", "은하", "설화", "정란", "옥화", "연희", "미향", "혜영",
    "금옥", "순실",
)
_GIVEN_M = (
    "영철", "영호", "영수", "성철", "철수", "광철", "명철", "정철", "영남", "성호", "정호", "철민",
    "광호", "명수", "성민", "남철", "영일", "경철", "성국", "송국", "광명", "주혁", "금철", "명혁",
    "용철", "학철", "춘식", "정남", "혁철", "영진", "광일", "철호", "진혁", "성일", "명길", "국철",
    "동철", "창호", "영길", "상철", "문철", "용남", "경호", "철진", "은철", "정혁", "성진", "대성",
    "광수", "명호",
)
_SYL_F = ("영정순명경옥춘금은혜미성향설진수지선송복광연", "희숙순옥화미경정혜주란애실향련영림녀")
_SYL_M = ("영성철광명정남경주금용학춘혁진국동창상문대은충일", "철호수민남일국혁명식길진성룡준훈석")
_SINGLE_F = ("희", "옥", "란", "숙")
_SINGLE_M = ("혁", "철", "훈", "진", "준")
_GIVEN_F_CUM = tuple(accumulate(1.0 / (r + 1) ** 0.9 for r in range(len(_GIVEN_F))))
_GIVEN_M_CUM = tuple(accumulate(1.0 / (r + 1) ** 0.9 for r in range(len(_GIVEN_M))))

# Customary spellings of frequent given-name syllables where the rule gives a rarer form.
_CONV_SYLLABLE = {"희": "hee", "연": "yeon", "이": "yi", "련": "ryun", "녀": "nyeo"}

_DEFAULT_WEIGHTS: Final[dict[str, float]] = {
    "rr": 0.25, "conventional": 0.25, "mr_plain": 0.15, "mr": 0.05, "dprk": 0.10, "informal": 0.20,
}


def generate_name(rng: random.Random, sex: str) -> str:
    """Invent a Hangul name: a frequency-weighted family name and a given name.

    ``sex`` is "F" or "M" (anything else draws from both).  About two thirds of given
    names come from a short list of common ones, so identical full names (김영희) recur
    for different people, as they do in real lists.
    """
    surname = rng.choices(_SURNAME_NAMES, cum_weights=_SURNAME_CUM)[0]
    if sex not in ("F", "M"):
        sex = rng.choice(("F", "M"))
    female = sex == "F"
    roll = rng.random()
    if roll < 0.66:
        given = rng.choices(_GIVEN_F if female else _GIVEN_M,
                            cum_weights=_GIVEN_F_CUM if female else _GIVEN_M_CUM)[0]
    elif roll < 0.70:
        given = rng.choice(_SINGLE_F if female else _SINGLE_M)
    else:
        first, second = _SYL_F if female else _SYL_M
        given = rng.choice(first) + rng.choice(second)
    return surname + given


def is_hangul_name(text: str) -> bool:
    """True when ``text`` is one or more precomposed Hangul syllables and nothing else."""
    return bool(text) and all(_BASE <= ord(ch) <= _LAST for ch in text)


def split_name(hangul: str) -> tuple[str, str]:
    """Split a Hangul full name into (family name, given name).

    Two-syllable family names (남궁, 황보 ...) are recognised in names of 3+ syllables.
    """
    if not is_hangul_name(hangul) or len(hangul) < 2:
        raise ValueError(f"not a Hangul full name: {hangul!r}")
    if len(hangul) >= 3 and hangul[:2] in _DOUBLE_SURNAMES:
        return hangul[:2], hangul[2:]
    return hangul[:1], hangul[1:]


def dprk_hangul(hangul: str) -> str:
    """Write the family name as North Koreans do (이 -> 리, 임 -> 림, 유 -> 류 ...)."""
    family, given = split_name(hangul)
    return _SOUTH_TO_NORTH.get(family, family) + given


def _decompose(syllable: str) -> tuple[int, int, int]:
    code = ord(syllable) - _BASE
    if not 0 <= code <= _LAST - _BASE:
        raise ValueError(f"not a Hangul syllable: {syllable!r}")
    return code // 588, (code % 588) // 28, code % 28


def _word(syllables: str, system: str, rng: random.Random | None) -> list[str]:
    """Romanise the syllables of one word; returns one string per syllable."""
    parts: list[str] = []
    prev_final: int | None = None  # None = start of the word
    for ch in syllables:
        ini, med, fin = _decompose(ch)
        if system == "rr":
            onset = _RR_INITIAL[ini]
            if ini == _I_RIEUL and prev_final == _F_RIEUL:
                onset = "l"
            part = onset + _RR_MEDIAL[med] + _FINAL[fin]
        elif system in ("mr", "mr_plain"):
            voiced = prev_final is not None and prev_final in _VOICED_FINALS
            onset = (_MR_INITIAL_VOICED if voiced else _MR_INITIAL)[ini]
            if ini == _I_RIEUL and prev_final == _F_RIEUL:
                onset = "l"
            if ini in (_I_SIOT, _I_SSANGSIOT) and med in (_M_I, _M_WI):
                onset += "h"
            part = onset + _MR_MEDIAL[med] + _FINAL[fin]
            if system == "mr_plain":
                part = part.replace("ŏ", "o").replace("ŭ", "u").replace("'", "")
        elif system == "dprk":
            part = _DPRK_INITIAL[ini] + _MR_MEDIAL[med] + _FINAL[fin]
            part = part.replace("ŏ", "o").replace("ŭ", "u")
        elif system == "conventional":
            part = _conventional_syllable(ch, ini, med, fin)
        elif system == "informal":
            if rng is None:
                raise ValueError("the informal system needs an rng")
            part = _informal_syllable(ini, med, fin, rng)
        else:
            raise ValueError(f"unknown romanisation system: {system!r}")
        parts.append(part)
        prev_final = fin
    return parts


def _conventional_syllable(ch: str, ini: int, med: int, fin: int) -> str:
    if ch in _CONV_SYLLABLE:
        return _CONV_SYLLABLE[ch]
    onset = _CONV_INITIAL[ini]
    if ini == _I_SIOT and med in (_M_I, _M_WI):
        onset = "sh"
    vowel = _CONV_MEDIAL[med]
    if ini == _I_IEUNG and med == _M_YEO:
        vowel = "you"  # 영 -> young
    return onset + vowel + _FINAL[fin]


def _informal_syllable(ini: int, med: int, fin: int, rng: random.Random) -> str:
    onset = rng.choice(_INFORMAL_INITIAL.get(ini, (_RR_INITIAL[ini],)))
    if ini == _I_SIOT and med in (_M_I, _M_WI) and rng.random() < 0.5:
        onset = "sh"
    vowel = rng.choice(_INFORMAL_MEDIAL.get(med, (_RR_MEDIAL[med],)))
    if ini == _I_IEUNG and med == _M_YEO and rng.random() < 0.5:
        vowel = "you"
    return onset + vowel + _FINAL[fin]


def _family_part(family: str, system: str, rng: random.Random | None) -> str:
    if system == "dprk":
        north = _SOUTH_TO_NORTH.get(family, family)
        return "".join(_word(north, "dprk", None)).capitalize()
    if system == "conventional":
        return _CONVENTIONAL_SURNAME.get(family, ("".join(_word(family, "conventional", None)),))[
            0].capitalize()
    if system == "informal":
        assert rng is not None
        if family in _CONVENTIONAL_SURNAME and rng.random() < 0.5:
            return rng.choice(_CONVENTIONAL_SURNAME[family])
        return "".join(_word(family, "informal", rng)).capitalize()
    if system == "rr" and family in _RR_SURNAME_EXCEPTIONS:
        return _RR_SURNAME_EXCEPTIONS[family]
    if system in ("mr", "mr_plain") and family in _MR_SURNAME_EXCEPTIONS:
        return _MR_SURNAME_EXCEPTIONS[family]
    return "".join(_word(family, system, rng)).capitalize()


_DEFAULT_STYLE = {"rr": "joined", "mr": "joined", "mr_plain": "joined", "dprk": "split",
                  "conventional": "hyphen"}


def _layout(family: str, given: Sequence[str], style: str, family_last: bool,
            family_upper: bool) -> str:
    if style == "joined":
        given_text = "".join(given).capitalize()
    elif style == "hyphen":
        given_text = "-".join(given).capitalize()
    elif style == "split":
        given_text = " ".join(p.capitalize() for p in given)
    else:
        raise ValueError(f"unknown given-name style: {style!r}")
    fam = family.upper() if family_upper else family
    return f"{given_text} {fam}" if family_last else f"{fam} {given_text}"


def romanise(hangul: str, system: str, rng: random.Random | None = None) -> str:
    """Romanise a Hangul full name in one system, family name first.

    Deterministic for every system except ``informal``, which draws its per-syllable
    choices and layout from ``rng`` (default: a Random seeded with the name, so the
    same name always gets the same informal spelling when no rng is given).
    """
    if system not in SYSTEMS:
        raise ValueError(f"unknown romanisation system: {system!r}")
    family, given = split_name(hangul)
    if system == "informal" and rng is None:
        rng = random.Random(hangul)
    fam = _family_part(family, system, rng)
    given_parts = _word(given, system, rng)
    if system == "informal":
        assert rng is not None
        style = rng.choice(("joined", "hyphen", "split"))
    else:
        style = _DEFAULT_STYLE[system]
    return _layout(fam, given_parts, style, family_last=False, family_upper=False)


def variant_parts(hangul: str, rng: random.Random,
                  weights: dict[str, float] | None = None) -> VariantParts:
    """The pieces :func:`random_variant` lays out: family name, given syllables, layout.

    Draws exactly what ``random_variant`` draws, so noise added on top of the pieces
    (:func:`noisy_latin`) leaves every other draw of a seeded world where it was.
    """
    w = weights or _DEFAULT_WEIGHTS
    systems = tuple(w)
    system = rng.choices(systems, weights=tuple(w.values()))[0]
    family, given = split_name(hangul)
    fam = _family_part(family, system, rng)
    given_parts = _word(given, system, rng)
    style = _DEFAULT_STYLE.get(system, "hyphen")
    if system == "informal" or rng.random() < 0.3:
        style = rng.choice(("joined", "hyphen", "split"))
    roll = rng.random()
    return VariantParts(fam, tuple(given_parts), style, family_last=roll < 0.08,
                        family_upper=0.08 <= roll < 0.15)


def random_variant(hangul: str, rng: random.Random,
                   weights: dict[str, float] | None = None) -> str:
    """One plausible way a source writes ``hangul`` in Latin letters.

    Picks a system by ``weights`` (default: mostly RR and conventional spellings), then
    varies the layout as lists do: given name joined, hyphenated or split, sometimes the
    family name last ("Young-chul Kim") or in capitals ("KIM Young-chul").
    """
    return variant_parts(hangul, rng, weights).text()


@dataclass(frozen=True)
class VariantParts:
    """A romanised name before layout: family name, given-name syllables, how to join."""

    family: str
    given: tuple[str, ...]
    style: str
    family_last: bool
    family_upper: bool

    def text(self) -> str:
        """The name as ``random_variant`` writes it."""
        return _layout(self.family, self.given, self.style, family_last=self.family_last,
                       family_upper=self.family_upper)


TYPO_KINDS: Final[tuple[str, ...]] = ("transpose", "double", "drop", "capital", "first_letter")
"""Typing errors :func:`typo` makes."""

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(text: str, rng: random.Random, kind: str | None = None) -> str:
    """``text`` with one typing error (``kind`` or a random one of ``TYPO_KINDS``).

    transpose: two adjacent letters swapped ("Yeong" -> "Yeogn"); double: a letter typed
    twice; drop: a letter left out (never the only letter of a word); capital: a stray
    capital inside a word ("Ae-ran" -> "Ae-rAn"); first_letter: the first letter of a
    word replaced by another, in lower case ("Choi" -> "nhoi").
    """
    kind = kind or rng.choice(TYPO_KINDS)
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 2:
        return text
    if kind == "transpose":
        pairs = [i for i in letters if i + 1 < len(text) and text[i + 1].isalpha()
                 and text[i].lower() != text[i + 1].lower()]
        if not pairs:
            return text
        i = rng.choice(pairs)
        a, b = text[i], text[i + 1]
        if a.isupper() and b.islower():  # a capital stays at the front of its word
            a, b = a.lower(), b.upper()
        return text[:i] + b + a + text[i + 2:]
    if kind == "double":
        i = rng.choice(letters)
        return text[:i + 1] + text[i].lower() + text[i + 1:]
    if kind == "drop":
        inner = [i for i in letters
                 if (i > 0 and text[i - 1].isalpha()) or (i + 1 < len(text)
                                                          and text[i + 1].isalpha())]
        i = rng.choice(inner or letters)
        if text[i].isupper() and i + 1 < len(text) and text[i + 1].isalpha():
            return text[:i] + text[i + 1].upper() + text[i + 2:]
        return text[:i] + text[i + 1:]
    if kind == "capital":
        inner = [i for i in letters if i > 0 and text[i - 1].isalpha() and text[i].islower()]
        if not inner:
            return text
        i = rng.choice(inner)
        return text[:i] + text[i].upper() + text[i + 1:]
    if kind == "first_letter":
        starts = [i for i in letters if i == 0 or not text[i - 1].isalpha()]
        i = rng.choice(starts)
        other = rng.choice([c for c in _LETTERS if c != text[i].lower()])
        return text[:i] + other + text[i + 1:]
    raise ValueError(f"unknown typo kind: {kind!r}")


def resplit(given: Sequence[str], family: str, rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """Syllables joined or split at the wrong place: ("Kim", ["young", "chul"]) may become
    ("Kimyoung", ["chul"]) (family joined to the first syllable) or ("Kim", ["youn",
    "gchul"]) (the given name split one letter off its syllable boundary)."""
    if len(given) >= 2 and rng.random() < 0.4:
        return family + given[0].lower(), tuple(given[1:])
    joined = "".join(given)
    if len(joined) < 3:
        return family + joined.lower(), ()
    if len(given) >= 2:
        boundary = len(given[0])
        cut = boundary + rng.choice((-1, 1))
    else:
        cut = rng.randint(1, len(joined) - 1)
    cut = min(max(cut, 1), len(joined) - 1)
    return family, (joined[:cut], joined[cut:])


def noisy_latin(parts: VariantParts, rng: random.Random, *, typo_rate: float = 0.0,
                glued: float = 0.0, given_first: float = 0.0,
                resplit_rate: float = 0.0) -> tuple[str, tuple[str, ...]]:
    """Lay out ``parts`` with extra noise drawn from ``rng``; returns (text, noise kinds).

    Each rate is the probability of that kind of noise in one name: ``given_first``
    (family name last, no capitals to tell it), ``resplit_rate`` (:func:`resplit`),
    ``glued`` (family name glued to the given name without a space: "Song-kukKim" or
    "KimSongkuk"), ``typo_rate`` (one :func:`typo`, and a second one at the same rate).
    A rate of 0 draws nothing.
    """
    kinds: list[str] = []
    family, given = parts.family, parts.given
    family_last, family_upper = parts.family_last, parts.family_upper
    style = parts.style
    if given_first and rng.random() < given_first:
        family_last, family_upper = True, False
        kinds.append("given_first")
    if resplit_rate and rng.random() < resplit_rate:
        family, given = resplit(given, family, rng)
        if style == "joined" and len(given) > 1:
            style = "split"  # a wrong cut inside a joined name would not show
        kinds.append("resplit")
    if not given:
        text = family.upper() if family_upper else family
    elif glued and rng.random() < glued:
        given_text = _layout("", given, style, False, False).strip()
        text = given_text.replace(" ", "") + family if family_last else family + (
            given_text.replace(" ", "").capitalize())
        kinds.append("glued")
    else:
        text = _layout(family, given, style, family_last, family_upper)
    if typo_rate and rng.random() < typo_rate:
        text = typo(text, rng)
        kinds.append("typo")
        if rng.random() < typo_rate:
            text = typo(text, rng)
    return text, tuple(kinds)
