"""Uwazi CSV files: read an export through a mapping file, write a persons import file.

Why: organisations that document on Uwazi (HURIDOCS' database) exchange entities as CSV.
An Uwazi CSV has one row per entity of a template, a header of property labels (Uwazi
matches a column to a property by its "safe name": lower case, every character other than
a-z and 0-9 turned into `_`), a `title` column, dates written in the instance's date format
(`YYYY-MM-DD` by default; a date range `from~to` in its exports, `from:to` in its imports),
geolocation as one cell `lat|lon` in a column named `<property>_geolocation`, select values
as thesaurus labels (`Parent::Child` in a grouped thesaurus), multiselect values separated
by `|`, and translated columns with a language suffix (`Title__en`). No two organisations
use the same template, so a mapping file says which column feeds which case-list field
(see docs/interop.md); the rows then go through the importer like any case list.

Errors name the file, the row (the header is row 1), the Uwazi column and the reason; a
column mapped to a name or notes never shows its value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import stat
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection

from refwatch.domain.caserecord import CASE_COLUMNS, PROTECTED_COLUMNS, CaseRecord
from refwatch.domain.consent import ConsentLevel
from refwatch.domain.dates import parse_date
from refwatch.domain.enums import Flag, Sex, SourceType, Status
from refwatch.domain.errors import InputError
from refwatch.domain.formulas import neutralise
from refwatch.gazetteer.gazetteer import Gazetteer, load_gazetteer
from refwatch.gazetteer.model import Place
from refwatch.intake.gc_pause import gc_paused
from refwatch.intake.huridocs import Profile, profiles
from refwatch.intake.importer import FileSummary
from refwatch.intake.places import FACILITY_KINDS, POINT_KINDS
from refwatch.intake.records import import_records
from refwatch.intake.registry import (
    ExportJob,
    NumberedRow,
    Progress,
    ReadOptions,
    Source,
    Upload,
    register_export,
    register_reader,
)
from refwatch.intake.validate import RowValidator
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace

MAX_MAPPING_BYTES = 256 * 1024
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_CELL_CHARS = 20_000
DEFAULT_MAX_KM = 25.0
MULTI_SEPARATOR = "|"
# Uwazi writes a range `from~to` in its CSV export and reads `from:to` in its CSV import.
RANGE_SEPARATORS = ("~", ":")
TYPES = ("text", "date", "geolocation", "select", "multiselect")
DATE_FIELDS = frozenset({"reported_on", "birth_year", "apprehended_on", "status_on"})
PLACE_FIELDS = frozenset({"apprehended_at", "held_at", "origin"})
# The case-list fields a column may feed; `source` and `source_type` come from the mapping.
TARGETS = frozenset(CASE_COLUMNS) - {"source", "source_type"}
# Uwazi's date format setting (moment.js tokens) → strptime.
DATE_FORMATS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "YYYY/MM/DD": "%Y/%m/%d",
    "YYYY MM DD": "%Y %m %d",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD-MM-YYYY": "%d-%m-%Y",
    "MM-DD-YYYY": "%m-%d-%Y",
    "DD.MM.YYYY": "%d.%m.%Y",
}
# What Uwazi's importer also accepts whatever the setting: the ISO forms and "LL".
_FALLBACK_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y %m %d", "%B %d, %Y", "%b %d, %Y")
_VOCABULARY: dict[str, frozenset[str]] = {
    "sex": frozenset(s.value for s in Sex),
    "status": frozenset(s.value for s in Status),
    "flags": frozenset(f.value for f in Flag),
    "consent": frozenset(c.value for c in ConsentLevel),
}
_MAPPING_KEYS = frozenset({"template", "source", "source_type", "date_format", "columns"})
_SPEC_KEYS = frozenset({"field", "type", "values", "max_km"})
_UNDECODED = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_TIMESTAMP = re.compile(r"-?\d{6,12}")
_YEAR = re.compile(r"\d{4}")
_NUMBER = r"-?\d{1,3}(?:\.\d+)?"
_LATLON = re.compile(rf"\s*({_NUMBER})\s*\|\s*({_NUMBER})\s*")
NOT_UTF8 = "not valid UTF-8 text; save the file as UTF-8"


def safe_name(label: str) -> str:
    """Uwazi's property name for a column label (its default, not the newer, naming)."""
    return re.sub(r"[^a-z0-9]", "_", label.strip(), flags=re.IGNORECASE).lower()


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One mapped column: the Uwazi column, the case-list field it feeds, how to read it."""

    column: str
    target: str
    type: str = "text"
    values: Mapping[str, str | None] = field(default_factory=dict)
    max_km: float = DEFAULT_MAX_KM


@dataclass(frozen=True, slots=True)
class UwaziMapping:
    """A checked mapping file (docs/interop.md describes its keys)."""

    name: str
    source: str
    source_type: str | None
    template: str | None
    date_format: str
    columns: tuple[ColumnSpec, ...]


# -- the mapping file ----------------------------------------------------------------------


def _mapping_error(name: str, message: str, key: str | None = None) -> InputError:
    return InputError(message, file=name, column=key)


def load_mapping(path: Path) -> UwaziMapping:
    """Read and check a mapping file (JSON or TOML) completely before any row is read.

    Only a small regular file is read: a directory, a device (`/dev/zero`), a pipe or a
    file over 256 KiB is refused, so a mistyped path cannot hang or exhaust an import.
    """
    name = path.name
    if path.suffix.lower() not in (".json", ".toml"):
        raise _mapping_error(name, "a mapping file must be .json or .toml")
    try:
        info = path.stat()
    except OSError:
        raise _mapping_error(name, "no such mapping file") from None
    if not stat.S_ISREG(info.st_mode):
        raise _mapping_error(name, "the mapping is not a regular file")
    if info.st_size > MAX_MAPPING_BYTES:
        raise _mapping_error(name, f"the mapping is larger than {MAX_MAPPING_BYTES // 1024} KiB")
    with open(path, "rb") as handle:
        data = handle.read(MAX_MAPPING_BYTES + 1)
    if len(data) > MAX_MAPPING_BYTES:
        raise _mapping_error(name, f"the mapping is larger than {MAX_MAPPING_BYTES // 1024} KiB")
    return parse_mapping(data, name=name, toml=path.suffix.lower() == ".toml")


def parse_mapping(data: bytes, *, name: str = "mapping.json", toml: bool = False) -> UwaziMapping:
    """Check a mapping's content: every key known, every field and value valid."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _mapping_error(name, f"the mapping is {NOT_UTF8}") from None
    try:
        raw: object = tomllib.loads(text) if toml else json.loads(text)
    except (ValueError, RecursionError) as exc:
        kind = "TOML" if toml else "JSON"
        reason = str(exc).splitlines()[0][:200] if toml else type(exc).__name__
        raise _mapping_error(name, f"the mapping is not valid {kind} ({reason})") from None
    if not isinstance(raw, dict):
        raise _mapping_error(name, "the mapping must be an object (a table)")
    unknown = sorted(set(raw) - _MAPPING_KEYS)
    if unknown:
        known = ", ".join(sorted(_MAPPING_KEYS))
        raise _mapping_error(name, f"unknown key in the mapping; use {known}", unknown[0])
    source = _text(raw.get("source"), name, "source", required=True)
    assert source is not None
    if len(source) > 200:
        raise _mapping_error(name, "longer than 200 characters", "source")
    source_type = _text(raw.get("source_type"), name, "source_type")
    if source_type is not None and source_type not in {s.value for s in SourceType}:
        allowed = ", ".join(s.value for s in SourceType)
        raise _mapping_error(name, f"must be one of {allowed}", "source_type")
    date_format = _text(raw.get("date_format"), name, "date_format") or "YYYY-MM-DD"
    if date_format not in DATE_FORMATS:
        allowed = ", ".join(DATE_FORMATS)
        raise _mapping_error(name, f"unknown date format; use one of {allowed}", "date_format")
    columns = raw.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise _mapping_error(name, "required: a table of columns (column = field)", "columns")
    specs = [_spec(name, str(column), spec) for column, spec in columns.items()]
    _check_targets(name, specs)
    return UwaziMapping(
        name=name,
        source=source,
        source_type=source_type,
        template=_text(raw.get("template"), name, "template"),
        date_format=date_format,
        columns=tuple(specs),
    )


