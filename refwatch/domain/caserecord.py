"""One validated row of a case list: a person as one source reported them.

This is the shape every importer (CSV, XLSX, JSON Lines, and later KoBo/Uwazi) produces
and every exporter writes back, so the formats round-trip through one type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from refwatch.domain.consent import ConsentLevel
from refwatch.domain.dates import DateInterval
from refwatch.domain.enums import Flag, Sex, SourceType, Status

# Column order of the case-list format (DOMAIN.md).
CASE_COLUMNS: tuple[str, ...] = (
    "source",
    "source_type",
    "reported_on",
    "record_id",
    "name_hangul",
    "name_latin",
    "sex",
    "birth_year",
    "age",
    "origin",
    "apprehended_on",
    "apprehended_at",
    "held_at",
    "status",
    "status_on",
    "group",
    "flags",
    "notes",
    "consent",
)
# Made once (json.dumps with options builds an encoder per call; this runs once per row).
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

REQUIRED_COLUMNS: frozenset[str] = frozenset({"source"})
# Columns whose values are never shown in an error message, a log or an unencrypted file.
PROTECTED_COLUMNS: frozenset[str] = frozenset({"name_hangul", "name_latin", "notes"})


@dataclass(frozen=True, slots=True)
class AgeRange:
    """Age at apprehension as reported: `46`, `46~` (about: ±2 years) or `40-45`."""

    text: str
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class CaseRecord:
    source: str
    source_type: SourceType | None
    reported_on: DateInterval | None
    record_id: str | None
    name_hangul: str | None
    name_latin: str | None
    sex: Sex | None
    birth_year: DateInterval | None
    age: AgeRange | None
    origin: str | None
    apprehended_on: DateInterval | None
    apprehended_at: str | None
    held_at: str | None
    status: Status | None
    status_on: DateInterval | None
    group: str | None
    flags: tuple[Flag, ...]
    notes: str | None
    # Optional column: what the person or family agreed to, as the source states it.
    consent: ConsentLevel | None = None

    def canonical(self) -> str:
        """A stable text of every field, for the keyed content fingerprint."""

        def edtf(interval: DateInterval | None) -> str | None:
            return None if interval is None else interval.edtf

        values = [
            self.source,
            self.source_type.value if self.source_type else None,
            edtf(self.reported_on),
            self.record_id,
            self.name_hangul,
            self.name_latin,
            self.sex.value if self.sex else None,
            edtf(self.birth_year),
            None if self.age is None else self.age.text,
            self.origin,
            edtf(self.apprehended_on),
            self.apprehended_at,
            self.held_at,
            self.status.value if self.status else None,
            edtf(self.status_on),
            self.group,
            [flag.value for flag in self.flags],
            self.notes,
        ]
        if self.consent is not None:
            # Only when given: a row without the column keeps the fingerprint it had before
            # the column existed, so re-importing an old list finds it unchanged.
            values.append(self.consent.value)
        return _COMPACT.encode(values)
