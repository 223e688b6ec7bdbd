"""What extraction proposes: claims, person mentions and context observations.

These are proposals, not evidence: a researcher reviews each one beside the sentence it
came from and accepts it (see docs/extraction.md). The JSON form is what `refwatch extract
--json` prints and what a researcher may edit by hand before accepting, so reading it back
(`Extraction.from_json`) is strict: every field is checked against the model's closed
vocabularies, and a bad value is reported with the file, the item (`claims[3]`) and the
field, never with the text of a sentence or a name (those are protected).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from refwatch.domain.dates import DateInterval, parse_date
from refwatch.domain.enums import EventType, Flag, ObservationKind, Sex, Status
from refwatch.domain.errors import DateError, InputError
from refwatch.gazetteer import Gazetteer, load_gazetteer

QUALIFIERS: Final[tuple[str, ...]] = ("exact", "at_least", "at_most", "about")
"""How a number is meant. "more than 40" is `at_least` 41 and "fewer than 10" `at_most` 9:
the number stored is always an inclusive bound, so a reader never needs the wording."""

LANGUAGES: Final[tuple[str, ...]] = ("en", "ko", "mixed", "unknown")
MAX_NUMBER: Final[int] = 10_000_000
"""Larger than any count of people a text about detentions could mean; a bigger number is
an error in the text (or an attack on the reader), never a claim."""
MAX_AGE: Final[int] = 120
UNITS: Final[tuple[str, ...]] = ("percent", "count")

_FLAGS = frozenset(f.value for f in Flag)
_EVENTS = frozenset(e.value for e in EventType)
_STATUSES = frozenset(s.value for s in Status)
_SEXES = frozenset(s.value for s in Sex)
_KINDS = frozenset(k.value for k in ObservationKind)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Proposal:
    """What every proposal carries: its period and the sentence it was found in.

    `date_from`/`date_to` are EDTF dates (`2017-07`, `2017-08`); the period runs from the
    start of `date_from` to the end of `date_to`; either may be None (unknown or open,
    as in "since July 2016"). `start`/`end` are character offsets of `text`, the
    sentence, in the input.
    """

    date_from: str | None
    date_to: str | None
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Claim(Proposal):
    """An aggregate figure a text states: "at least 41 detained in July and August 2017".
    `place` is a gazetteer id."""

    number: int
    qualifier: str
    event: str | None
    status: str | None
    flags: tuple[str, ...]
    sex: str | None
    place: str | None


@dataclass(frozen=True, slots=True)
class Mention(Proposal):
    """One person as the text describes them. Names are as written (Hangul and Latin
    separately); `origin` and `place` are gazetteer ids; `status`/`event` use the model's
    words. `text` is the sentence the person was found in."""

    names_hangul: tuple[str, ...]
    names_latin: tuple[str, ...]
    sex: str | None
    age: int | None
    origin: str | None
    place: str | None
    status: str | None
    flags: tuple[str, ...]
    event: str | None = None


@dataclass(frozen=True, slots=True)
class Observation(Proposal):
    """A context figure: a network's capacity down 80%, new checkpoints, groups stopped
    after tip-offs. `value` is a signed percent for `capacity_change` (-80.0 for "down
    80%"), a count for the others, or None when the text gives no figure."""

    kind: str
    value: float | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything proposed from one text, in the order found."""

    claims: tuple[Claim, ...]
    mentions: tuple[Mention, ...]
    observations: tuple[Observation, ...]
    language: str = "unknown"

    def to_json(self) -> dict[str, Any]:
        """The issue's JSON, plus `start`/`end` offsets and `language`."""
        return {
            "language": self.language,
            "claims": [_proposal_json(c, "claims") for c in self.claims],
            "mentions": [_proposal_json(m, "mentions") for m in self.mentions],
            "observations": [_proposal_json(o, "observations") for o in self.observations],
        }

    @classmethod
    def from_json(
        cls, data: object, *, file: str, gazetteer: Gazetteer | None = None
    ) -> Extraction:
        """Read a (possibly hand-edited) proposal file; InputError on the first bad field.

        Strict: unknown keys, wrong types, values outside the vocabularies, dates that are
        not EDTF or end before they start, and place ids the gazetteer does not know are
        all refused, so that nothing a typo made up can become evidence.
        """
        reader = _Reader(file, gazetteer or load_gazetteer())
        return reader.extraction(data)


PROPOSAL_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "claims": ("number", "qualifier", "event", "status", "flags", "sex", "place"),
    "mentions": (
        "names_hangul",
        "names_latin",
        "sex",
        "age",
        "origin",
        "event",
        "status",
        "flags",
        "place",
    ),
    "observations": ("kind", "value", "unit"),
}
"""The fields of each kind of proposal in the JSON, in the order written; every kind then
ends with its period and sentence (`SPAN_FIELDS`) and, when written, their offsets."""
SPAN_FIELDS: Final = ("from", "to", "text")