def _text(value: object, name: str, key: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise _mapping_error(name, "required", key)
        return None
    if not isinstance(value, str) or _CONTROL.search(value) or _SURROGATE.search(value):
        raise _mapping_error(name, "must be text without control characters", key)
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise _mapping_error(name, "required", key)
    return text or None


def _spec(name: str, column: str, spec: object) -> ColumnSpec:
    key = f"columns.{column}"
    if not column.strip() or _CONTROL.search(column) or _SURROGATE.search(column):
        raise _mapping_error(name, "a column name must be text without control characters", key)
    column = unicodedata.normalize("NFC", column.strip())
    if isinstance(spec, str):
        spec = {"field": spec}
    if not isinstance(spec, dict):
        raise _mapping_error(name, "must be a field name or a table with `field`", key)
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        known = ", ".join(sorted(_SPEC_KEYS))
        raise _mapping_error(name, f"unknown key {unknown[0]!r}; use {known}", key)
    target = _text(spec.get("field"), name, key, required=True)
    assert target is not None
    if target not in TARGETS:
        allowed = ", ".join(c for c in CASE_COLUMNS if c in TARGETS)
        raise _mapping_error(name, f"unknown field {target!r}; use one of {allowed}", key)
    kind = _text(spec.get("type"), name, key) or "text"
    if kind not in TYPES:
        raise _mapping_error(name, f"unknown type {kind!r}; use one of {', '.join(TYPES)}", key)
    if kind == "date" and target not in DATE_FIELDS:
        raise _mapping_error(name, f"a date column cannot feed {target}", key)
    if kind == "geolocation" and target not in PLACE_FIELDS:
        raise _mapping_error(name, f"a geolocation column cannot feed {target}", key)
    if kind == "multiselect" and target != "flags":
        raise _mapping_error(name, "a multiselect column can feed flags only", key)
    values = _values(name, key, target, kind, spec.get("values"))
    max_km = spec.get("max_km", DEFAULT_MAX_KM)
    if (
        isinstance(max_km, bool)
        or not isinstance(max_km, int | float)
        or not math.isfinite(max_km)
        or not 0 < max_km <= 500
    ):
        raise _mapping_error(name, "max_km must be a number of kilometres, 0 to 500", key)
    return ColumnSpec(column, target, kind, values, float(max_km))


def _values(name: str, key: str, target: str, kind: str, values: object) -> dict[str, str | None]:
    if kind not in ("select", "multiselect"):
        if values is not None:
            raise _mapping_error(name, "`values` belongs to select and multiselect columns", key)
        return {}
    if not isinstance(values, dict) or not values:
        raise _mapping_error(name, "a select column needs `values` (label = value)", key)
    allowed = _VOCABULARY.get(target)
    out: dict[str, str | None] = {}
    for label, value in values.items():
        if value is not None and not isinstance(value, str):
            raise _mapping_error(name, f"the value for {label!r} must be text", key)
        if value is not None and allowed is not None and value not in allowed:
            known = ", ".join(sorted(allowed))
            raise _mapping_error(name, f"{value!r} (for {label!r}) is not one of {known}", key)
        out[_label_key(str(label))] = value
    return out


def _check_targets(name: str, specs: list[ColumnSpec]) -> None:
    seen: dict[str, str] = {}
    columns: set[str] = set()
    for spec in specs:
        if safe_name(spec.column) in columns:
            raise _mapping_error(name, "the mapping names this column twice", spec.column)
        columns.add(safe_name(spec.column))
        if spec.target == "flags":
            continue  # several columns may set flags
        if spec.target in seen:
            raise _mapping_error(
                name, f"{seen[spec.target]!r} already feeds {spec.target}", spec.column
            )
        seen[spec.target] = spec.column


def _label_key(label: str) -> str:
    """Uwazi compares thesaurus labels trimmed and case-insensitively."""
    return unicodedata.normalize("NFC", label).strip().casefold()


# -- reading an Uwazi CSV ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UwaziRow:
    """One entity as case-list cells, with the Uwazi column behind each field."""

    number: int
    cells: dict[str, str | None]
    origin: dict[str, str]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="surrogateescape")


