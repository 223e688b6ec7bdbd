"""Turn a row of text cells into a `CaseRecord`, or an InputError that names the cell.

Error messages quote the offending value for structured columns (a date, a status), so a
user can find and fix it; for protected columns (names, notes) they name the cell only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from refwatch.domain.caserecord import PROTECTED_COLUMNS, AgeRange, CaseRecord
from refwatch.domain.consent import ConsentLevel, parse_level
from refwatch.domain.dates import DateInterval, parse_date
from refwatch.domain.enums import AFTER_RETURN, Flag, Sex, SourceType, Status
from refwatch.domain.errors import DateError, InputError
from refwatch.intake.readers import RawRow

E = TypeVar("E", bound=StrEnum)
_AGE = re.compile(r"^(\d{1,3})(~)?$|^(\d{1,3})\s*[-–]\s*(\d{1,3})$")
APPROXIMATE_AGE_SPREAD = 2
MAX_AGE = 120
MAX_TEXT = {
    "source": 200,
    "record_id": 200,
    "origin": 200,
    "apprehended_at": 200,
    "held_at": 200,
    "group": 200,
}


class RowValidator:
    """Validates the rows of one file; knows the file name for its error messages."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, row: int, column: str, message: str, value: str | None) -> InputError:
        shown = None if column in PROTECTED_COLUMNS else value
        return InputError(message, file=self.file, row=row, column=column, value=shown)

    def _date(self, row: int, cells: RawRow, column: str) -> DateInterval | None:
        value = cells.get(column)
        if value is None:
            return None
        try:
            return parse_date(value)
        except DateError as exc:
            raise self.error(
                row,
                column,
                f"not an EDTF date ({exc}); write e.g. 2017-07-13, 2017-07, 2017-07/2017-08 "
                "or 2017-07-15~",
                value,
            ) from None

    def _enum(self, row: int, cells: RawRow, column: str, kind: type[E]) -> E | None:
        value = cells.get(column)
        if value is None:
            return None
        lookup: Callable[[str], E] = kind
        try:
            return lookup(value if kind is Sex else value.lower())
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise self.error(row, column, f"must be one of {allowed}", value) from None

    def _flags(self, row: int, cells: RawRow) -> tuple[Flag, ...]:
        value = cells.get("flags")
        if value is None:
            return ()
        flags: list[Flag] = []
        for part in value.split(";"):
            token = part.strip().lower()
            if not token:
                continue
            try:
                flag = Flag(token)
            except ValueError:
                allowed = ", ".join(member.value for member in Flag)
                raise self.error(
                    row, "flags", f"unknown flag {token!r}; use {allowed}", value
                ) from None
            if flag not in flags:
                flags.append(flag)
        return tuple(sorted(flags, key=lambda f: f.value))

    def _consent(self, row: int, cells: RawRow) -> ConsentLevel | None:
        value = cells.get("consent")
        if value is None:
            return None
        try:
            return parse_level(value)
        except ValueError as exc:
            # A long value is junk, not a misspelt level: name the cell, not all of it.
            shown = value if len(value) <= 40 else None
            raise self.error(row, "consent", str(exc), shown) from None

    def _age(self, row: int, cells: RawRow) -> AgeRange | None:
        value = cells.get("age")
        if value is None:
            return None
        match = _AGE.match(value)
        if match is None:
            raise self.error(row, "age", "age must be a number, 46~ (about) or 40-45", value)
        if match.group(1) is not None:
            age = int(match.group(1))
            spread = APPROXIMATE_AGE_SPREAD if match.group(2) else 0
            low, high = max(0, age - spread), age + spread
        else:
            low, high = int(match.group(3)), int(match.group(4))
        if low > high or high > MAX_AGE:
            raise self.error(row, "age", f"age must lie between 0 and {MAX_AGE}", value)
        return AgeRange(value, low, high)

    def validate(self, row: int, cells: RawRow) -> CaseRecord:
        for column, limit in MAX_TEXT.items():
            value = cells.get(column)
            if value is not None and len(value) > limit:
                raise self.error(row, column, f"longer than {limit} characters", None)
        source = cells.get("source")
        if source is None:
            raise self.error(row, "source", "required: name the reporting source", None)
        sex = cells.get("sex")
        if sex is not None:
            cells = {**cells, "sex": sex.upper()}
        record = CaseRecord(
            source=source,
            source_type=self._enum(row, cells, "source_type", SourceType),
            reported_on=self._date(row, cells, "reported_on"),
            record_id=cells.get("record_id"),
            name_hangul=cells.get("name_hangul"),
            name_latin=cells.get("name_latin"),
            sex=self._enum(row, cells, "sex", Sex),
            birth_year=self._date(row, cells, "birth_year"),
            age=self._age(row, cells),
            origin=cells.get("origin"),
            apprehended_on=self._date(row, cells, "apprehended_on"),
            apprehended_at=cells.get("apprehended_at"),
            held_at=cells.get("held_at"),
            status=self._enum(row, cells, "status", Status),
            status_on=self._date(row, cells, "status_on"),
            group=cells.get("group"),
            flags=self._flags(row, cells),
            notes=cells.get("notes"),
            consent=self._consent(row, cells),
        )
        self._check_coherent(row, record)
        return record

    def _check_coherent(self, row: int, record: CaseRecord) -> None:
        if (
            record.apprehended_on is not None
            and record.status_on is not None
            and record.status in (Status.RETURNED, Status.RELEASED, Status.SAFE, *AFTER_RETURN)
            and record.status_on.latest < record.apprehended_on.earliest
        ):
            raise self.error(
                row,
                "status_on",
                f"the {record.status.value} date lies before the apprehension "
                f"({record.apprehended_on.edtf})",
                record.status_on.edtf,
            )
