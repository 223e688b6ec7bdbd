"""Korean-aware name keys: one spelling-insensitive form for every way a name is written.

Why: one person is 김영철 to a family member, "Kim Yeongcheol" (Revised Romanization)
to one NGO, "Kim Yŏngch'ŏl" or "Kim Yongchol" (McCune-Reischauer) to another, "Kim
Young-chul" on a passport, "Ri Yong Chol"-style in North Korean usage, sometimes family
name last, sometimes in Chinese characters. Splink compares columns; this module makes
the columns comparable.

Hangul is the pivot. A Hangul syllable decomposes into jamo (initial, medial, final);
each jamo maps to a small phonetic alphabet that every romanisation also maps to:

- consonants lose the distinctions romanisations disagree on: ㄱ/ㄲ/ㅋ and g/k/kk/kh → k,
  ㄷ/ㄸ/ㅌ and d/t/tt/th → t, ㅂ/ㅃ/ㅍ and b/p/pp/ph → p, ㅈ/ㅉ/ㅊ and j/ch/tch → c,
  ㅅ/ㅆ and s/sh/ss → s, ㄹ and r/l → l, final ㅇ and ng → N;
- vowels likewise: ㅓ/ㅗ/ㅜ/ㅡ and eo/ŏ/o/u/oo/eu/ŭ → o, ㅕ/ㅛ/ㅠ and
  yeo/yŏ/yo/you/yu/yoo → yo, ㅣ/ㅢ and i/ee/ui/eui/ŭi → i, ㅐ/ㅔ and ae/e → e, …

So 김영철, "Yeongcheol", "Yŏngch'ŏl", "Yongchol" and "Young-chul" all give the given-name
key ``yoNcol``. The key is deliberately coarse (영수 and 용수 share it): it only decides
which pairs are worth comparing and whether names agree; Splink weighs that agreement
against the other evidence, and term-frequency adjustment makes a shared common name
count for little.

Family names go through `surnames` (Lee/Yi/Rhee/Ri/李 → 이), after the initial-sound law
(두음 법칙) folds North Korean 리/림/류/량/로/라/룡 into 이/임/유/양/노/나/용. Which
Latin word is the family name is decided by the table, capitals (``KIM Young-chul``),
hyphens (a hyphenated word is a given name) and commas; when both the first and the last
word could be family names the other reading is kept as an alternative key.

The keys are as sensitive as the names: they exist only in memory during a linkage run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from refwatch.linkage import hanja, surnames

_BASE = 0xAC00
_LAST = 0xD7A3

# Jamo -> phonetic alphabet (Unicode order of initials, medials and finals).
_INITIAL: Final = (
    "k",
    "k",
    "n",
    "t",
    "t",
    "l",
    "m",
    "p",
    "p",
    "s",
    "s",
    "",
    "c",
    "c",
    "c",
    "k",
    "t",
    "p",
    "h",
)
_MEDIAL: Final = (
    "a",
    "e",
    "ya",
    "ye",
    "o",
    "e",
    "yo",
    "ye",
    "o",
    "wa",
    "we",
    "we",
    "yo",
    "o",
    "wo",
    "we",
    "wi",
    "yo",
    "o",
    "i",
    "i",
)
_FINAL: Final = (
    "",
    "k",
    "k",
    "k",
    "n",
    "n",
    "n",
    "t",
    "l",
    "k",
    "m",
    "l",
    "l",
    "l",
    "p",
    "l",
    "m",
    "p",
    "p",
    "t",
    "t",
    "N",
    "t",
    "t",
    "k",
    "t",
    "p",
    "t",
)

_I_NIEUN, _I_RIEUL, _I_IEUNG = 2, 5, 11
# Medials before which an initial ㄹ/ㄴ becomes silent (ㅑ ㅕ ㅖ ㅛ ㅠ ㅣ).
_Y_MEDIALS: Final = frozenset({2, 6, 7, 12, 17, 20})

# Latin units, longest first within each length.
_VOWEL_UNITS: Final[dict[str, str]] = {
    "yeo": "yo",
    "you": "yo",
    "yoo": "yo",
    "yeu": "yo",
    "yae": "ye",
    "wae": "we",
    "weo": "wo",
    "eui": "i",
    "wee": "wi",
    "woo": "o",
    "ya": "ya",
    "yo": "yo",
    "yu": "yo",
    "ye": "ye",
    "yi": "i",
    "wa": "wa",
    "we": "we",
    "wo": "wo",
    "wi": "wi",
    "wu": "o",
    "eo": "o",
    "eu": "o",
    "oo": "o",
    "ou": "o",
    "ae": "e",
    "ai": "e",
    "oe": "we",
    "oi": "we",
    "ui": "i",
    "ee": "i",
    "oa": "wa",
    "ua": "wa",
    "a": "a",
    "e": "e",
    "i": "i",
    "o": "o",
    "u": "o",
    "y": "i",
    "w": "o",
}
_CONSONANT_UNITS: Final[dict[str, str]] = {
    "tch": "c",
    "ssh": "s",
    "ch": "c",
    "jj": "c",
    "dj": "c",
    "tj": "c",
    "zh": "c",
    "ts": "c",
    "kk": "k",
    "kh": "k",
    "ck": "k",
    "gg": "k",
    "tt": "t",
    "th": "t",
    "dd": "t",
    "pp": "p",
    "ph": "p",
    "bb": "p",
    "ss": "s",
    "sh": "s",
    "ll": "l",
    "rr": "l",
    "nn": "n",
    "mm": "m",
    "ng": "N",
    "j": "c",
    "g": "k",
    "k": "k",
    "c": "k",
    "q": "k",
    "t": "t",
    "d": "t",
    "p": "p",
    "b": "p",
    "f": "p",
    "v": "p",
    "s": "s",
    "z": "c",
    "x": "ks",
    "r": "l",
    "l": "l",
    "n": "n",
    "m": "m",
    "h": "h",
}
_VOWEL_LETTERS: Final = frozenset("aeiouwy")
_ASPIRATES: Final = frozenset({"kh", "th", "ph"})
_REPEATS = re.compile(r"(.)\1+")
_APOSTROPHES = re.compile(r"['’ʼ`´‘]")
_SEPARATORS = re.compile(r"[^a-z\s,\-]")


def canonical_key(key: str) -> str:
    """Collapse what joined romanisations cannot tell apart.

    Repeated letters go (Shinn, Chull); n + k becomes N, because a joined "Chunguk"
    (춘국) cannot say whether its "ng" is a final ㅇ or ㄴ followed by ㄱ.
    """
    return _REPEATS.sub(r"\1", key).replace("nk", "N")


def is_hangul(char: str) -> bool:
    return _BASE <= ord(char) <= _LAST


def is_han(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def jamo(syllable: str) -> tuple[int, int, int]:
    """A Hangul syllable's initial, medial and final, as indices in Unicode order."""
    code = ord(syllable) - _BASE
    return code // 588, (code % 588) // 28, code % 28