def _delimiter(text: str) -> str:
    """Uwazi reads `,` or `;`: the one the header line uses more."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _clean(value: str, file: str, row: int, column: str, protected: bool) -> str | None:
    if "\x00" in value:
        raise InputError("cell contains a NUL character", file=file, row=row, column=column)
    if not value.isascii():
        if _UNDECODED.search(value):
            shown = None
            if not protected:
                raw = value.encode("utf-8", errors="surrogateescape")
                shown = raw.decode("utf-8", errors="replace")[:120]
            raise InputError(NOT_UTF8, file=file, row=row, column=column, value=shown)
        if _SURROGATE.search(value):
            raise InputError(
                "cell contains a lone surrogate, which is not text",
                file=file,
                row=row,
                column=column,
            )
        value = unicodedata.normalize("NFC", value)
    value = value.strip()
    if len(value) > MAX_CELL_CHARS:
        raise InputError(
            f"cell is longer than {MAX_CELL_CHARS} characters", file=file, row=row, column=column
        )
    return value or None


def read_uwazi(
    name: str, data: bytes, mapping: UwaziMapping, gazetteer: Gazetteer | None = None
) -> Iterator[UwaziRow]:
    """The rows of an Uwazi CSV as case-list cells. The header is checked against the
    mapping before any row is read; each cell is converted by its column's type."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"file is larger than {MAX_FILE_BYTES // 2**20} MiB", file=name)
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    places = _Places(gazetteer)
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("the file is empty", file=name)
        index = _header_index(name, header, mapping)
        template_at = index.get("template")
        for record in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise InputError(
                    f"has {len(record)} cells but the header has {len(header)}",
                    file=name,
                    row=number,
                )
            if mapping.template is not None and template_at is not None:
                found = (record[template_at] or "").strip()
                if found and _label_key(found) != _label_key(mapping.template):
                    raise InputError(
                        f"the entity is of template {found!r}, the mapping is for "
                        f"{mapping.template!r}; export one template at a time",
                        file=name,
                        row=number,
                        column=header[template_at],
                    )
            yield _convert(name, number, record, index, mapping, places)
    except csv.Error as exc:
        raise InputError(
            f"not a well-formed CSV file ({exc})", file=name, row=reader.line_num
        ) from None


