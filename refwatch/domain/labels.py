"""One display label per value of the closed vocabularies, in every language shown.

Why one table here, in the library: the stored codes (`ngo_list`, `born_in_detention`,
`capacity_change`) are made for files and queries, not for readers, and the web pages, the
CLI and the fact sheets each used to word them their own way (or not at all, so the code
showed through). Every screen asks this table, so a value reads the same everywhere and a
Korean page never falls back to the code. A value the table does not know (a future member,
a free-text kind) is shown with its underscores turned into spaces rather than raw.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from refwatch.domain.enums import EventType, Flag, ObservationKind, SourceType, Status

LANGUAGES = ("en", "ko")

# value -> (English, Korean). Grouped by vocabulary; values are unique across groups
# except where the same word means the same thing ("detention" event / "detained" status).
_SOURCE_TYPES: dict[str, tuple[str, str]] = {
    SourceType.FAMILY: ("family", "가족"),
    SourceType.ACTIVIST: ("activist", "활동가"),
    SourceType.NETWORK: ("rescue network", "구출 조직"),
    SourceType.NGO_LIST: ("NGO list", "NGO 명단"),
    SourceType.MEDIA: ("media", "언론"),
    SourceType.OFFICIAL: ("official", "공식"),
    SourceType.SELF: ("the person themself", "본인"),
}
_STATUSES: dict[str, tuple[str, str]] = {
    Status.DETAINED: ("detained", "구금 중"),
    Status.RETURNED: ("returned", "송환됨"),
    Status.RELEASED: ("released", "석방됨"),
    Status.SAFE: ("safe", "안전"),
    Status.DIED: ("died", "사망"),
    Status.UNKNOWN: ("unknown", "알 수 없음"),
    Status.HELD_IN_DPRK: ("held in North Korea", "북한에서 구금 중"),
    Status.DISAPPEARED: ("disappeared after return", "송환 후 행방불명"),
}
_FLAGS: dict[str, tuple[str, str]] = {
    Flag.CHILD: ("child", "아동"),
    Flag.OLDER: ("older person", "고령자"),
    Flag.PREGNANT: ("pregnant", "임신부"),
    Flag.ILL: ("ill", "환자"),
    Flag.BORN_IN_DETENTION: ("born in detention", "구금 중 출생"),
    Flag.GUIDE: ("guide", "안내인"),
}
_EVENTS: dict[str, tuple[str, str]] = {
    EventType.DEPARTURE: ("departure", "출발"),
    EventType.APPREHENSION: ("apprehension", "체포"),
    EventType.DETENTION: ("detention began", "구금 시작"),
    EventType.TRANSFER: ("transfer", "이송"),
    EventType.RETURN: ("forced return", "강제 송환"),
    EventType.RELEASE: ("release", "석방"),
    EventType.SAFETY: ("reached safety", "안전 확보"),
    EventType.IMPRISONMENT: ("imprisonment", "수감"),
    EventType.DEATH: ("death", "사망"),
    EventType.BIRTH: ("birth in detention", "구금 중 출생"),
    EventType.DISAPPEARANCE: ("disappearance", "행방불명"),
}
_OBSERVATIONS: dict[str, tuple[str, str]] = {
    ObservationKind.CAPACITY_CHANGE: ("change in capacity", "수용 규모 변화"),
    ObservationKind.TIP_OFF: ("tip-off", "밀고"),
    ObservationKind.BORDER_SECURITY: ("border security", "국경 경비"),
    ObservationKind.OTHER: ("other", "기타"),
}
_SEXES: dict[str, tuple[str, str]] = {"F": ("female", "여성"), "M": ("male", "남성")}

VOCABULARIES: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "source_type": _SOURCE_TYPES,
    "status": _STATUSES,
    "flag": _FLAGS,
    "event": _EVENTS,
    "observation": _OBSERVATIONS,
    "sex": _SEXES,
}


def _plain(value: str) -> str:
    return value.replace("_", " ")


def label(value: str | StrEnum | None, lang: str = "en", vocabulary: str | None = None) -> str:
    """The reader's word for `value` in `lang` ('en' or 'ko'); '' for no value.

    `vocabulary` picks the table when a value could belong to more than one; without it
    the tables are searched in the order of VOCABULARIES.
    """
    if value is None or value == "":
        return ""
    code = str(value)
    index = 1 if lang == "ko" else 0
    tables = [VOCABULARIES[vocabulary]] if vocabulary else list(VOCABULARIES.values())
    for table in tables:
        if code in table:
            return table[code][index]
    return _plain(code)


def labels(vocabulary: str, lang: str = "en") -> dict[str, str]:
    """Every value of one vocabulary with its label, in the vocabulary's order."""
    index = 1 if lang == "ko" else 0
    return {code: words[index] for code, words in VOCABULARIES[vocabulary].items()}
