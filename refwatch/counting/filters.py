"""What to count: every filter of a count in one typed object, as the user gave it.

Why one object: the CLI's options, the counts form, the API's query parameters and the
fact sheets all ask the same question; they each build a `CountFilter` and hand it to
`count_persons` / `make_query` as it is, so a new filter is added here once and not
spelled out again in four places. Values are unresolved (an EDTF text, a place name);
`make_query` checks and resolves them, and an error names the field by its `FIELDS`
name (`from`, `as_of`), which the CLI shows as its option and the web as its label.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

FIELDS: dict[str, str] = {
    "event": "event",
    "period_from": "from",
    "period_to": "to",
    "place": "place",
    "sex": "sex",
    "age_band": "age_band",
    "source": "source",
    "source_type": "source_type",
    "status": "status",
    "as_of": "as_of",
}
"""Attribute → the field's name in forms, URLs and errors (the CLI adds `--`); the flags
are the repeatable field `flag`."""


@dataclass(frozen=True)
class CountFilter:
    """The filters of a count; None (or no flags) means "any"."""

    event: str | None = None
    period_from: str | date | None = None
    period_to: str | date | None = None
    place: str | None = None
    sex: str | None = None
    age_band: str | None = None
    flags: tuple[str, ...] = ()
    source: str | None = None
    source_type: str | None = None
    status: str | None = None
    as_of: str | date | None = None

    @classmethod
    def of(cls, base: CountFilter | None = None, **changes: Any) -> CountFilter:
        """`base` (or no filter) with some filters set by keyword (`status="detained"`);
        an unknown keyword is a TypeError, as for a function's arguments."""
        if "flags" in changes:
            changes["flags"] = tuple(changes["flags"] or ())
        return dataclasses.replace(base or cls(), **changes)

    @classmethod
    def from_fields(
        cls, fields: Mapping[str, str | None], flags: Iterable[str] = ()
    ) -> CountFilter:
        """From fields named as forms and URLs name them (`from`, `to`, `as_of`, …); an
        empty or blank value means "any"."""
        values: dict[str, Any] = {}
        for attribute, name in FIELDS.items():
            text = (fields.get(name) or "").strip()
            if text:
                values[attribute] = text
        return cls(**values, flags=tuple(f for f in flags if f))

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CountFilter:
        """From an interface's parsed parameters, named as the attributes but for the
        repeatable `flag`: a filter the interface does not offer is "any", and a parameter
        that is no filter (a breakdown, an output format) is not read."""
        values = {
            f.name: params[f.name]
            for f in dataclasses.fields(cls)
            if f.name != "flags" and f.name in params
        }
        return cls(**values, flags=tuple(params.get("flag") or ()))

    def keywords(self) -> dict[str, Any]:
        """The filters as keyword arguments (for `make_query`)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def field_items(self) -> list[tuple[str, str]]:
        """The filters that are set, as (field name, text) pairs: for links and forms."""
        pairs = [
            (name, value.isoformat() if isinstance(value, date) else value)
            for attribute, name in FIELDS.items()
            if (value := getattr(self, attribute)) is not None
        ]
        return pairs + [("flag", flag) for flag in self.flags]