def _header_index(name: str, header: list[str], mapping: UwaziMapping) -> dict[str, int]:
    """Safe name → position; every mapped column must be there (matched as Uwazi does)."""
    index: dict[str, int] = {}
    for position, raw in enumerate(header):
        if _UNDECODED.search(raw) or _SURROGATE.search(raw):
            raise InputError(f"a header cell is {NOT_UTF8}", file=name, row=1)
        key = safe_name(unicodedata.normalize("NFC", raw))
        if not key.strip("_"):
            continue  # an empty header cell: a trailing delimiter
        if key in index:
            raise InputError("column appears twice", file=name, row=1, column=raw.strip())
        index[key] = position
    missing = [s.column for s in mapping.columns if _key(s, index) is None]
    if missing:
        listed = ", ".join(repr(c) for c in missing)
        raise InputError(
            f"the mapping {mapping.name} names column(s) the file lacks: {listed}",
            file=name,
            row=1,
            column=missing[0],
        )
    return index


def _key(spec: ColumnSpec, index: Mapping[str, int]) -> str | None:
    """The header key of a mapped column. Uwazi names a geolocation property
    `<label>_geolocation`, so such a column is found under either name."""
    key = safe_name(spec.column)
    if key in index:
        return key
    if spec.type == "geolocation" and f"{key}_geolocation" in index:
        return f"{key}_geolocation"
    return None