def _compose(initial: int, medial: int, final: int) -> str:
    return chr(_BASE + (initial * 21 + medial) * 28 + final)


def initial_sound_law(syllable: str) -> str:
    """The southern form of a word-initial syllable: 리 → 이, 류 → 유, 로 → 노, 녀 → 여."""
    if not is_hangul(syllable):
        return syllable
    initial, medial, final = jamo(syllable)
    if initial == _I_RIEUL:
        initial = _I_IEUNG if medial in _Y_MEDIALS else _I_NIEUN
    elif initial == _I_NIEUN and medial in _Y_MEDIALS:
        initial = _I_IEUNG
    return _compose(initial, medial, final)


def hangul_key(text: str) -> str:
    """The phonetic key of Hangul syllables (other characters are ignored)."""
    out = []
    for char in text:
        if is_hangul(char):
            initial, medial, final = jamo(char)
            out.append(_INITIAL[initial] + _MEDIAL[medial] + _FINAL[final])
    return canonical_key("".join(out))


def fold_latin(text: str) -> str:
    """Lower case, marks and apostrophes removed: "Yŏngch'ŏl" → "yongchol"."""
    if text.isascii():
        return _APOSTROPHES.sub("", text).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", bare).lower()


def latin_key(word: str) -> str:
    """The phonetic key of one romanised word or syllable run (letters only)."""
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        char = word[i]
        table = _VOWEL_UNITS if char in _VOWEL_LETTERS else _CONSONANT_UNITS
        for size in (3, 2, 1):
            unit = word[i : i + size]
            if len(unit) == size and unit in table:
                if i > 0 and unit in _ASPIRATES:
                    continue  # inside a word, "okhui" is k + h, not an aspirated k
                if unit == "h" and (i + 1 >= n or word[i + 1] not in _VOWEL_LETTERS):
                    pass  # a bare h closing a syllable (Ahn, Oh, Suh) is not a sound
                else:
                    out.append(table[unit])
                i += size
                break
        else:
            i += 1
    return canonical_key("".join(out))


