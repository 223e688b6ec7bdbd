"""Context observations: capacity changes in percent, tip-offs, border security.

One observation per kind per sentence. A capacity change is signed ("down 80%" → −80);
a tip-off's value is the number of groups stopped; border security's the number of new
checkpoints when the sentence gives one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from refwatch.domain.enums import ObservationKind
from refwatch.intake.extract.numbers import Number, find_numbers
from refwatch.intake.extract.periods import Period

_CAPACITY = re.compile(r"\bcapacit(?:y|ies)\b|역량|능력|수용\s?(?:능력|인원)|활동력", re.I)
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s?(?:%|percent\b|per\s?cent\b|퍼센트|프로)", re.I)
_HALF = re.compile(r"\bby\s+(?:a\s+)?half\b|\bhalved\b|절반", re.I)
_DOWN = re.compile(
    r"\b(?:down|fell|fallen|falls?|drop(?:ped|s)?|decreas\w*|reduc\w*|cut|lost|loss|declin\w*"
    r"|shr[au]nk|lower(?:ed)?)\b|감소|줄었|줄어|줄|하락|떨어|축소|낮아",
    re.I,
)
_UP = re.compile(
    r"\b(?:up|raised|rais\w*|increas\w*|rose|risen|grew|grown|expand\w*|higher)\b|증가|늘었|늘어|확대|상승|높아",
    re.I,
)
_TIP_OFF = re.compile(
    r"\btip-?offs?\b|\btipped\s+off\b|\binformants?\b|\bdenounc\w*|밀고|제보(?!자)|신고(?!자)", re.I
)
_GROUPS = re.compile(r"^\s?(?:(?:[a-z]+\s+){0,2}groups?\b|그룹|팀|일행|무리)", re.I)
_SECURITY = re.compile(
    r"\bcheck-?points?\b|\bfences?\b|\bfencing\b|\bCCTV\b|\bcameras?\b|\bguards?\b|\bpatrols?\b"
    r"|\bborder\s+security\b|검문소|철조망|감시\s?카메라|경비|초소|순찰|울타리",
    re.I,
)
_MORE = re.compile(
    r"\b(?:new|more|additional|extra|install\w*|tighten\w*|doubl\w*|increas\w*|reinforc\w*"
    r"|stepped\s+up|added|built|erected)\b|추가|늘었|늘어|늘|설치|강화|증가|증설|새로",
    re.I,
)
_CHECKPOINTS_AFTER = re.compile(
    r"^\s?(?:(?:new|more|additional|extra)\s+)*check-?points?\b|^\s?곳", re.I
)
_CHECKPOINTS_BEFORE = re.compile(r"검문소\s?$")


@dataclass(frozen=True, slots=True)
class Found:
    kind: str
    value: float | None
    unit: str | None
    start: int
    end: int


def find_observations(text: str, start: int, end: int) -> list[Found]:
    piece = text[start:end]
    out: list[Found] = []
    capacity = _CAPACITY.search(piece)
    percent = _PERCENT.search(piece) or _HALF.search(piece)
    if capacity is not None and percent is not None:
        value = 50.0 if percent.re is _HALF else float(percent.group(1))
        after = piece[percent.end() : percent.end() + 30]
        before = piece[max(0, percent.start() - 40) : percent.start()]
        down, up = _DOWN.search(before + " " + after), _UP.search(before + " " + after)
        if down is not None and (up is None or up.start() > down.start()):
            value = -value
        out.append(
            Found(
                ObservationKind.CAPACITY_CHANGE.value,
                value,
                "percent",
                start + capacity.start(),
                start + capacity.end(),
            )
        )
    tip = _TIP_OFF.search(piece)
    if tip is not None:
        groups = next(
            (float(n.value) for n in find_numbers(piece) if _GROUPS.match(piece[n.end :])), None
        )
        out.append(_counted(ObservationKind.TIP_OFF, groups, tip, start))
    security = _SECURITY.search(piece)
    if security is not None and _MORE.search(piece):
        checkpoints = next(
            (float(n.value) for n in find_numbers(piece) if _counts_checkpoints(piece, n)), None
        )
        out.append(_counted(ObservationKind.BORDER_SECURITY, checkpoints, security, start))
    return out


def _counted(kind: ObservationKind, count: float | None, key: re.Match[str], start: int) -> Found:
    """An observation at its key word, with the count the sentence gives (None: none)."""
    return Found(
        kind.value,
        count,
        "count" if count is not None else None,
        start + key.start(),
        start + key.end(),
    )


def _counts_checkpoints(piece: str, number: Number) -> bool:
    """Whether `number` counts checkpoints: "3 new checkpoints", "검문소 3곳" (a bare "3곳"
    only after the word for checkpoint)."""
    after = piece[number.end :]
    return bool(_CHECKPOINTS_AFTER.match(after)) and (
        not after.lstrip().startswith("곳")
        or bool(_CHECKPOINTS_BEFORE.search(piece[: number.start]))
    )


def period_for(periods: list[Period], found: Found) -> Period | None:
    """The period nearest the observation's key word."""
    best: tuple[int, Period] | None = None
    for period in periods:
        distance = abs(period.start - found.start)
        if best is None or distance < best[0]:
            best = (distance, period)
    return best[1] if best else None
