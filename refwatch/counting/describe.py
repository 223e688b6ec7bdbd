"""Counts as sentences: "at least 41 (up to 45) persons whose detention began …".

Why: a number without its question is how numbers get misquoted. The CLI, the fact
sheets and the web pages print the bounds with the question spelled out, in one wording.
"""

from __future__ import annotations

from refwatch.counting.days import NEG, POS, from_day
from refwatch.counting.identity import Width
from refwatch.counting.query import CountQuery
from refwatch.gazetteer import load_gazetteer

EVENT_PHRASES = {
    "apprehension": "apprehended",
    "detention": "whose detention began",
    "return": "forcibly returned",
    "release": "released",
    "safety": "who reached safety",
    "death": "who died",
    "birth": "born in detention",
}
FLAG_PHRASES = {
    "child": "children",
    "older": "older persons",
    "pregnant": "pregnant women",
    "ill": "ill",
    "born_in_detention": "born in detention",
    "guide": "guides",
}
"""A flag as a plural noun phrase, for a sentence ("flagged children") and a fact sheet's
table row."""


def bounds_text(at_least: int, at_most: int) -> str:
    """The house wording, also when the bounds meet: "at least 41 (up to 45)". "At least"
    stays because a documented count never covers the persons no source reported."""
    return f"at least {at_least} (up to {at_most})"


PERIOD_WORDS = {
    "en": ("between {start} and {end}", "since {start}", "up to {end}"),
    "ko": ("{start}부터 {end}까지", "{start} 이후", "{end}까지"),
}
"""A period closed at both ends, open at its end, open at its start, in each language."""


def period_phrase(query: CountQuery, lang: str = "en") -> str:
    """The query's period in words ('' when it is open at both ends); English is the house
    wording, Korean the count sentence of a Korean page."""
    start = None if query.start <= NEG else from_day(query.start).isoformat()
    end = None if query.end >= POS else from_day(query.end).isoformat()
    both, since, up_to = PERIOD_WORDS[lang]
    if start and end:
        return both.format(start=start, end=end)
    if start:
        return since.format(start=start)
    if end:
        return up_to.format(end=end)
    return ""


def describe(query: CountQuery) -> str:
    """The persons a query counts, in words."""
    head = ["persons"]
    if query.event is not None:
        head.append(EVENT_PHRASES[query.event])
        period = period_phrase(query)
        if period:
            head.append(period)
    parts = [" ".join(head)]
    if query.place_id is not None:
        place = load_gazetteer().get(query.place_id)
        parts.append(("held in " if query.place_is_facility else "in ") + place.name_latin)
    if query.sex is not None:
        parts.append("female" if query.sex == "F" else "male")
    if query.age_band is not None:
        parts.append(f"aged {query.age_band}")
    if query.flags:
        parts.append("flagged " + " and ".join(FLAG_PHRASES[f] for f in query.flags))
    if query.source is not None:
        parts.append(f"as reported by {query.source}")
    if query.source_type is not None:
        parts.append(f"as reported by {query.source_type} sources")
    if query.status is not None:
        parts.append(f"{query.status} as of {query.as_of}")
    return ", ".join(parts)


def cell_label(dimension: str, value: str) -> str:
    """A cell's label for people: place names instead of gazetteer ids."""
    if dimension in ("place", "province", "facility"):
        gazetteer = load_gazetteer()
        if value in gazetteer:
            return gazetteer.get(value).name_latin
    return value


def width_text(width: Width) -> str:
    """Where the distance between the bounds comes from, in words ("" when they meet),
    e.g. "the dates and other facts allow up to 4 more; 2 of the persons may be the same
    as others"."""
    parts = []
    if width.facts:
        parts.append(f"the dates and other facts allow up to {width.facts} more")
    if width.may_be_same:
        parts.append(
            f"{width.may_be_same} of the persons may be the same as others "
            "(links the model found plausible)"
        )
    if width.may_be_several:
        parts.append(
            f"up to {width.may_be_several} more if uncertain links joined different people"
        )
    return "; ".join(parts)


def sentence(query: CountQuery, at_least: int, at_most: int) -> str:
    return f"{describe(query).capitalize()}: {bounds_text(at_least, at_most)}."