# Phonetic key of each known family name, for Latin spellings the table lacks.
def _phonetic_surnames() -> dict[str, str | None]:
    index: dict[str, str | None] = {}
    for hangul in surnames.known_hangul():
        klass = surnames.surname_class(hangul)
        for key in {hangul_key(hangul)}:
            if key in index and index[key] != klass:
                index[key] = None  # ambiguous: better no class than a wrong one
            else:
                index[key] = klass
    return index


_PHONETIC_SURNAMES: Final = _phonetic_surnames()


@dataclass(frozen=True, slots=True)
class NameParse:
    """One reading of a written name: family-name class and given-name key."""

    surname: str | None
    given: str | None
    hangul: str | None = None

    @property
    def key(self) -> str | None:
        if self.surname is None or not self.given:
            return None
        return f"{self.surname}|{self.given}"


@dataclass(frozen=True, slots=True)
class NameFeatures:
    """What linkage compares about a mention's name (in memory only; never stored)."""

    key: str | None
    key_alt: str | None
    surname: str | None
    given: str | None
    hangul: str | None
    phonetic: str | None = None
    phonetic_rev: str | None = None

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(k for k in (self.key, self.key_alt) if k)


NO_NAME: Final = NameFeatures(None, None, None, None, None)


def _class_of_hangul_surname(family: str) -> str:
    klass = surnames.surname_class(family)
    return klass if klass is not None else "~" + hangul_key(family)


def split_hangul(text: str) -> tuple[str, str] | None:
    """(family name in southern form, given name) of a Hangul full name."""
    syllables = "".join(ch for ch in text if is_hangul(ch))
    if not syllables:
        return None
    if len(syllables) >= 3 and syllables[:2] in surnames.DOUBLE_SURNAMES:
        family, given = syllables[:2], syllables[2:]
    else:
        family, given = syllables[:1], syllables[1:]
    return initial_sound_law(family[0]) + family[1:], given


def parse_hangul(text: str) -> NameParse | None:
    parts = split_hangul(text)
    if parts is None:
        return None
    family, given = parts
    return NameParse(_class_of_hangul_surname(family), hangul_key(given) or None, family + given)


def parse_hanzi(text: str) -> NameParse | None:
    chars = "".join(ch for ch in text if is_han(ch))
    if not chars:
        return None
    for size in (2, 1):
        family = surnames.hangul_for_hanzi(chars[:size])
        if family is not None and len(chars) > size:
            given = hanja.read_given(chars[size:])
            if given is None:
                return NameParse(_class_of_hangul_surname(family), None)
            return parse_hangul(family + given)
    return None


WordKey = Callable[[str], str]


def _latin_surname_class(word: str, key: WordKey = latin_key) -> str | None:
    """The class of a family name written in Latin letters, or None if it is not one.

    The table first; then the phonetic key, so "Keem" or "Gweon" are still 김 and 권.
    """
    bare = word.replace("-", "")
    return surnames.class_for_latin(bare) or _PHONETIC_SURNAMES.get(key(bare))


def _fallback_class(word: str, key: WordKey = latin_key) -> str:
    phonetic = key(word.replace("-", ""))
    klass = _PHONETIC_SURNAMES.get(phonetic)
    return klass if klass is not None else "~" + phonetic


def _given_key(words: list[str], key: WordKey = latin_key) -> str | None:
    joined = "".join(key(part) for word in words for part in word.split("-") if part)
    return canonical_key(joined) or None