def _convert(
    name: str,
    number: int,
    record: list[str],
    index: Mapping[str, int],
    mapping: UwaziMapping,
    places: _Places,
) -> UwaziRow:
    cells: dict[str, str | None] = {c: None for c in CASE_COLUMNS}
    cells["source"] = mapping.source
    cells["source_type"] = mapping.source_type
    origin: dict[str, str] = {}
    flags: list[str] = []
    for spec in mapping.columns:
        protected = spec.target in PROTECTED_COLUMNS
        key = _key(spec, index)
        assert key is not None  # checked with the header
        raw = _clean(record[index[key]], name, number, spec.column, protected)
        origin[spec.target] = (
            spec.column if spec.target not in origin else f"{origin[spec.target]}, {spec.column}"
        )
        if raw is None:
            continue
        where = _Where(name, number, spec.column, protected)
        if spec.type == "date":
            cells[spec.target] = _date(raw, mapping.date_format, where)
        elif spec.type == "geolocation":
            cells[spec.target] = places.nearest(raw, spec, where)
        elif spec.type in ("select", "multiselect"):
            labels = raw.split(MULTI_SEPARATOR) if spec.type == "multiselect" else [raw]
            chosen = [_select(label, spec, where) for label in labels if label.strip()]
            if spec.target == "flags":
                flags.extend(v for v in chosen if v is not None)
            else:
                cells[spec.target] = chosen[0] if chosen else None
        elif spec.target == "flags":
            flags.append(raw)
        else:
            cells[spec.target] = raw
    if flags:
        cells["flags"] = ";".join(dict.fromkeys(flags))
    return UwaziRow(number, cells, origin)


@dataclass(frozen=True, slots=True)
class _Where:
    file: str
    row: int
    column: str
    protected: bool

    def error(self, message: str, value: str | None) -> InputError:
        shown = None if self.protected else value
        return InputError(message, file=self.file, row=self.row, column=self.column, value=shown)


def _select(label: str, spec: ColumnSpec, where: _Where) -> str | None:
    key = _label_key(label)
    if key not in spec.values:
        known = ", ".join(sorted(repr(k) for k in spec.values))
        raise where.error(f"a label the mapping does not list; known: {known}", label.strip())
    return spec.values[key]


# -- dates ---------------------------------------------------------------------------------


def _date(raw: str, date_format: str, where: _Where) -> str:
    """An Uwazi date or range as EDTF: `2017-07-13`, `2017` or `2017-07-01/2017-08-31`."""
    if MULTI_SEPARATOR in raw:
        raise where.error("several dates in one cell; map a single date or a range", raw)
    separator = next((s for s in RANGE_SEPARATORS if s in raw), None)
    if separator is None:
        return _one_date(raw, date_format, where)
    start, _, end = raw.partition(separator)
    if not start.strip() or not end.strip():
        raise where.error(
            "a date range with an open end; RefWatch needs both ends of a claimed date", raw
        )
    low, high = _one_date(start, date_format, where), _one_date(end, date_format, where)
    if low == high:
        return low
    if high < low:
        raise where.error("the range ends before it begins", raw)
    return f"{low}/{high}"


