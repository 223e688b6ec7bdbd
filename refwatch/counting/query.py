"""What a researcher asks: a count query, checked and resolved once, stored in the ledger.

Why: the CLI, the API and the fact sheets all say the same things in different shapes
(`--from 2017-07`, a form field, a date). A query resolves them once: EDTF periods to
days (`--from` takes the earliest day its date allows, `--to` the latest), a place name
to a gazetteer id, "as of" to an explicit date (today, if not given, so that the ledger
can recompute the same question tomorrow). `to_json` is the canonical form the ledger
stores; `from_json` reads it back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from refwatch.counting.days import NEG, POS, from_day, to_day
from refwatch.counting.status import STATUSES
from refwatch.domain.dates import parse_date
from refwatch.domain.enums import Flag, Sex, SourceType
from refwatch.domain.errors import DateError, InputError
from refwatch.gazetteer import Gazetteer, load_gazetteer

EVENTS = ("apprehension", "detention", "return", "release", "safety", "death", "birth")
DIMENSIONS = (
    "month",
    "place",
    "province",
    "facility",
    "sex",
    "age_band",
    "status",
    "flag",
    "source",
    "source_type",
)
STATUS_VALUES = STATUSES
AGE_BANDS: dict[str, tuple[int, int]] = {"0-17": (0, 17), "18-59": (18, 59), "60+": (60, 150)}
"""The default bands: they follow the child (< 18) and older (60+) flags."""
_BAND = re.compile(r"^(\d{1,3})(?:-(\d{1,3})|(\+))$")
_PLACE_DIMENSIONS = frozenset({"month", "place", "province", "facility"})


@dataclass(frozen=True)
class CountQuery:
    """A resolved query. `start`/`end` are days (NEG/POS when open); `event` is the event
    the period, place and month refer to (None: every known person, no period)."""

    event: str | None = None
    period_from: str | None = None
    period_to: str | None = None
    start: int = NEG
    end: int = POS
    place: str | None = None
    place_id: str | None = None
    place_is_facility: bool = False
    sex: str | None = None
    age_band: str | None = None
    age_lo: int = 0
    age_hi: int = 150
    flags: tuple[str, ...] = ()
    source: str | None = None
    source_type: str | None = None
    status: str | None = None
    as_of: str | None = None
    by: tuple[str, ...] = field(default_factory=tuple)

    @property
    def as_of_day(self) -> int:
        return to_day(date.fromisoformat(self.as_of)) if self.as_of else to_day(date.today())

    def to_json(self) -> dict[str, Any]:
        """The question as asked (resolved where resolution matters), for the ledger."""
        return {
            "event": self.event,
            "from": self.period_from,
            "to": self.period_to,
            "place": self.place,
            "sex": self.sex,
            "age_band": self.age_band,
            "flags": list(self.flags),
            "source": self.source,
            "source_type": self.source_type,
            "status": self.status,
            "as_of": self.as_of,
            "by": list(self.by),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CountQuery:
        return make_query(
            event=data.get("event"),
            period_from=data.get("from"),
            period_to=data.get("to"),
            place=data.get("place"),
            sex=data.get("sex"),
            age_band=data.get("age_band"),
            flags=data.get("flags") or (),
            source=data.get("source"),
            source_type=data.get("source_type"),
            status=data.get("status"),
            as_of=data.get("as_of"),
            by=data.get("by") or (),
        )

    def period_text(self) -> str:
        if self.start <= NEG and self.end >= POS:
            return "at any time"
        if self.start <= NEG:
            return f"up to {from_day(self.end).isoformat()}"
        if self.end >= POS:
            return f"since {from_day(self.start).isoformat()}"
        return f"{from_day(self.start).isoformat()} to {from_day(self.end).isoformat()}"


def _date_text(value: str | date | None, option: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    text = value.strip()
    if not text:
        return None
    try:
        parse_date(text)
    except DateError as exc:
        raise InputError(f"{option}: {exc}") from exc
    return text


def _band(text: str) -> tuple[int, int]:
    if text in AGE_BANDS:
        return AGE_BANDS[text]
    match = _BAND.match(text.strip())
    if match is None:
        raise InputError(f"--age-band takes A-B or A+ (e.g. 0-17, 18-59, 60+), got {text!r}")
    low = int(match.group(1))
    high = 150 if match.group(3) else int(match.group(2))
    if high < low:
        raise InputError(f"--age-band {text!r} ends before it starts")
    return low, high


def _choice(value: str | None, allowed: Sequence[str], option: str) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise InputError(f"{option} takes one of {', '.join(allowed)}; got {value!r}")
    return value


def resolve_place(text: str, gazetteer: Gazetteer | None = None) -> tuple[str, bool]:
    """A place name (any script) or id to (place id, is a facility); InputError if unknown."""
    gaz = gazetteer or load_gazetteer()
    if text in gaz:
        place = gaz.get(text)
    else:
        found = gaz.resolve(text)
        if found is None:
            raise InputError(
                f"--place: the gazetteer knows no place {text!r} (try another spelling, "
                "a gazetteer id such as cn-yunnan, or add an alias)"
            )
        place = found
    return place.id, place.kind == "facility"


def status_day(as_of: str | date | None, period_to: str | date | None = None) -> str:
    """The day a status is read on, one rule for every interface (count, fact sheet, public
    release, CLI, web, API): the day asked for (the last day an EDTF date allows); else the
    last day of the period asked about, unless that is still to come; else today. A status
    is a statement about a day, and a period that ended in 2017 is read as of its end, not as
    of the day someone happens to run the command."""
    asked = _date_text(as_of, "--as-of")
    if asked is not None:
        return parse_date(asked).latest.isoformat()
    today = date.today()
    end_text = _date_text(period_to, "--to")
    if end_text is not None:
        return min(parse_date(end_text).latest, today).isoformat()
    return today.isoformat()


def make_query(
    *,
    event: str | None = None,
    period_from: str | date | None = None,
    period_to: str | date | None = None,
    place: str | None = None,
    sex: str | None = None,
    age_band: str | None = None,
    flags: Sequence[str] = (),
    source: str | None = None,
    source_type: str | None = None,
    status: str | None = None,
    as_of: str | date | None = None,
    by: str | Sequence[str] | None = None,
) -> CountQuery:
    """Check and resolve a query; every mistake is an InputError naming the option."""
    event = _choice(event, EVENTS, "--event")
    dims = (by,) if isinstance(by, str) else tuple(by or ())
    for dim in dims:
        _choice(dim, DIMENSIONS, "--by")
    if len(set(dims)) != len(dims) or len(dims) > 2:
        raise InputError("--by takes one or two different dimensions (e.g. month and place)")
    if sum(d in ("source", "source_type") for d in dims) > 1:
        raise InputError("--by: break down by source or by source type, not both")
    # A source breakdown is computed per source, so it is the outer dimension.
    dims = tuple(sorted(dims, key=lambda d: d not in ("source", "source_type")))
    from_text = _date_text(period_from, "--from")
    to_text = _date_text(period_to, "--to")
    start = parse_date(from_text).earliest if from_text else None
    end = parse_date(to_text).latest if to_text else None
    if start is not None and end is not None and end < start:
        raise InputError(f"--to {to_text} is before --from {from_text}")
    if event is None and (from_text or to_text or place or _PLACE_DIMENSIONS & set(dims)):
        event = "detention"
    place_id, is_facility = resolve_place(place) if place else (None, False)
    sex = _choice(sex, [s.value for s in Sex], "--sex")
    low, high = _band(age_band) if age_band else (0, 150)
    flag_values = tuple(sorted(set(flags)))
    for flag in flag_values:
        _choice(flag, [f.value for f in Flag], "--flag")
    source_type = _choice(source_type, [t.value for t in SourceType], "--source-type")
    status = _choice(status, STATUS_VALUES, "--status")
    as_of_text = _date_text(as_of, "--as-of")
    as_of_day: str | None = None
    if as_of_text is not None:
        as_of_day = parse_date(as_of_text).latest.isoformat()
    elif status is not None or "status" in dims:
        as_of_day = status_day(None)
    return CountQuery(
        event=event,
        period_from=from_text,
        period_to=to_text,
        start=to_day(start) if start else NEG,
        end=to_day(end) if end else POS,
        place=place,
        place_id=place_id,
        place_is_facility=is_facility,
        sex=sex,
        age_band=age_band,
        age_lo=low,
        age_hi=high,
        flags=flag_values,
        source=source,
        source_type=source_type,
        status=status,
        as_of=as_of_day,
        by=dims,
    )
