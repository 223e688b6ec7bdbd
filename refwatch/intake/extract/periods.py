"""Dates and periods in English and Korean, as EDTF bounds.

"in July and August 2017" → 2017-07 … 2017-08; "early 2017" → 2017-01 … 2017-04 (early,
mid and late are thirds of the year: months 1–4, 5–8, 9–12); "since July 2016" → from
2016-07, open end; "2017년 7월과 8월" → 2017-07 … 2017-08; 지난해, "yesterday" and the
like are read against the document's date and left out when there is none. A month
without a year takes the year the text last named, else the document's year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from refwatch.domain.dates import parse_date
from refwatch.domain.errors import DateError

_MONTHS_EN = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_M = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_Y = r"(?:19[5-9]\d|20\d\d)"
_D = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_PART = {
    "early": (1, 4), "the beginning of": (1, 4), "the start of": (1, 4), "mid": (5, 8),
    "mid-": (5, 8), "the middle of": (5, 8), "late": (9, 12), "the end of": (9, 12),
    "first half of": (1, 6), "the first half of": (1, 6), "second half of": (7, 12),
    "the second half of": (7, 12), "spring": (3, 5), "summer": (6, 8), "autumn": (9, 11),
    "fall": (9, 11), "winter": (12, 14),
}  # fmt: skip
_PART_RE = (
    r"(?:the (?:beginning|start|middle|end|first half|second half) of|first half of|"
    r"second half of|early|mid-|mid|late|spring|summer|autumn|fall|winter)"
)

_EN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE if name != "month" else 0))
    for name, pattern in (
        (
            "between",
            rf"\b(?:between|from)\s+(?P<m1>{_M})(?:\s+(?P<y1>{_Y}))?\s+(?:and|to|until|till)\s+"
            rf"(?P<m2>{_M})\s+(?P<y2>{_Y})\b",
        ),
        (
            "two_months",
            rf"\b(?P<m1>{_M})\s*(?:and|or|to|-|–|—|/)\s*(?P<m2>{_M})(?:,?\s+(?P<y>{_Y}))?\b",
        ),
        ("day_month_year", rf"\b(?P<d>{_D})\s+(?P<m>{_M}),?\s+(?P<y>{_Y})\b"),
        ("month_day_year", rf"\b(?P<m>{_M})\s+(?P<d>{_D}),?\s+(?P<y>{_Y})\b"),
        ("part_year", rf"\b(?P<part>{_PART_RE})\s*(?:in\s+|of\s+)?(?P<y>{_Y})\b"),
        ("month_year", rf"\b(?P<m>{_M}),?\s+(?:of\s+)?(?P<y>{_Y})\b"),
        ("day_month", rf"\b(?P<d>{_D})\s+(?P<m>{_M})\b"),
        ("month_day", rf"\b(?P<m>{_M})\s+(?P<d>{_D})\b(?!\s*(?:people|persons|%|years?))"),
        ("year", rf"(?<![\w-])(?P<y>{_Y})\b(?![-\s]*(?:years?|yrs?)\b|%)"),
        ("month", rf"\b(?:[Ii]n|of|on|[Ss]ince|early|late|until|by)\s+(?P<m>{_M})\b"),
        (
            "relative",
            r"\b(?P<rel>yesterday|today|tonight|last night|this morning|this week|last week|"
            r"this month|last month|this year|last year)\b",
        ),
    )
)
_SINCE_EN = re.compile(r"\b(?:since|from|after|starting in|beginning in)\s+(?:the\s+)?$", re.I)

_KO_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            "two_months",
            r"(?:(?P<y>\d{4})년\s*)?(?P<m1>1[0-2]|0?[1-9])월\s*(?:과|와|이나|또는|혹은|~|-|–|부터)"
            r"\s*(?:(?P<y2>\d{4})년\s*)?(?P<m2>1[0-2]|0?[1-9])월(?:\s*까지)?",
        ),
        ("day", r"(?:(?P<y>\d{4})년\s*)?(?P<m>1[0-2]|0?[1-9])월\s*(?P<d>[12]\d|3[01]|0?[1-9])일"),
        (
            "month",
            r"(?:(?P<last>지난|올|작년|지난해)\s*)?(?:(?P<y>\d{4})년\s*)?(?P<m>1[0-2]|0?[1-9])월",
        ),
        (
            "part_year",
            r"(?:(?P<y>\d{4})년|(?P<rel>지난해|작년|올해|금년))\s*(?:의\s*)?"
            r"(?P<part>상반기|하반기|초반|초|중반|말|후반|봄|여름|가을|겨울)",
        ),
        ("year", r"(?P<y>\d{4})년(?!\s*생)"),
        (
            "relative",
            r"(?P<rel>그저께|그제|어제|오늘|어젯밤|지난주|지난 주|이번 주|이번주|지난달|지난 달|"
            r"이번 달|이달|지난해|작년|올해|금년)",
        ),
    )
)
_PART_KO = {
    "상반기": (1, 6), "하반기": (7, 12), "초": (1, 4), "초반": (1, 4), "중반": (5, 8),
    "말": (9, 12), "후반": (9, 12), "봄": (3, 5), "여름": (6, 8), "가을": (9, 11),
    "겨울": (12, 14),
}  # fmt: skip
_SINCE_KO = re.compile(r"^\s*(?:이후|이래|부터(?!\s*\S*\s*까지)|以来)")


@dataclass(frozen=True, slots=True)
class Period:
    """A period found in the text: EDTF bounds (`date_to` None when open) and its span."""

    date_from: str | None
    date_to: str | None
    start: int
    end: int
    since: bool = False


@dataclass(slots=True)
class DateContext:
    """What reading dates needs from outside the sentence: the document's date and the
    year the text last named."""

    reference: date | None
    year: int | None = None

    def year_for(self, month: int | None = None, *, past: bool = False) -> int | None:
        """The year of a month named without one. From the document's date, a month
        later than the document's (or, for 지난 "last", not earlier) is last year's:
        accounts tell what has happened."""
        if self.year is not None and not past:
            return self.year
        if self.reference is None:
            return self.year
        if month is not None and (
            month > self.reference.month or (past and month == self.reference.month)
        ):
            return self.reference.year - 1
        return self.reference.year


def _ym(year: int, month: int) -> str:
    if month > 12:
        year, month = year + 1, month - 12
    return f"{year:04d}-{month:02d}"


def _day(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_periods(text: str, start: int, end: int, context: DateContext) -> list[Period]:
    """The periods in text[start:end], in order, without overlaps (longest wins)."""
    piece = text[start:end]
    found: list[Period] = []
    hangul = any("\uac00" <= ch <= "\ud7a3" for ch in piece)
    latin = any(ch.isascii() and ch.isalpha() for ch in piece)
    candidates: list[tuple[int, int, str, re.Match[str], str]] = []
    if latin:
        for name, pattern in _EN_PATTERNS:
            for match in pattern.finditer(piece):
                first = match.start("m") if name == "month" else match.start()
                candidates.append((first, -match.end(), name, match, "en"))
    if hangul:
        for name, pattern in _KO_PATTERNS:
            for match in pattern.finditer(piece):
                candidates.append((match.start(), -match.end(), name, match, "ko"))
    candidates.sort(key=lambda c: (c[0], c[1]))
    taken_end = -1
    for begin, neg_end, name, match, lang in candidates:
        if begin < taken_end:
            continue
        period = (_english if lang == "en" else _korean)(name, match, context)
        if period is None or not _ordered(period):
            continue
        taken_end = -neg_end
        since = _is_since(piece, begin, -neg_end, lang)
        found.append(replace(period, start=start + begin, end=start - neg_end, since=since))
        if re.search(r"(?:19|20)\d\d", match.group(0)) and period.date_to:
            context.year = int(period.date_to[:4])
    return [replace(p, date_to=None) if p.since else p for p in found]


def _ordered(period: Period) -> bool:
    """A period that ends before it starts ("from December 2017 to January 2017") or names
    an impossible date is no period."""
    try:
        first = parse_date(period.date_from) if period.date_from else None
        last = parse_date(period.date_to) if period.date_to else None
    except DateError:
        return False
    return first is None or last is None or first.earliest <= last.latest


def _is_since(piece: str, begin: int, end: int, lang: str) -> bool:
    if lang == "en":
        return _SINCE_EN.search(piece[max(0, begin - 30) : begin]) is not None
    return _SINCE_KO.match(piece[end : end + 12]) is not None


def _month(value: str) -> int:
    return _MONTHS_EN[value.rstrip(".").lower()]


def _english(name: str, match: re.Match[str], ctx: DateContext) -> Period | None:
    groups = match.groupdict()
    if name == "between":
        y2 = int(groups["y2"])
        m1, m2 = _month(groups["m1"]), _month(groups["m2"])
        y1 = int(groups["y1"]) if groups["y1"] else (y2 if m1 <= m2 else y2 - 1)
        return Period(_ym(y1, m1), _ym(y2, m2), 0, 0)
    if name == "two_months":
        m1, m2 = _month(groups["m1"]), _month(groups["m2"])
        if not groups["y"] and match.group(0).lower().startswith("may"):
            return None  # "may or …" is a modal verb more often than a month
        year = int(groups["y"]) if groups["y"] else ctx.year_for(m1)
        if year is None or m2 < m1:
            return None
        return Period(_ym(year, m1), _ym(year, m2), 0, 0)
    if name in ("day_month_year", "month_day_year", "day_month", "month_day"):
        if (
            name in ("day_month", "month_day")
            and groups["m"].lower() == "may"
            and groups["m"] != "May"
        ):
            return None
        month = _month(groups["m"])
        year = int(groups["y"]) if groups.get("y") else ctx.year_for(month)
        if year is None:
            return None
        day = _day(year, month, int(re.sub(r"\D", "", groups["d"])))
        return Period(day, day, 0, 0) if day else None
    if name == "part_year":
        year = int(groups["y"])
        first, last = _PART[groups["part"].lower()]
        return Period(_ym(year, first), _ym(year, last), 0, 0)
    if name == "month_year":
        month = _month(groups["m"])
        text = _ym(int(groups["y"]), month)
        return Period(text, text, 0, 0)
    if name == "year":
        return Period(groups["y"], groups["y"], 0, 0)
    if name == "month":
        month = _month(groups["m"])
        year = ctx.year_for(month)
        if year is None:
            return None
        return Period(_ym(year, month), _ym(year, month), 0, 0)
    return _relative(groups["rel"].lower(), ctx)


def _korean(name: str, match: re.Match[str], ctx: DateContext) -> Period | None:
    groups = match.groupdict()
    year: int | None
    if name == "two_months":
        m1, m2 = int(groups["m1"]), int(groups["m2"])
        year = int(groups["y"]) if groups["y"] else ctx.year_for(m1)
        year2 = int(groups["y2"]) if groups["y2"] else year
        if year is None or year2 is None or (year2, m2) < (year, m1):
            return None
        return Period(_ym(year, m1), _ym(year2, m2), 0, 0)
    if name == "day":
        month = int(groups["m"])
        year = int(groups["y"]) if groups["y"] else ctx.year_for(month)
        if year is None:
            return None
        day = _day(year, month, int(groups["d"]))
        return Period(day, day, 0, 0) if day else None
    if name == "month":
        month = int(groups["m"])
        last = groups["last"]
        if groups["y"]:
            year = int(groups["y"])
        elif last in ("작년", "지난해"):
            year = ctx.reference.year - 1 if ctx.reference else None
        elif last == "올":
            year = ctx.reference.year if ctx.reference else None
        else:
            year = ctx.year_for(month, past=last == "지난")
        if year is None:
            return None
        return Period(_ym(year, month), _ym(year, month), 0, 0)
    if name == "part_year":
        if groups["y"]:
            year = int(groups["y"])
        elif ctx.reference is None:
            return None
        else:
            year = ctx.reference.year - (1 if groups["rel"] in ("지난해", "작년") else 0)
        first, last_month = _PART_KO[groups["part"]]
        return Period(_ym(year, first), _ym(year, last_month), 0, 0)
    if name == "year":
        return Period(groups["y"], groups["y"], 0, 0)
    return _relative(groups["rel"], ctx)


_REL_DAYS = {
    "yesterday": 1, "last night": 1, "today": 0, "tonight": 0, "this morning": 0,
    "어제": 1, "어젯밤": 1, "오늘": 0, "그제": 2, "그저께": 2,
}  # fmt: skip
_REL_WEEK = {"this week": 0, "last week": 1, "지난주": 1, "지난 주": 1, "이번 주": 0, "이번주": 0}
_REL_MONTH = {"this month": 0, "last month": 1, "지난달": 1, "지난 달": 1, "이번 달": 0, "이달": 0}
_REL_YEAR = {"this year": 0, "last year": 1, "지난해": 1, "작년": 1, "올해": 0, "금년": 0}


def _relative(word: str, ctx: DateContext) -> Period | None:
    ref = ctx.reference
    if ref is None:
        return None
    if word in _REL_DAYS:
        day = (ref - timedelta(days=_REL_DAYS[word])).isoformat()
        return Period(day, day, 0, 0)
    if word in _REL_WEEK:
        monday = ref - timedelta(days=ref.weekday() + 7 * _REL_WEEK[word])
        return Period(monday.isoformat(), (monday + timedelta(days=6)).isoformat(), 0, 0)
    if word in _REL_MONTH:
        index = ref.year * 12 + ref.month - 1 - _REL_MONTH[word]
        text = _ym(index // 12, index % 12 + 1)
        return Period(text, text, 0, 0)
    if word in _REL_YEAR:
        year = str(ref.year - _REL_YEAR[word])
        return Period(year, year, 0, 0)
    return None
