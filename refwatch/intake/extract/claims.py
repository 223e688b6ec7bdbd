"""Aggregate claims: a count of people with what happened to them.

A number is a count of people when a person noun follows it ("41 North Koreans", "two
guides", "10 of those detained"), when it is the subject of a verb ("37 have been
returned"), or, in Korean, when it takes the counter 명 (41명, 사십일 명, 한 명). Each
count gets its qualifier (the number kept is an inclusive bound, see `model.QUALIFIERS`),
the event or state the words around it state, the flags and sex of the counted people,
the sentence's most specific place and the nearest period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from refwatch.intake.extract.lexicon import Trigger, strongest
from refwatch.intake.extract.numbers import Number
from refwatch.intake.extract.periods import Period

_PERSON_NOUNS = (
    r"people|persons?|individuals|(?:North\s+)?Koreans|escapees|defectors|refugees|women|men"
    r"|children|kids|minors|boys|girls|guides|brokers|smugglers|members|adults|migrants"
    r"|others|detainees|returnees|teenagers|infants|babies|family members|relatives|cases"
)
_EN_COUNT = re.compile(
    rf"^(?:\s*(?:or\s+more|or\s+so|-odd|\+))?\s+(?:[A-Za-z-]+\s+){{0,3}}?(?:{_PERSON_NOUNS})\b"
    r"|^\s+(?:of\s+(?:them|those|these|the|whom)\b)"
    r"|^\s+(?:were|have|had|are|was|is|remain|remained|remain|still|in\s+total|more)\b",
    re.IGNORECASE,
)
_KO_COUNTER = re.compile(r"^\s?(?:여\s?)?명")
_KO_PERSON_BEFORE = re.compile(
    r"(?:아이|어린이|아동|미성년자|여성|남성|브로커|사람|탈북민|탈북자|노인|임산부)(?:들)?\s?(?:도\s?)?$"
)
_NOT_A_COUNT_BEFORE = re.compile(r"(?:\bNo\.?|\bnumber|#|제)\s*$|[$€£₩¥]\s*$", re.IGNORECASE)
_NOT_A_COUNT_AFTER = re.compile(
    r"^\s?(?:%|percent|per\s*cent|퍼센트|프로|세|살|years?\b|-year|yrs?\b|호|번|년|월|일|시|km|kilomet|miles?|곳|개|그룹|팀)",
    re.IGNORECASE,
)

_AT_LEAST_BEFORE = re.compile(
    r"(?:at\s+least|no\s+(?:fewer|less)\s+than|a\s+minimum\s+of|minimum\s+of|at\s+minimum"
    r"|최소한?|적어도)\s*$",
    re.IGNORECASE,
)
_MORE_THAN_BEFORE = re.compile(
    r"(?<!no\s)(?<!not\s)(?:more\s+than|over|upwards\s+of|in\s+excess\s+of|above|exceeding)\s*$",
    re.IGNORECASE,
)
_AT_MOST_BEFORE = re.compile(
    r"(?:up\s+to|as\s+many\s+as|at\s+most|no\s+more\s+than|not\s+more\s+than|a\s+maximum\s+of"
    r"|maximum\s+of|최대|많게는)\s*$",
    re.IGNORECASE,
)
_FEWER_BEFORE = re.compile(
    r"(?<!no\s)(?<!not\s)(?:fewer\s+than|less\s+than|under|below)\s*$", re.IGNORECASE
)
_ABOUT_BEFORE = re.compile(
    r"(?:\babout|\baround|\bsome|\bapproximately|\bapprox\.?|\broughly|\bnearly|\balmost"
    r"|\bclose\s+to|\ban\s+estimated|\bestimated|\bcirca|~|약|대략|거의)\s*$",
    re.IGNORECASE,
)
_AT_LEAST_AFTER = re.compile(r"^(?:\s*(?:or\s+more|\+)|\s?(?:여\s?)?명?\s?이상)", re.IGNORECASE)
_MORE_THAN_AFTER = re.compile(r"^\s?(?:명\s?)?(?:넘는|넘게|넘었|넘어|넘은|초과)")
_AT_MOST_AFTER = re.compile(r"^(?:\s*or\s+(?:fewer|less)|\s?명?\s?이하)", re.IGNORECASE)
_FEWER_AFTER = re.compile(r"^\s?명?\s?미만")
_ABOUT_AFTER = re.compile(
    r"^(?:-odd|\s?여\s?명|\s?명\s?(?:가량|정도|안팎|쯤|내외|남짓|가까이)|\s?(?:가량|정도|남짓))"
)

_PARTITIVE_AFTER = re.compile(
    r"^\s*(?:of\s+(?:them|those|these|whom)\b|명?\s?중|명?\s?가운데)", re.I
)
BACKREF = re.compile(
    r"^\W*(?:among\s+(?:them|these|those|whom)|of\s+(?:them|these|those)|one\s+of\s+them"
    r"|of\s+whom|including|이\s?가운데|이\s?중|그\s?중|그\s?가운데|이들\s?중|이들\s?가운데|그들\s?중"
    r"|이\s?중에는|그중에는)",
    re.IGNORECASE,
)
_CLAUSE_END_EN = re.compile(r"[,;:]|\b(?:including|among|such\s+as|while|whereas|but)\b", re.I)
_CLAIM_SEX = (
    (
        "F",
        re.compile(
            r"\b(?:wom[ae]n|females?|girls?|mothers?|grandmothers?)\b|여성|여자|할머니|임산부|소녀",
            re.I,
        ),
    ),
    (
        "M",
        re.compile(
            r"\b(?:m[ae]n|males?|boys?|fathers?|grandfathers?)\b|남성|남자|할아버지|소년", re.I
        ),
    ),
)
_KO_PREDICATE_NOMINAL = re.compile(
    r"^[^.,]{0,6}?(?:이|가|은|는)?\s?([가-힣]{1,5})(?:였|이었|이다|였다|입니다)"
)


@dataclass(slots=True)
class Count:
    """A count of people in a sentence, before it becomes a claim."""

    number: Number
    value: int
    qualifier: str
    window: tuple[int, int]  # the words about the counted people
    partitive: bool
    bound: list[Trigger] = field(default_factory=list)


def is_count(text: str, number: Number, sentence_start: int, sentence_end: int) -> bool:
    before = text[max(sentence_start, number.start - 12) : number.start]
    after = text[number.end : min(sentence_end, number.end + 60)]
    excluded = _NOT_A_COUNT_BEFORE.search(before) or _NOT_A_COUNT_AFTER.match(after)
    if excluded and not _KO_COUNTER.match(after):
        return False
    if _KO_COUNTER.match(after):
        return True
    if number.kind == "native" and _KO_PERSON_BEFORE.search(before):
        return True
    return _EN_COUNT.match(after) is not None


def qualify(text: str, number: Number, floor: int, ceiling: int) -> tuple[int, str]:
    """The inclusive bound and qualifier: "more than 40" → (41, at_least)."""
    before = text[max(floor, number.start - 30) : number.start]
    after = text[number.end : min(ceiling, number.end + 12)]
    value = number.value
    if _MORE_THAN_AFTER.match(after) or _MORE_THAN_BEFORE.search(before):
        return value + 1, "at_least"
    if _FEWER_AFTER.match(after) or _FEWER_BEFORE.search(before):
        return max(value - 1, 0), "at_most"
    if _AT_LEAST_AFTER.match(after) or _AT_LEAST_BEFORE.search(before):
        return value, "at_least"
    if _AT_MOST_AFTER.match(after) or _AT_MOST_BEFORE.search(before):
        return value, "at_most"
    if _ABOUT_AFTER.match(after) or _ABOUT_BEFORE.search(before):
        return value, "about"
    return value, "exact"


def window(
    text: str, number: Number, previous_end: int, next_start: int, clause: tuple[int, int]
) -> tuple[int, int]:
    """The words that describe the counted people: in English what follows the number
    (up to the next count or a clause break), in Korean what precedes it, plus a predicate
    noun ("… 10명 이상이 어린이였다")."""
    if any("\uac00" <= ch <= "\ud7a3" for ch in text[number.start : number.end + 2]) or (
        text[number.end : number.end + 2].strip().startswith("명")
    ):
        begin = max(previous_end, clause[0])
        stop = number.end
        tail = _KO_PREDICATE_NOMINAL.match(text[number.end : min(clause[1], next_start)])
        if tail is not None:
            stop = number.end + tail.end()
        return begin, stop
    stop = min(next_start, clause[1])
    piece = text[number.end : stop]
    cut = _CLAUSE_END_EN.search(piece)
    if cut is not None:
        stop = number.end + cut.start()
    return number.start, stop


def claim_sex(text: str, begin: int, end: int) -> str | None:
    piece = text[begin:end]
    found = {sex for sex, pattern in _CLAIM_SEX if pattern.search(piece)}
    return found.pop() if len(found) == 1 else None


def is_partitive(text: str, number: Number) -> bool:
    return _PARTITIVE_AFTER.match(text[number.end : number.end + 14]) is not None


def event_of(count: Count, predicates: list[Trigger]) -> tuple[str | None, bool]:
    """The count's event and whether a state (still held) is said of it."""
    own = count.bound or predicates
    best = strongest(own)
    state = any(t.event is None for t in own)
    return (best.event if best else None), state


def nearest(periods: list[Period], begin: int, end: int) -> Period | None:
    best: tuple[int, Period] | None = None
    for period in periods:
        distance = begin - period.end if period.end <= begin else period.start - end
        distance = max(distance, 0)
        if best is None or distance < best[0]:
            best = (distance, period)
    return best[1] if best else None