def _one_date(raw: str, date_format: str, where: _Where) -> str:
    text = raw.strip()
    if _YEAR.fullmatch(text):
        return text
    if _TIMESTAMP.fullmatch(text):  # Uwazi's own value: seconds since 1970, UTC
        try:
            return datetime.fromtimestamp(int(text), tz=UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raise where.error("not a date", raw.strip()) from None
    for fmt in (DATE_FORMATS[date_format], *_FALLBACK_FORMATS):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise where.error(
        f"not a date in the format {date_format} (or YYYY-MM-DD, a year, a timestamp)",
        raw.strip(),
    )


# -- geolocation -----------------------------------------------------------------------------

_EARTH_RADIUS_KM = 6371.0088
# A point is nearest to a town, not to a province's or a country's centre.
_NEAREST_KINDS = frozenset({"county", "city", "prefecture"})


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class _Places:
    """Nearest gazetteer place to a point, among the places whose name reads back to them
    (so that the importer's look-up of the name finds the same place)."""

    def __init__(self, gazetteer: Gazetteer | None) -> None:
        self._gazetteer = gazetteer
        self._candidates: dict[str, list[Place]] = {}

    def _for(self, target: str) -> list[Place]:
        if target not in self._candidates:
            gazetteer = self._gazetteer or load_gazetteer()
            self._gazetteer = gazetteer
            facility = target == "held_at"
            kinds = FACILITY_KINDS if facility else _NEAREST_KINDS
            found = []
            for place in gazetteer:
                if place.kind not in kinds:
                    continue
                if facility:
                    back = gazetteer.resolve(place.name_latin, kinds=FACILITY_KINDS)
                elif target == "origin":
                    back = gazetteer.resolve_origin(place.name_latin)
                else:
                    back = gazetteer.resolve(place.name_latin, kinds=POINT_KINDS)
                if back is not None and back.id == place.id:
                    found.append(place)
            self._candidates[target] = found
        return self._candidates[target]

    def nearest(self, raw: str, spec: ColumnSpec, where: _Where) -> str:
        match = _LATLON.fullmatch(raw)
        if match is None:
            raise where.error("not a geolocation; Uwazi writes latitude|longitude", raw)
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise where.error("latitude or longitude out of range", raw)
        best: tuple[float, Place] | None = None
        for place in self._for(spec.target):
            distance = _km(lat, lon, place.lat, place.lon)
            if best is None or distance < best[0]:
                best = (distance, place)
        if best is None or best[0] > spec.max_km:
            raise where.error(
                f"no gazetteer place within {spec.max_km:g} km of this point; write the "
                "place's name, or raise max_km in the mapping",
                raw,
            )
        return best[1].name_latin


# -- validation and import ---------------------------------------------------------------


def validated(name: str, rows: Iterable[UwaziRow]) -> list[tuple[int, CaseRecord]]:
    """Each row as a `CaseRecord`; a case-list error is re-worded to name the Uwazi column
    (and the field it feeds), and a repeated record id is refused as the importer does."""
    validator = RowValidator(name)
    records: list[tuple[int, CaseRecord]] = []
    seen: dict[str, int] = {}
    for row in rows:
        try:
            record = validator.validate(row.number, row.cells)
        except InputError as exc:
            column = exc.column
            if column is not None and column in row.origin:
                column = f"{row.origin[column]} (→ {exc.column})"
            raise InputError(
                exc.reason, file=exc.file, row=exc.row, column=column, value=exc.value
            ) from None
        if record.record_id is not None:
            if record.record_id in seen:
                raise InputError(
                    f"the entity id repeats row {seen[record.record_id]}",
                    file=name,
                    row=row.number,
                    column=row.origin.get("record_id"),
                    value=record.record_id,
                )
            seen[record.record_id] = row.number
        records.append((row.number, record))
    return records


def read_records(
    name: str, data: bytes, mapping: UwaziMapping, gazetteer: Gazetteer | None = None
) -> list[tuple[int, CaseRecord]]:
    """A whole Uwazi CSV, read and validated; the first bad cell raises InputError."""
    return validated(name, read_uwazi(name, data, mapping, gazetteer))


def _file_bytes(path: Path) -> bytes:
    """The file's bytes; one over the size limit is refused before it is read."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"file is larger than {MAX_FILE_BYTES // 2**20} MiB", file=path.name)
    return path.read_bytes()


def import_uwazi(
    workspace: Workspace,
    cipher: FieldCipher,
    path: Path,
    mapping_path: Path,
    *,
    actor: str = "cli",
) -> FileSummary:
    """Import an Uwazi CSV through a mapping file, in one transaction, as `refwatch import`
    imports a case list (same validation, same new/updated/unchanged rules, same audit)."""
    mapping = load_mapping(mapping_path)
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    data = _file_bytes(path)
    with gc_paused():
        records = read_records(path.name, data, mapping)
        result = import_records(
            workspace,
            cipher,
            records,
            label=path.name,
            digest=hashlib.sha256(data).hexdigest(),
            actor=actor,
        )
    return result.summary


# -- writing an Uwazi CSV import file --------------------------------------------------------

STATUS_LABELS: dict[str, str] = {
    "detained": "Detained",
    "returned": "Returned",
    "released": "Released",
    "safe": "Safe",
    "died": "Died",
    "unknown": "Unknown",
    "held_in_dprk": "Held in North Korea",
    "disappeared": "Disappeared",
}
FLAG_LABELS: dict[str, str] = {
    "child": "Child",
    "older": "Older person",
    "pregnant": "Pregnant",
    "ill": "Ill",
    "born_in_detention": "Born in detention",
    "guide": "Guide",
}
SEX_LABELS = {"F": "Female", "M": "Male"}
# Column headers are property labels (Uwazi matches their safe names); a geolocation
# property's name ends in `_geolocation`, so that column is written by its name.
UWAZI_COLUMNS: tuple[str, ...] = (
    "Title",
    "RefWatch ID",
    "Name (Latin)",
    "Name (Hangul)",
    "Sex",
    "Birth year",
    "Age",
    "Origin",
    "Apprehended",
    "Apprehended at",
    "apprehension_location_geolocation",
    "Held at",
    "Status",
    "Status date",
    "Flags",
    "Group",
    "Sources",
)
_GEO_CELL = re.compile(rf"{_NUMBER}\|{_NUMBER}")


def export_mapping(source: str) -> dict[str, Any]:
    """The mapping that reads RefWatch's own Uwazi export back (the round trip)."""
    return {
        "template": "Person",
        "source": source,
        "date_format": "YYYY-MM-DD",
        "columns": {
            "RefWatch ID": "record_id",
            "Name (Latin)": "name_latin",
            "Name (Hangul)": "name_hangul",
            "Sex": {
                "field": "sex",
                "type": "select",
                "values": {v: k for k, v in SEX_LABELS.items()},
            },
            "Birth year": "birth_year",
            "Age": "age",
            "Origin": "origin",
            "Apprehended": {"field": "apprehended_on", "type": "date"},
            "Apprehended at": "apprehended_at",
            "Held at": "held_at",
            "Status": {
                "field": "status",
                "type": "select",
                "values": {v: k for k, v in STATUS_LABELS.items()},
            },
            "Status date": {"field": "status_on", "type": "date"},
            "Flags": {
                "field": "flags",
                "type": "multiselect",
                "values": {v: k for k, v in FLAG_LABELS.items()},
            },
            "Group": "group",
        },
    }


def _range(edtf: str | None) -> str | None:
    """An EDTF date as Uwazi's import reads a date range: `from:to` (days, YYYY-MM-DD)."""
    if not edtf:
        return None
    interval = parse_date(edtf)
    return f"{interval.earliest.isoformat()}:{interval.latest.isoformat()}"


def _span(person: Profile) -> str | None:
    """The apprehension as every source dates it: from the earliest to the latest day."""
    found = [parse_date(m["apprehended_on"]) for m in person.mentions if m.get("apprehended_on")]
    if not found:
        return None
    low = min(d.earliest for d in found)
    high = max(d.latest for d in found)
    return f"{low.isoformat()}:{high.isoformat()}"


def _uwazi_row(person: Profile, gazetteer: Gazetteer, named: bool) -> dict[str, str | None]:
    place = person.apprehended_place_id
    where = gazetteer.get(place) if place and place in gazetteer else None
    title = (person.name_latin or person.name_hangul) if named else None
    return {
        "Title": title or person.person_id,
        "RefWatch ID": person.person_id,
        "Name (Latin)": person.name_latin if named else None,
        "Name (Hangul)": person.name_hangul if named else None,
        "Sex": SEX_LABELS.get(person.sex or ""),
        "Birth year": person.birth_year,
        "Age": person.age,
        "Origin": person.origin,
        "Apprehended": _span(person),
        "Apprehended at": person.apprehended_at,
        "apprehension_location_geolocation": f"{where.lat}|{where.lon}" if where else None,
        "Held at": person.held_at,
        "Status": STATUS_LABELS.get(person.status or ""),
        "Status date": _range(person.status_on),
        "Flags": MULTI_SEPARATOR.join(FLAG_LABELS[f] for f in person.flags if f in FLAG_LABELS)
        or None,
        "Group": person.group,
        "Sources": "; ".join(person.sources),
    }


def write_persons_csv(
    conn: Connection,
    out: IO[str],
    *,
    cipher: FieldCipher | None = None,
    nameless: frozenset[str] = frozenset(),
) -> int:
    """Persons as an Uwazi CSV import file for a "Person" template (docs/interop.md lists
    its properties). The title is the person's name only with `cipher` and consent; else
    their pseudonymous id. Returns the number of persons."""
    gazetteer = load_gazetteer()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UWAZI_COLUMNS)
    count = 0
    for person in profiles(conn, cipher, nameless):
        named = cipher is not None and person.person_id not in nameless
        row = _uwazi_row(person, gazetteer, named)
        cells = [row[c] for c in UWAZI_COLUMNS]
        writer.writerow([_cell(cell) for cell in cells])
        count += 1
    return count


