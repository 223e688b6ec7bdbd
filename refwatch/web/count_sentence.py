"""The count sentence in the page's language.

Why here and not in `refwatch.counting.describe`: the English sentence is the house
wording that the CLI, the ledger and the fact sheets quote, and it must not move with a
browser's language. A Korean page shows the same facts in Korean word order (period,
event, filters, then the bounds), built from the same query; the English sentence stays
available beside it for quoting.
"""

from __future__ import annotations

from refwatch.counting.days import NEG, POS, from_day
from refwatch.counting.describe import sentence
from refwatch.counting.query import CountQuery
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
FLAGS_KO = {
    "child": "아동",
    "older": "고령자",
    "pregnant": "임신부",
    "ill": "환자",
    "born_in_detention": "구금 중 출생",
    "guide": "안내인",
}
STATUSES_KO = {
    "detained": "구금 중",
    "returned": "송환됨",
    "released": "석방됨",
    "safe": "안전",
    "died": "사망",
    "unknown": "알 수 없음",
}


def _period_ko(query: CountQuery) -> str:
    start = None if query.start <= NEG else from_day(query.start).isoformat()
    end = None if query.end >= POS else from_day(query.end).isoformat()
    if start and end:
        return f"{start}부터 {end}까지"
    if start:
        return f"{start} 이후"
    if end:
        return f"{end}까지"
    return ""


def sentence_ko(query: CountQuery, at_least: int, at_most: int) -> str:
    """The count sentence in Korean, e.g.
    "2017-07-01부터 2017-08-31까지 체포된 인물: 최소 41명 (최대 45명)."
    """
    head: list[str] = []
    if query.event is not None:
        period = _period_ko(query)
        if period:
            head.append(period)
        head.append(EVENTS_KO[query.event])
    head.append("인물")
    filters: list[str] = []
    if query.place_id is not None:
        place = load_gazetteer().get(query.place_id)
        name = place.name_hangul or place.name_latin
        filters.append(f"{name}에 구금" if query.place_is_facility else f"장소 {name}")
    if query.sex is not None:
        filters.append("여성" if query.sex == "F" else "남성")
    if query.age_band is not None:
        filters.append(f"{query.age_band}세")
    if query.flags:
        filters.append(", ".join(FLAGS_KO[f] for f in query.flags))
    if query.source is not None:
        filters.append(f"{query.source}의 보고")
    if query.source_type is not None:
        filters.append(f"{query.source_type} 유형 출처의 보고")
    if query.status is not None:
        filters.append(f"{query.as_of} 기준 {STATUSES_KO.get(query.status, query.status)}")
    subject = " ".join(head) + (f" ({'; '.join(filters)})" if filters else "")
    return f"{subject}: 최소 {at_least:,}명 (최대 {at_most:,}명)."


def localized_sentence(lang: str, query: CountQuery, at_least: int, at_most: int) -> str:
    """The sentence for a page in `lang` (English is the house wording)."""
    if lang == "ko":
        return sentence_ko(query, at_least, at_most)
    return sentence(query, at_least, at_most)