def parse_latin(text: str, key: WordKey = latin_key) -> list[NameParse]:
    """Readings of a romanised name, the likelier first (at most two)."""
    raw_words = [w for w in re.split(r"[\s,]+", text.strip()) if w]
    folded_text = _SEPARATORS.sub(" ", fold_latin(text))
    if "," in folded_text:
        head, _, tail = folded_text.partition(",")
        words = head.split() + tail.split()
        fixed = 0 if head.split() else None
    else:
        words = folded_text.split()
        fixed = None
    words = [w.strip("-") for w in words if w.strip("-")]
    if not words:
        return []
    if len(words) == 1:
        return [NameParse(None, _given_key(words, key))]
    if fixed is None and len(raw_words) == len(words):
        capitals = [
            i
            for i, w in enumerate(raw_words)
            if len(w) > 1 and w.isupper() and any(c.isalpha() for c in w)
        ]
        if len(capitals) == 1 and len(capitals) < len(raw_words):
            fixed = capitals[0]
    if fixed is not None:
        order = [fixed]
    else:
        first_ok = "-" not in words[0] and _latin_surname_class(words[0], key) is not None
        last_ok = "-" not in words[-1] and _latin_surname_class(words[-1], key) is not None
        if first_ok:
            order = [0, len(words) - 1] if last_ok else [0]
        elif last_ok:
            order = [len(words) - 1]
        else:
            order = [0]
    readings = []
    for index in order:
        family = words[index]
        klass = _latin_surname_class(family, key) or _fallback_class(family, key)
        given = words[:index] + words[index + 1 :]
        readings.append(NameParse(klass, _given_key(given, key)))
    return readings


_HANGUL_CHAR = re.compile("[\uac00-\ud7a3]")
_HAN_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _parse_field(text: str | None, key: WordKey = latin_key) -> list[NameParse]:
    if not text or not text.strip():
        return []
    if _HANGUL_CHAR.search(text):
        found = parse_hangul(text)
        return [found] if found else []
    if _HAN_CHAR.search(text):
        found = parse_hanzi(text)
        return [found] if found else []
    return parse_latin(text, key)


def phonetic_keys(reading: NameParse) -> tuple[str | None, str | None]:
    """The whole name as one sound key, family name first and given name first.

    Free of spacing and order: "Song-kukKim" (one glued word, no family name found),
    "Kimsong Kuk" (a wrong split) and 김송국 all give "kimsoNkok" in one of the two
    orders, so an edit distance between them measures typing errors only. The family
    name is its class's sound (Lee, Yi, 리 → "i") or, when unknown, its own sound.
    """
    family = ""
    if reading.surname:
        family = (
            reading.surname[1:] if reading.surname.startswith("~") else hangul_key(reading.surname)
        )
    given = reading.given or ""
    if not family and not given:
        return None, None
    # Each part is already canonical; family name first, joining them must not merge a
    # letter across the line (김명옥 is "kim" + "myoNok", not 김영옥's "kimyoNok"). Given
    # name first, it is joined as a glued word would be ("Song-kukKim": "soNkokim").
    return family + given, canonical_key(given + family)


def _combine(readings: list[NameParse]) -> NameFeatures:
    if not readings:
        return NO_NAME
    primary = next((r for r in readings if r.key), readings[0])
    alternative = next((r.key for r in readings if r.key and r.key != primary.key), None)
    phonetic, phonetic_rev = phonetic_keys(primary)
    return NameFeatures(
        key=primary.key,
        key_alt=alternative,
        surname=primary.surname,
        given=primary.given,
        hangul=next((r.hangul for r in readings if r.hangul), None),
        phonetic=phonetic,
        phonetic_rev=phonetic_rev,
    )


def name_features(hangul: str | None, latin: str | None) -> NameFeatures:
    """Keys of a mention's names. Either field may hold any script; Hangul wins."""
    return _combine(_parse_field(hangul) + _parse_field(latin))


class NameKeyer:
    """`name_features` with a cache for one linkage run (lists repeat names a lot).

    The cache holds decrypted names, so it lives only as long as the run: call
    `clear()` (or drop the object) when the feature table is built.
    """

    def __init__(self) -> None:
        self._fields: dict[str, list[NameParse]] = {}
        self._pairs: dict[tuple[str | None, str | None], NameFeatures] = {}
        self._words: dict[str, str] = {}

    def _word(self, word: str) -> str:
        found = self._words.get(word)
        if found is None:
            found = self._words[word] = latin_key(word)
        return found

    def _field(self, text: str | None) -> list[NameParse]:
        if text is None:
            return []
        found = self._fields.get(text)
        if found is None:
            found = self._fields[text] = _parse_field(text, self._word)
        return found

    def features(self, hangul: str | None, latin: str | None) -> NameFeatures:
        key = (hangul, latin)
        found = self._pairs.get(key)
        if found is None:
            found = self._pairs[key] = _combine(self._field(hangul) + self._field(latin))
        return found

    def clear(self) -> None:
        self._fields.clear()
        self._pairs.clear()
        self._words.clear()