def _cell(cell: str | None) -> object:
    """A CSV cell with formulas defused; coordinates RefWatch wrote (numbers, not typed
    text) stay as they are, since a negative one must remain a number for Uwazi."""
    if cell is None:
        return ""
    return cell if _GEO_CELL.fullmatch(cell) else neutralise(cell)


# -- registration (refwatch.intake.registry) -------------------------------------------------


def _mapping_of(options: ReadOptions) -> Path:
    if options.columns:
        raise InputError("--map does not apply to Uwazi files: the mapping file names columns")
    if options.mapping_file is None:
        raise InputError("an Uwazi CSV is read through a mapping file: give --mapping FILE")
    return options.mapping_file


def _read(source: Source, options: ReadOptions) -> Iterator[NumberedRow]:
    mapping = load_mapping(_mapping_of(options))
    data = source.data if isinstance(source, Upload) else _file_bytes(Path(source))
    for row in read_uwazi(source.name, data, mapping):
        yield NumberedRow(row.number, row.cells)


def _import(
    workspace: Workspace,
    cipher: FieldCipher,
    source: Path,
    options: ReadOptions,
    *,
    actor: str,
    progress: Progress | None,
) -> FileSummary:
    # Its own import, so that a case-list error names the Uwazi column behind the field.
    summary = import_uwazi(workspace, cipher, source, _mapping_of(options), actor=actor)
    if progress is not None:
        progress(summary.rows, summary.rows)
    return summary


def _write(job: ExportJob) -> int:
    return write_persons_csv(job.conn, job.out, cipher=job.cipher, nameless=job.nameless)


register_reader(
    "uwazi",
    _read,
    summary="Uwazi CSV export, read through a mapping file (--mapping FILE)",
    import_file=_import,
)
register_export(
    "uwazi-csv", _write, kinds=("persons",), summary="Uwazi CSV import file, one entity a person"
)
