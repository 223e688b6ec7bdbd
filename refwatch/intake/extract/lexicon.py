"""The words that carry events, states, flags and sex, in English and Korean.

Each event word maps to the model's own vocabulary (`EventType`, `Status`, `Flag`), so a
proposal needs no translation before review. When a sentence states several events for
the same people, the most consequential wins: a return outweighs a release, a release a
detention, a detention an apprehension (`EVENT_RANK`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from refwatch.domain.enums import EventType, Flag, Sex, Status

EVENT_RANK: dict[str, int] = {
    EventType.APPREHENSION.value: 1,
    EventType.DETENTION.value: 2,
    EventType.RELEASE.value: 3,
    EventType.RETURN.value: 4,
}
STATUS_OF_EVENT: dict[str, str] = {
    EventType.APPREHENSION.value: Status.DETAINED.value,
    EventType.DETENTION.value: Status.DETAINED.value,
    EventType.RELEASE.value: Status.RELEASED.value,
    EventType.RETURN.value: Status.RETURNED.value,
}

_I = re.IGNORECASE
_FACILITY_NOUN = r"(?!\s+(?:cent(?:re|er)s?|facilit(?:y|ies)|houses?|camps?)\b)"

# (event or None for a state, pattern). States say where people are now ("still held").
_EN: tuple[tuple[str | None, re.Pattern[str]], ...] = (
    (
        None,
        re.compile(
            r"\b(?:(?:still|currently|now)\s+(?:being\s+)?"
            r"(?:held|detained|jailed|in\s+(?:detention|custody))"
            r"|remain(?:s|ed|ing)?\s+"
            r"(?:in\s+(?:detention|custody|jail|prison)|detained|held|behind bars)"
            r"|(?:are|is)\s+(?:being\s+)?(?:held|detained)"
            r"|(?:are|is)\s+(?:still\s+)?in\s+(?:detention|custody))\b",
            _I,
        ),
    ),
    (
        EventType.RETURN.value,
        re.compile(
            r"\b(?:(?:forcibly|forcefully)\s+)?(?:returned|repatriated|deported|refouled|expelled)\b"
            r"|\bsent\s+back\b|\bhanded\s+(?:over|back)\b|\bforced\s+returns?\b|\brepatriations?\b",
            _I,
        ),
    ),
    (EventType.RELEASE.value, re.compile(r"\b(?:released|freed|let\s+go)\b", _I)),
    (
        EventType.DETENTION.value,
        re.compile(
            rf"\b(?:detained|jailed|imprisoned|locked\s+up|(?:were|was|been|be)\s+held|held\s+(?:at|in)"
            rf"|detention{_FACILITY_NOUN}|detentions)\b",
            _I,
        ),
    ),
    (
        EventType.APPREHENSION.value,
        re.compile(
            r"\b(?:arrested|apprehended|caught|captured|seized|rounded\s+up|picked\s+up|arrests?"
            r"|apprehensions?)\b",
            _I,
        ),
    ),
)
_KO: tuple[tuple[str | None, re.Pattern[str]], ...] = (
    (
        None,
        re.compile(
            r"(?:구금|억류|수감|구류|감금)\s?(?:중(?!에)|되어\s?있|돼\s?있|된\s?상태)|갇혀\s?있"
            r"|(?:아직|여전히|지금도|현재)[^.?!]{0,25}?(?:구류장|구류소|구금|억류|수감|갇혀|감옥)[^.?!]{0,8}?(?:있|중)"
        ),
    ),
    (
        EventType.RETURN.value,
        re.compile(r"강제\s?송환|강제\s?북송|북송|송환|추방|돌려보내|강제\s?퇴거"),
    ),
    (EventType.RELEASE.value, re.compile(r"석방|풀려나|풀려났|풀어\s?주")),
    (
        EventType.DETENTION.value,
        re.compile(r"(?:구금|억류|수감|감금)(?!\s?중)|갇혔|갇히|구류(?![소장]|\s?중)"),
    ),
    (
        EventType.APPREHENSION.value,
        re.compile(r"체포|검거|붙잡|잡혔|잡혀|잡히|잡힌|연행|단속에\s?걸"),
    ),
)
# An event that may happen, or is feared, is no event yet ("could be sent back").
_MODAL_BEFORE_EN = re.compile(
    r"(?:\b(?:could|may|might|will|would|to|should|must)\s+(?:soon\s+|now\s+)?be\s+"
    r"|\bat\s+risk\s+of\s+(?:being\s+)?|\bfac(?:e|es|ing)\s+(?:being\s+)?|\bthreat(?:ened)?\s+of\s+)$",
    _I,
)
_MODAL_AFTER_KO = re.compile(
    r"^[가-힣]{0,3}\s?(?:될\s?(?:수|위기|예정|우려|것)|위기|예정|우려|당할|할\s?수)"
)


@dataclass(frozen=True, slots=True)
class Trigger:
    event: str | None  # None: a state (`status` detained)
    start: int
    end: int

    @property
    def status(self) -> str:
        return STATUS_OF_EVENT[self.event] if self.event else Status.DETAINED.value


def find_triggers(text: str, start: int, end: int) -> list[Trigger]:
    """Event and state words in text[start:end], in order; a state phrase hides the
    event words inside it ("still held" is no new detention)."""
    found: list[Trigger] = []
    for table in (_EN, _KO):
        for event, pattern in table:
            for match in pattern.finditer(text, start, end):
                if any(t.start <= match.start() < t.end for t in found):
                    continue
                if event is not None and _modal(text, match.start(), match.end(), start):
                    continue
                found.append(Trigger(event, match.start(), match.end()))
    found.sort(key=lambda t: t.start)
    return found


def _modal(text: str, begin: int, stop: int, floor: int) -> bool:
    before = text[max(floor, begin - 40) : begin]
    if _MODAL_BEFORE_EN.search(before):
        return True
    return _MODAL_AFTER_KO.match(text[stop : stop + 12]) is not None


def strongest(triggers: list[Trigger]) -> Trigger | None:
    """The most consequential event trigger (states aside), or None."""
    best: Trigger | None = None
    for trigger in triggers:
        if trigger.event is None:
            continue
        if best is None or EVENT_RANK[trigger.event] > EVENT_RANK[best.event or ""]:
            best = trigger
    return best


# Flags, as patterns over the words about people.
FLAG_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        Flag.BORN_IN_DETENTION.value,
        re.compile(
            r"\bborn\s+(?:in|into)\s+(?:detention|custody|prison|jail)\b"
            r"|(?:구금|수감|억류|구류)\s?(?:중에?|기간에?)[^.?!]{0,10}?(?:출산|태어|낳)",
            _I,
        ),
    ),
    (
        Flag.PREGNANT.value,
        re.compile(r"\bpregnan(?:t|cy)\b|\bexpecting a (?:baby|child)\b|임신|임산부", _I),
    ),
    (
        Flag.CHILD.value,
        re.compile(
            r"\b(?:child|children|kids?|minors?|boys?|girls?|teen(?:ager)?s?|infants?|babies|juveniles?)\b"
            r"|어린이|아동|아이(?!디)|미성년|소년|소녀|청소년|영아|유아|아기",
            _I,
        ),
    ),
    (
        Flag.OLDER.value,
        re.compile(
            r"\b(?:elderly|older|(?<![-\w])old\s+(?:wo)?m[ae]n|aged\s+(?:wo)?m[ae]n|grandmothers?|grandfathers?"
            r"|seniors?|pensioners?)\b|노인|고령|할머니|할아버지|노약자|어르신",
            _I,
        ),
    ),
    (Flag.GUIDE.value, re.compile(r"\b(?:guides?|brokers?|smugglers?)\b|브로커|안내인|가이드", _I)),
)

SEX_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        Sex.FEMALE.value,
        re.compile(
            r"\b(?:wom[ae]n|females?|girls?|mothers?|sisters?|daughters?|wi(?:fe|ves)|nieces?|aunts?"
            r"|grandmothers?|she|her|hers|herself|ms|mrs|widows?|ladies|lady|mum|mom)\b"
            r"|여성|여자|여인|할머니|어머니|엄마|딸|언니|누나|여동생|아내|부인|소녀|며느리|이모|고모|그녀|임산부|모녀",
            _I,
        ),
    ),
    (
        Sex.MALE.value,
        re.compile(
            r"\b(?:m[ae]n|males?|boys?|fathers?|brothers?|sons?|husbands?|nephews?|uncles?"
            r"|grandfathers?|he|his|him|himself|mr|dad)\b"
            r"|남성|남자|할아버지|아버지|아빠|아들|오빠|(?<![가-힣])형(?:은|이|님|도)?(?![가-힣])|남동생|남편|소년|삼촌",
            _I,
        ),
    ),
)


def flags_in(text: str, start: int, end: int) -> list[str]:
    piece = text[start:end]
    out: list[str] = []
    for flag, pattern in FLAG_WORDS:
        match = pattern.search(piece)
        if match is None:
            continue
        if flag == Flag.CHILD.value and FLAG_WORDS[0][1].search(piece):
            continue  # "a baby born in detention" is that flag, not a second one
        out.append(flag)
    return out


def sex_in(text: str, start: int, end: int) -> str | None:
    """The sex the words in text[start:end] state, the first one found; None if none or
    if the first words found disagree."""
    piece = text[start:end]
    best: tuple[int, str] | None = None
    for sex, pattern in SEX_WORDS:
        match = pattern.search(piece)
        if match is not None and (best is None or match.start() < best[0]):
            best = (match.start(), sex)
    return best[1] if best else None
