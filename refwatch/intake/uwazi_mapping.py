"""Uwazi mapping files: which column of an Uwazi CSV feeds which case-list field.

Why: no two organisations use the same Uwazi template, so `refwatch import --format uwazi`
reads a file through a mapping (JSON or TOML; docs/interop.md describes its keys). The
mapping is checked completely, every key and value, before any row is read: a misspelt
key or a value outside a field's vocabulary is an error naming the key, never a guess.
"""

from __future__ import annotations

import json
import math
import re
import stat
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.domain.consent import ConsentLevel
from refwatch.domain.enums import Flag, Sex, SourceType, Status
from refwatch.domain.errors import InputError

MAX_MAPPING_BYTES = 256 * 1024
DEFAULT_MAX_KM = 25.0
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
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
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
    # Uwazi's settings also write the format as `dd/MM/yyyy` (its exporter upper-cases
    # `dd` and `yyyy` before use); the month is `MM` either way.
    date_format = (_text(raw.get("date_format"), name, "date_format") or "YYYY-MM-DD").upper()
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
        out[label_key(str(label))] = value
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


def label_key(label: str) -> str:
    """Uwazi compares thesaurus labels trimmed and case-insensitively."""
    return unicodedata.normalize("NFC", label).strip().casefold()
