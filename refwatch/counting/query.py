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
from refwatch.counting.filters import CountFilter
from refwatch.counting.status import STATUSES
from refwatch.domain.dates import parse_date
from refwatch.domain.enums import Flag, Sex, SourceType
from refwatch.domain.errors import DateError, InputError, define
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

# The wordings of a query's mistakes; each error names the field (`as_of`, `age_band`),
# which the CLI shows as its option and the web as its form label.
NOT_ONE_OF = define(
    "query.not_one_of", "takes one of %(allowed)s; got %(value)s", follows_field=True
)
BAD_BAND = define(
    "query.bad_age_band",
    "takes A-B or A+ (e.g. 0-17, 18-59, 60+), got %(value)s",
    follows_field=True,
)
BAND_REVERSED = define(
    "query.age_band_reversed", "%(value)s ends before it starts", follows_field=True
)
UNKNOWN_PLACE = define(
    "query.unknown_place",
    "the gazetteer knows no place %(value)s (try another spelling, a gazetteer id such as "
    "cn-yunnan, or add an alias)",
)
TO_BEFORE_FROM = define(
    "query.to_before_from", "%(end)s is before --from %(start)s", follows_field=True
)
BY_ONE_OR_TWO = define(
    "query.by_one_or_two",
    "takes one or two different dimensions (e.g. month and place)",
    follows_field=True,
)
BY_SOURCE_OR_TYPE = define(
    "query.by_source_or_type", "break down by source or by source type, not both"
)


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
        """The day statuses are read on, as a day number (`as_of` is that day's ISO text;
        a query that reads no status has none, and `status_day`'s rule gives today)."""
        return to_day(date.fromisoformat(self.as_of or status_day(None)))

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
            CountFilter.from_fields(data, data.get("flags") or ()), by=data.get("by") or ()
        )

    def period_text(self) -> str:
        if self.start <= NEG and self.end >= POS:
            return "at any time"
        if self.start <= NEG:
            return f"up to {from_day(self.end).isoformat()}"
        if self.end >= POS:
            return f"since {from_day(self.start).isoformat()}"
        return f"{from_day(self.start).isoformat()} to {from_day(self.end).isoformat()}"


def _date_text(value: str | date | None, field: str) -> str | None:
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
        raise InputError(code=exc.code, field=field, params=exc.params) from exc
    return text


def age_band_range(text: str) -> tuple[int, int]:
    if text in AGE_BANDS:
        return AGE_BANDS[text]
    match = _BAND.match(text.strip())
    if match is None:
        raise InputError(code=BAD_BAND, field="age_band", params={"value": repr(text)})
    low = int(match.group(1))
    high = 150 if match.group(3) else int(match.group(2))
    if high < low:
        raise InputError(code=BAND_REVERSED, field="age_band", params={"value": repr(text)})
    return low, high


def _choice(value: str | None, allowed: Sequence[str], field: str) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise InputError(
            code=NOT_ONE_OF,
            field=field,
            params={"allowed": ", ".join(allowed), "value": repr(value)},
        )
    return value


def resolve_place(text: str, gazetteer: Gazetteer | None = None) -> tuple[str, bool]:
    """A place name (any script) or id to (place id, is a facility); InputError if unknown."""
    gaz = gazetteer or load_gazetteer()
    if text in gaz:
        place = gaz.get(text)
    else:
        found = gaz.resolve(text)
        if found is None:
            raise InputError(code=UNKNOWN_PLACE, field="place", params={"value": repr(text)})
        place = found
    return place.id, place.kind == "facility"


def status_day(as_of: str | date | None, period_to: str | date | None = None) -> str:
    """The day a status is read on, one rule for every interface (count, fact sheet, public
    release, CLI, web, API): the day asked for (the last day an EDTF date allows); else the
    last day of the period asked about, unless that is still to come; else today. A status
    is a statement about a day, and a period that ended in 2017 is read as of its end, not as
    of the day someone happens to run the command."""
    asked = _date_text(as_of, "as_of")
    if asked is not None:
        return parse_date(asked).latest.isoformat()
    today = date.today()
    end_text = _date_text(period_to, "to")
    if end_text is not None:
        return min(parse_date(end_text).latest, today).isoformat()
    return today.isoformat()


def make_query(
    criteria: CountFilter | None = None,
    *,
    by: str | Sequence[str] | None = None,
    **filters: Any,
) -> CountQuery:
    """Check and resolve a query; every mistake is an InputError naming the field.

    `criteria` is what to count; keyword arguments are `CountFilter` fields, for a caller
    that sets one or two (`make_query(status="detained")`)."""
    asked = CountFilter.of(criteria, **filters)
    dims = _dimensions(by)
    event = _choice(asked.event, EVENTS, "event")
    from_text = _date_text(asked.period_from, "from")
    to_text = _date_text(asked.period_to, "to")
    start = parse_date(from_text).earliest if from_text else None
    end = parse_date(to_text).latest if to_text else None
    if start is not None and end is not None and end < start:
        raise InputError(
            code=TO_BEFORE_FROM, field="to", params={"end": to_text, "start": from_text}
        )
    if event is None and (from_text or to_text or asked.place or _PLACE_DIMENSIONS & set(dims)):
        event = "detention"
    place_id, is_facility = resolve_place(asked.place) if asked.place else (None, False)
    low, high = age_band_range(asked.age_band) if asked.age_band else (0, 150)
    flag_values = tuple(sorted(set(asked.flags)))
    for flag in flag_values:
        _choice(flag, [f.value for f in Flag], "flag")
    status = _choice(asked.status, STATUS_VALUES, "status")
    reads_status = status is not None or "status" in dims
    as_of_text = _date_text(asked.as_of, "as_of")
    return CountQuery(
        event=event,
        period_from=from_text,
        period_to=to_text,
        start=to_day(start) if start else NEG,
        end=to_day(end) if end else POS,
        place=asked.place,
        place_id=place_id,
        place_is_facility=is_facility,
        sex=_choice(asked.sex, [s.value for s in Sex], "sex"),
        age_band=asked.age_band,
        age_lo=low,
        age_hi=high,
        flags=flag_values,
        source=asked.source,
        source_type=_choice(asked.source_type, [t.value for t in SourceType], "source_type"),
        status=status,
        as_of=status_day(as_of_text, to_text) if as_of_text or reads_status else None,
        by=dims,
    )


def _dimensions(by: str | Sequence[str] | None) -> tuple[str, ...]:
    """The breakdown's dimensions, checked; a source breakdown first (it is computed per
    source, so it is the outer dimension)."""
    dims = (by,) if isinstance(by, str) else tuple(by or ())
    for dim in dims:
        _choice(dim, DIMENSIONS, "by")
    if len(set(dims)) != len(dims) or len(dims) > 2:
        raise InputError(code=BY_ONE_OR_TWO, field="by")
    if sum(d in ("source", "source_type") for d in dims) > 1:
        raise InputError(code=BY_SOURCE_OR_TYPE, field="by")
    return tuple(sorted(dims, key=lambda d: d not in ("source", "source_type")))
