"""The count sentence in the page's language.

Why here and not in `refwatch.counting.describe`: the English sentence is the house
wording that the CLI, the ledger and the fact sheets quote, and it must not move with a
browser's language. A Korean page shows the same facts in Korean word order (period,
event, filters, then the bounds), built from the same query; the English sentence stays
available beside it for quoting.
"""

from __future__ import annotations

import math

from refwatch.counting.count import CountResult
from refwatch.counting.describe import period_phrase, sentence, width_text
from refwatch.counting.dimensions import UNKNOWN_CELL
from refwatch.counting.identity import Width
from refwatch.counting.query import CountQuery
from refwatch.counting.trends import Ratio, TrendResult
from refwatch.domain.labels import label
from refwatch.gazetteer import load_gazetteer

EVENTS_KO = {
    "apprehension": "체포된",
    "detention": "구금이 시작된",
    "return": "강제 송환된",
    "release": "석방된",
    "safety": "안전한 곳에 도달한",
    "death": "사망한",
    "birth": "구금 중 태어난",
}
"""The events a count asks about, as the words before "인물" (persons who were …); the
nouns of every other value (statuses, flags, sex, source types) come from the labels
table (`refwatch.domain.labels`), so the sentence and the form's choices say the same."""


def _event_ko(event: str) -> str:
    return EVENTS_KO.get(event) or f"{label(event, 'ko', 'event')} 기록이 있는"


def sentence_ko(query: CountQuery, at_least: int, at_most: int) -> str:
    """The count sentence in Korean, e.g.
    "2017-07-01부터 2017-08-31까지 체포된 인물: 최소 41명 (최대 45명)."
    """
    head: list[str] = []
    if query.event is not None:
        period = period_phrase(query, "ko")
        if period:
            head.append(period)
        head.append(_event_ko(query.event))
    head.append("인물")
    filters: list[str] = []
    if query.place_id is not None:
        place = load_gazetteer().get(query.place_id)
        name = place.name_hangul or place.name_latin
        filters.append(f"{name}에 구금" if query.place_is_facility else f"장소 {name}")
    if query.sex is not None:
        filters.append(label(query.sex, "ko", "sex"))
    if query.age_band is not None:
        filters.append(f"{query.age_band}세")
    if query.flags:
        filters.append(", ".join(label(f, "ko", "flag") for f in query.flags))
    if query.source is not None:
        filters.append(f"{query.source}의 보고")
    if query.source_type is not None:
        filters.append(f"{label(query.source_type, 'ko', 'source_type')} 유형 출처의 보고")
    if query.status is not None:
        filters.append(f"{query.as_of} 기준 {label(query.status, 'ko', 'status')}")
    subject = " ".join(head) + (f" ({'; '.join(filters)})" if filters else "")
    return f"{subject}: 최소 {at_least:,}명 (최대 {at_most:,}명)."


def width_text_ko(width: Width) -> str:
    """`describe.width_text` in Korean."""
    parts = []
    if width.facts:
        parts.append(f"날짜와 기타 사실에 따라 최대 {width.facts:,}명 더 있을 수 있음")
    if width.may_be_same:
        parts.append(
            f"{width.may_be_same:,}명은 다른 인물과 같은 사람일 수 있음 (모델이 가능하다고 본 연결)"
        )
    if width.may_be_several:
        parts.append(f"불확실한 연결이 다른 사람을 합쳤다면 최대 {width.may_be_several:,}명 더")
    return "; ".join(parts)


LABELLED_DIMENSIONS = ("sex", "flag", "status", "source_type", "event")
"""Breakdown dimensions whose cells are codes of a vocabulary of the labels table."""
PLACE_DIMENSIONS = ("place", "province", "facility")


def cell_text(dimension: str, value: str, lang: str) -> str:
    """A breakdown cell's label in the page's language: a vocabulary's code as its label
    ("F" as female / 여성), a place as the gazetteer's name in `lang`, the cell of persons
    whose value is not known in words; months, age bands and source names as they are."""
    if value == UNKNOWN_CELL:
        return f"({label('unknown', lang, 'status')})"
    if dimension in LABELLED_DIMENSIONS and value:
        return label(value, lang, dimension)
    if dimension in PLACE_DIMENSIONS:
        gazetteer = load_gazetteer()
        if value in gazetteer:
            place = gazetteer.get(value)
            return place.name_hangul if lang == "ko" and place.name_hangul else place.name_latin
    return value


def localized_width_text(lang: str, width: Width | None) -> str:
    """Where the width of the bounds comes from, in the page's language ("" if none)."""
    if width is None:
        return ""
    return width_text_ko(width) if lang == "ko" else width_text(width)


def localized_sentence(lang: str, query: CountQuery, at_least: int, at_most: int) -> str:
    """The sentence for a page in `lang` (English is the house wording)."""
    if lang == "ko":
        return sentence_ko(query, at_least, at_most)
    return sentence(query, at_least, at_most)


# -- the trend sentence ------------------------------------------------------------------


def _bounds_ko(result: CountResult) -> str:
    if result.at_least == result.at_most:
        return f"{result.at_least:,}명"
    return f"최소 {result.at_least:,}명 (최대 {result.at_most:,}명)"


def _span_ko(months: float) -> str:
    return f"{int(months)}개월" if float(months).is_integer() else f"{months:.1f}개월"


def _ratio_ko(value: Ratio) -> str:
    if value.low is None:
        return "정의되지 않음 — 이전 기간에 해당 인물 없음"
    high = value.high
    if high is None or math.isinf(high):
        return f"최소 {value.low:.1f}배, 상한 없음"
    if abs(high - value.low) < 0.05:
        return f"약 {value.low:.1f}배"
    return f"{value.low:.1f}배에서 {high:.1f}배 사이"


def trend_sentence_ko(found: TrendResult) -> str:
    """The trend sentence in Korean, the same facts as `TrendResult.sentence`, e.g.
    "2017-07-01부터 2017-08-31까지 2개월 동안 최소 41명 (최대 45명), 그 전 12개월 동안 51명:
    전년 대비 월 비율 약 4.8배; 직전 2개월 동안 12명 (직전 기간 대비 약 3.4배)."
    """
    span = _span_ko(found.months)
    return (
        f"{period_phrase(found.current.query, 'ko')} {span} 동안 {_bounds_ko(found.current)}, "
        f"그 전 12개월 동안 {_bounds_ko(found.year_before)}: "
        f"전년 대비 월 비율 {_ratio_ko(found.rate_versus_year)}; "
        f"직전 {span} 동안 {_bounds_ko(found.previous)} "
        f"(직전 기간 대비 {_ratio_ko(found.versus_previous)})."
    )


def localized_trend_sentence(lang: str, found: TrendResult) -> str:
    """The trend sentence for a page in `lang` (English: the engine's, capitalised)."""
    if lang == "ko":
        return trend_sentence_ko(found)
    told = found.sentence()
    return told[:1].upper() + told[1:]