def _proposal_json(item: Proposal, kind: str) -> dict[str, Any]:
    """A proposal as the JSON holds it: its fields (tuples as lists), then its period and
    the sentence it was found in, with the sentence's offsets."""
    out = {}
    for name in PROPOSAL_FIELDS[kind]:
        value = getattr(item, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out | {
        "from": item.date_from,
        "to": item.date_to,
        "text": item.text,
        "start": item.start,
        "end": item.end,
    }


_CLAIM_KEYS: Final = frozenset((*PROPOSAL_FIELDS["claims"], *SPAN_FIELDS))
_MENTION_KEYS: Final = frozenset((*PROPOSAL_FIELDS["mentions"], *SPAN_FIELDS))
_OBSERVATION_KEYS: Final = frozenset((*PROPOSAL_FIELDS["observations"], *SPAN_FIELDS))
_OFFSETS: Final = frozenset({"start", "end"})
# Fields whose content is protected (sentences, names): an error names them, never quotes.
_PROTECTED: Final = frozenset({"text", "names_hangul", "names_latin"})
_MAX_NAMES: Final = 20
_MAX_TEXT: Final = 100_000


class _Reader:
    def __init__(self, file: str, gazetteer: Gazetteer) -> None:
        self.file = file
        self.gazetteer = gazetteer

    def fail(self, where: str, reason: str, value: object = None) -> InputError:
        field = where.rsplit(".", 1)[-1]
        shown = None
        if value is not None and field not in _PROTECTED:
            shown = str(value)[:80]
        return InputError(reason, file=self.file, column=where, value=shown)

    def extraction(self, data: object) -> Extraction:
        if not isinstance(data, Mapping):
            raise InputError("the proposals must be a JSON object", file=self.file)
        allowed = {"claims", "mentions", "observations", "language"}
        for key in data:
            if key not in allowed:
                raise self.fail(str(key), "unknown key (expected claims, mentions, observations)")
        language = data.get("language", "unknown")
        if language not in LANGUAGES:
            raise self.fail("language", f"must be one of {', '.join(LANGUAGES)}", language)
        return Extraction(
            claims=self.items(data, "claims", self.claim),
            mentions=self.items(data, "mentions", self.mention),
            observations=self.items(data, "observations", self.observation),
            language=str(language),
        )

    def items(
        self, data: Mapping[str, Any], key: str, read: Callable[[str, Mapping[str, Any]], _T]
    ) -> tuple[_T, ...]:
        if key not in data:
            raise self.fail(key, "missing (write [] if there are none)")
        values = data[key]
        if not isinstance(values, list):
            raise self.fail(key, "must be a list")
        out: list[_T] = []
        for i, item in enumerate(values):
            where = f"{key}[{i}]"
            if not isinstance(item, Mapping):
                raise self.fail(where, "must be an object")
            out.append(read(where, item))
        return tuple(out)

    def check_keys(self, where: str, item: Mapping[str, Any], required: frozenset[str]) -> None:
        for key in item:
            if key not in required and key not in _OFFSETS:
                raise self.fail(f"{where}.{key}", "unknown field")
        for key in sorted(required):
            if key not in item:
                raise self.fail(f"{where}.{key}", "missing field (use null for unknown)")

    def claim(self, where: str, item: Mapping[str, Any]) -> Claim:
        self.check_keys(where, item, _CLAIM_KEYS)
        qualifier = self.choice(where, item, "qualifier", frozenset(QUALIFIERS), required=True)
        assert qualifier is not None
        start, end = self.offsets(where, item)
        date_from, date_to = self.period(where, item)
        return Claim(
            number=self.integer(where, item, "number", 0, MAX_NUMBER, required=True) or 0,
            qualifier=qualifier,
            event=self.choice(where, item, "event", _EVENTS),
            status=self.choice(where, item, "status", _STATUSES),
            flags=self.flags(where, item),
            sex=self.choice(where, item, "sex", _SEXES),
            place=self.place(where, item, "place"),
            date_from=date_from,
            date_to=date_to,
            text=self.text(where, item),
            start=start,
            end=end,
        )

    def mention(self, where: str, item: Mapping[str, Any]) -> Mention:
        self.check_keys(where, item, _MENTION_KEYS)
        start, end = self.offsets(where, item)
        date_from, date_to = self.period(where, item)
        return Mention(
            names_hangul=self.names(where, item, "names_hangul"),
            names_latin=self.names(where, item, "names_latin"),
            sex=self.choice(where, item, "sex", _SEXES),
            age=self.integer(where, item, "age", 0, MAX_AGE),
            origin=self.place(where, item, "origin"),
            date_from=date_from,
            date_to=date_to,
            place=self.place(where, item, "place"),
            status=self.choice(where, item, "status", _STATUSES),
            flags=self.flags(where, item),
            text=self.text(where, item),
            start=start,
            end=end,
            event=self.choice(where, item, "event", _EVENTS),
        )

    def observation(self, where: str, item: Mapping[str, Any]) -> Observation:
        self.check_keys(where, item, _OBSERVATION_KEYS)
        kind = self.choice(where, item, "kind", _KINDS, required=True)
        assert kind is not None
        value = item["value"]
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(f"{where}.value", "must be a number or null", value)
            if not -1e9 < float(value) < 1e9:
                raise self.fail(f"{where}.value", "out of range", value)
            value = float(value)
        start, end = self.offsets(where, item)
        date_from, date_to = self.period(where, item)
        return Observation(
            kind=kind,
            value=value,
            unit=self.choice(where, item, "unit", frozenset(UNITS)),
            date_from=date_from,
            date_to=date_to,
            text=self.text(where, item),
            start=start,
            end=end,
        )

    def choice(
        self,
        where: str,
        item: Mapping[str, Any],
        key: str,
        allowed: frozenset[str],
        *,
        required: bool = False,
    ) -> str | None:
        value = item.get(key)
        if value is None:
            if required:
                raise self.fail(f"{where}.{key}", "required")
            return None
        if not isinstance(value, str) or value not in allowed:
            choices = ", ".join(sorted(allowed))
            raise self.fail(f"{where}.{key}", f"must be one of {choices}", value)
        return value

    def integer(
        self,
        where: str,
        item: Mapping[str, Any],
        key: str,
        low: int,
        high: int,
        *,
        required: bool = False,
    ) -> int | None:
        value = item.get(key)
        if value is None:
            if required:
                raise self.fail(f"{where}.{key}", "required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where}.{key}", "must be a whole number", value)
        if not low <= value <= high:
            raise self.fail(f"{where}.{key}", f"must be between {low} and {high}", value)
        return value

    def flags(self, where: str, item: Mapping[str, Any]) -> tuple[str, ...]:
        value = item["flags"]
        if not isinstance(value, list):
            raise self.fail(f"{where}.flags", "must be a list")
        for flag in value:
            if not isinstance(flag, str) or flag not in _FLAGS:
                raise self.fail(
                    f"{where}.flags", f"must hold only {', '.join(sorted(_FLAGS))}", flag
                )
        if len(set(value)) != len(value):
            raise self.fail(f"{where}.flags", "a flag is listed twice")
        return tuple(value)

    def names(self, where: str, item: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = item[key]
        if not isinstance(value, list) or len(value) > _MAX_NAMES:
            raise self.fail(f"{where}.{key}", f"must be a list of at most {_MAX_NAMES} names")
        for name in value:
            if not isinstance(name, str) or not name.strip() or len(name) > 200:
                raise self.fail(f"{where}.{key}", "each name must be non-empty text")
        return tuple(value)

    def place(self, where: str, item: Mapping[str, Any], key: str) -> str | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or value not in self.gazetteer:
            raise self.fail(f"{where}.{key}", "not a place id of the gazetteer", value)
        return value

    def period(self, where: str, item: Mapping[str, Any]) -> tuple[str | None, str | None]:
        bounds: list[str | None] = []
        intervals: list[DateInterval | None] = []
        for key in ("from", "to"):
            value = item.get(key)
            if value is None:
                bounds.append(None)
                intervals.append(None)
                continue
            if not isinstance(value, str) or len(value) > 64:
                raise self.fail(f"{where}.{key}", "must be an EDTF date or null", value)
            try:
                intervals.append(parse_date(value))
            except DateError as exc:
                raise self.fail(f"{where}.{key}", str(exc)) from None
            bounds.append(value)
        lo, hi = intervals
        if lo is not None and hi is not None and hi.latest < lo.earliest:
            raise self.fail(f"{where}.to", "the period ends before it starts", bounds[1])
        return bounds[0], bounds[1]

    def text(self, where: str, item: Mapping[str, Any]) -> str:
        value = item["text"]
        if not isinstance(value, str) or len(value) > _MAX_TEXT:
            raise self.fail(f"{where}.text", f"must be text of at most {_MAX_TEXT} characters")
        return value

    def offsets(self, where: str, item: Mapping[str, Any]) -> tuple[int, int]:
        start = item.get("start", 0)
        end = item.get("end", 0)
        for key, value in (("start", start), ("end", end)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise self.fail(f"{where}.{key}", "must be a whole number ≥ 0", value)
        if end < start:
            raise self.fail(f"{where}.end", "must not be before start", end)
        return int(start), int(end)
