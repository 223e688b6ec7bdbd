"""Numbers as texts write them: digits, English words, Korean numerals and counters.

`find_numbers` gives every number with its span; whether it counts people, is an age, a
year or a percentage is decided by the callers, which see the words around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DIGITS = 9
"""A longer run of digits is no count of people (10^30 is an attack or a typo): ignored."""

_UNITS_EN = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "a dozen": 12, "a hundred": 100, "one hundred": 100,
}  # fmt: skip
_TENS_EN = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_UNIT_WORDS = "|".join(sorted((w for w in _UNITS_EN if " " not in w), key=len, reverse=True))
_TEN_WORDS = "|".join(_TENS_EN)
_WORD_NUMBER = re.compile(
    rf"\b(?:(?P<tens>{_TEN_WORDS})(?:[- ](?P<unit>one|two|three|four|five|six|seven|eight|nine))?"
    rf"|(?P<small>a dozen|a hundred|one hundred|{_UNIT_WORDS}))\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"(?<![\w.,^])(\d{1,3}(?:,\d{3})+|\d+)(?![\d^]|[A-Za-z])")

# Korean. Sino-Korean numerals (일 이 삼 … 십 백) only before a counter, since 일 alone
# is also "day" and "work"; native numerals (하나 둘 … 열 스물 … 아흔) in their counting
# forms (한 두 세 네 before a counter, or standing alone as 하나 둘 셋 넷).
_SINO = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_SINO_NUMBER = re.compile(
    r"(?<![가-힣])([일이삼사오육칠팔구십백]{1,6})(?=\s?(?:명|살|세)(?![가-힣]{2}))"
)
_NATIVE_TENS = {"열": 10, "스물": 20, "스무": 20, "서른": 30, "마흔": 40, "쉰": 50,
                "예순": 60, "일흔": 70, "여든": 80, "아흔": 90}  # fmt: skip
_NATIVE_UNITS = {"하나": 1, "한": 1, "둘": 2, "두": 2, "셋": 3, "세": 3, "넷": 4, "네": 4,
                 "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9}  # fmt: skip
_NATIVE_NUMBER = re.compile(
    r"(?<![가-힣0-9])(?P<tens>열|스물|스무|서른|마흔|쉰|예순|일흔|여든|아흔)?"
    r"(?P<unit>하나|다섯|여섯|일곱|여덟|아홉|한|둘|두|셋|세|넷|네)?"
    r"(?:(?P<counter>(?=\s?(?:명|살|사람|그룹|곳|개|팀|차례)))"
    r"|(?=[도은는이가을를과와]?(?:\s|[.,!?]|$)))"
)
# Forms that stand only before a counter (한 명, 두 그룹, 스무 살); 한 alone is "one" in
# 한 해 ("one year") and a dozen other idioms.
_PRENOMINAL = frozenset({"한", "두", "세", "네", "스무", ""})


@dataclass(frozen=True, slots=True)
class Number:
    value: int
    start: int
    end: int
    kind: str  # "digits", "word" (English), "sino", "native"


def find_numbers(text: str) -> list[Number]:
    """Every number in `text`, by position. Overlaps are resolved longest first."""
    found: list[Number] = []
    for match in _DIGITS.finditer(text):
        raw = match.group(1).replace(",", "")
        if len(raw) > MAX_DIGITS or _negative(text, match.start(1)):
            continue
        found.append(Number(int(raw), match.start(1), match.end(1), "digits"))
    if any(ch.isascii() and ch.isalpha() for ch in text):
        for match in _WORD_NUMBER.finditer(text):
            found.append(Number(_english_value(match), match.start(), match.end(), "word"))
    if any("\uac00" <= ch <= "\ud7a3" for ch in text):
        for match in _SINO_NUMBER.finditer(text):
            value = sino_value(match.group(1))
            if value is not None:
                found.append(Number(value, match.start(1), match.end(1), "sino"))
        for match in _NATIVE_NUMBER.finditer(text):
            if not match.group(0):
                continue
            if match.group("counter") is None and (match.group("unit") or "") in _PRENOMINAL:
                continue
            tens = _NATIVE_TENS.get(match.group("tens") or "", 0)
            unit = _NATIVE_UNITS.get(match.group("unit") or "", 0)
            found.append(Number(tens + unit, match.start(), match.end(), "native"))
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    kept: list[Number] = []
    for number in found:
        if kept and number.start < kept[-1].end:
            continue
        kept.append(number)
    return kept


def _negative(text: str, start: int) -> bool:
    """A minus sign before the digits ("-5"), not a hyphen between words ("July-5")."""
    if start == 0 or text[start - 1] not in "-−":
        return False
    return start == 1 or not text[start - 2].isalnum()


def _english_value(match: re.Match[str]) -> int:
    if match.group("tens"):
        value = _TENS_EN[match.group("tens").lower()]
        unit = match.group("unit")
        return value + (_UNITS_EN[unit.lower()] if unit else 0)
    return _UNITS_EN[match.group("small").lower()]


def sino_value(text: str) -> int | None:
    """사십일 → 41, 백이십 → 120, 십 → 10; None when the characters do not form a number."""
    total, current = 0, 0
    for ch in text:
        if ch in _SINO:
            if current:
                return None
            current = _SINO[ch]
        elif ch == "십":
            total += (current or 1) * 10
            current = 0
        elif ch == "백":
            if total:
                return None
            total += (current or 1) * 100
            current = 0
    value = total + current
    return value if value > 0 else None
