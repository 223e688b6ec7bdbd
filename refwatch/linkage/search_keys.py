"""Search keys for names in any script: Hangul, Hanzi and any romanisation.

Why: a researcher types "Kim Yongchol" and must find the person a family wrote as 김영철
and an NGO list as "Gim Young-chul". Search keys are deliberately loose (they find
candidates; a person decides): Hangul is romanised syllable by syllable; every Latin
spelling is folded so that Revised Romanization, McCune–Reischauer with or without marks,
DPRK usage (Ri, Rim, Ryu) and informal spellings meet (eo/o/u, ee/ui/i, k/g, t/d, p/b,
ch/j, r/l, initial r dropped); hyphens and spaces inside a name vanish, and the family
name may stand first or last. Hangul text is also matched as Hangul, with the
initial-sound law applied to the first syllable (리옥화 and 이옥화 meet). Hanzi is matched
as written.

These keys are looser than linkage's (`refwatch.linkage.names`), which decide whether two
mentions are worth comparing; both read Hangul through the same syllable decomposition
and initial-sound law, kept once in `names`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from refwatch.linkage.names import initial_sound_law, is_hangul, jamo

_INITIALS = ("g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch",
             "k", "t", "p", "h")  # fmt: skip
_VOWELS = ("a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u",
           "wo", "we", "wi", "yu", "eu", "ui", "i")  # fmt: skip
_FINALS = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m",
           "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t")  # fmt: skip
# Whole-token spellings that the letter rules below cannot reach.
_SURNAMES = {"park": "pak", "rhee": "i", "lee": "i", "yi": "i", "li": "i", "rhie": "i"}
# Order matters: "ui" must become "i" before a lone "u" becomes "o".
_FOLDS = (
    ("rh", "r"), ("sh", "s"), ("tch", "c"), ("ch", "c"), ("j", "c"), ("ck", "k"),
    ("g", "k"), ("d", "t"), ("b", "p"), ("l", "r"), ("f", "p"), ("v", "p"), ("z", "c"),
    ("x", "s"), ("q", "k"),
    ("wo", "o"), ("eo", "o"), ("ou", "o"), ("oo", "o"), ("ui", "i"), ("eu", "o"),
    ("ee", "i"), ("yi", "i"), ("wi", "i"), ("oi", "e"), ("oe", "e"), ("we", "e"),
    ("ae", "e"), ("ai", "e"), ("u", "o"),
)  # fmt: skip
_SPLIT = re.compile(r"[\s,./·・]+")
_DOUBLED = re.compile(r"(.)\1+")
_DROP = re.compile(r"[-‐‑–—'’ʼ`´\"()\[\]]")


_ANY_HANGUL = re.compile("[\uac00-\ud7a3]")
# A letter (or digit) of a script that is neither Latin nor Hangul: Hanzi, say.
_OTHER_SCRIPT = re.compile("[^\x00-\u024f\u1e00-\u1eff\uac00-\ud7a3\\W]")


def has_hangul(text: str) -> bool:
    return _ANY_HANGUL.search(text) is not None


def romanise_hangul(text: str) -> str:
    """Revised Romanization, syllable by syllable (no sound-change rules: keys fold them)."""
    out: list[str] = []
    for char in text:
        if is_hangul(char):
            initial, vowel, final = jamo(char)
            out.append(_INITIALS[initial] + _VOWELS[vowel] + _FINALS[final])
        else:
            out.append(char)
    return "".join(out)


def _plain(text: str) -> str:
    """Lower case, compatibility forms folded, accent marks (ŏ, ŭ) removed."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1 << 16)
def fold_latin_token(token: str, *, initial: bool = True) -> str:
    """One romanised word folded to its loose key (empty if nothing Latin is left).
    `initial` applies the rules for a word's start (initial r/l, n before i/y)."""
    word = _DROP.sub("", _plain(token))
    word = "".join(c for c in word if "a" <= c <= "z")
    if not word:
        return ""
    word = _SURNAMES.get(word, word)
    for old, new in _FOLDS:
        word = word.replace(old, new)
    if len(word) > 1 and word.endswith("h"):
        word = word[:-1]
    if not initial:
        return word
    if word.startswith("r"):
        word = word[1:] if word[1:2] in ("i", "y") else "n" + word[1:]
    elif word.startswith("n") and word[1:2] in ("i", "y"):
        word = word[1:]
    if word.startswith("y") and word[1:2] == "i":
        word = word[1:]
    return word


def _squeeze(word: str) -> str:
    """Doubled letters once (kk, ss, and those folding makes: "nkk" from "ngg")."""
    return _DOUBLED.sub(r"\1", word)


def _latin_tokens(text: str) -> list[str]:
    return [_squeeze(key) for key in (fold_latin_token(t) for t in _SPLIT.split(text)) if key]


def hangul_key(text: str) -> str:
    """Hangul with spaces removed and the initial-sound law applied to each word's start."""
    words = [w for w in _SPLIT.split(unicodedata.normalize("NFC", text)) if w]
    return "".join(initial_sound_law(w[0]) + w[1:] for w in words)


def _hangul_tokens(text: str) -> list[str]:
    """A Hangul name as romanised tokens: the first syllable (the usual family name) apart."""
    words = [w for w in _SPLIT.split(unicodedata.normalize("NFC", text)) if w]
    if len(words) == 1 and len(words[0]) >= 3 and all(is_hangul(c) for c in words[0]):
        words = [words[0][0], words[0][1:]]
    tokens = []
    for word in words:
        folded = [_folded_syllable(char, index == 0) for index, char in enumerate(word)]
        tokens.append(_squeeze("".join(folded)))
    return tokens


@functools.lru_cache(maxsize=1 << 14)
def _folded_syllable(char: str, initial: bool) -> str:
    return fold_latin_token(romanise_hangul(char), initial=initial)


SEPARATOR = "|"


def latin_keys(text: str) -> list[str]:
    """The loose keys of a name: its words (folded, joined by SEPARATOR) in the order
    given, and with the last or first word moved to the other end (family name first or
    last). Searches match from the start of a word, so "kim" does not find "...k|im"."""
    tokens = _hangul_tokens(text) if has_hangul(text) else _latin_tokens(text)
    tokens = [t for t in tokens if t]
    if not tokens:
        return []
    keys = [SEPARATOR.join(tokens)]
    if len(tokens) > 1:
        keys.append(SEPARATOR.join([tokens[-1], *tokens[:-1]]))
        keys.append(SEPARATOR.join([*tokens[1:], tokens[0]]))
    return list(dict.fromkeys(keys))


def exact_key(text: str) -> str:
    """The name as written, for Hanzi and any other script: NFKC, lower case, no spaces."""
    return "".join(_SPLIT.split(unicodedata.normalize("NFKC", text).casefold()))


def needs_exact(text: str) -> bool:
    """True when the text has letters that are neither Hangul nor Latin (Hanzi, say)."""
    return _OTHER_SCRIPT.search(text) is not None


@dataclass(frozen=True, slots=True)
class QueryKeys:
    """What a user typed, as keys: Hangul (substring), loose Latin (from a word start),
    exact (substring, for other scripts). Empty strings mean "not usable"."""

    hangul: str
    loose: str
    exact: str


def query_keys(query: str) -> QueryKeys:
    text = query.strip()
    hangul = hangul_key(text) if has_hangul(text) else ""
    latin = latin_keys(text)
    loose = _squeeze(latin[0].replace(SEPARATOR, "")) if latin else ""
    exact = exact_key(text) if needs_exact(text) else ""
    return QueryKeys(hangul, loose, exact)
