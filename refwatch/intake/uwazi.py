"""Uwazi CSV files in: an Uwazi export read through a mapping file, then imported.

Why: organisations that document on Uwazi (HURIDOCS' database) exchange entities as CSV.
An Uwazi CSV has one row per entity of a template, a header of property labels (Uwazi
matches a column to a property by its "safe name": lower case, every character other than
a-z and 0-9 turned into `_`), a `title` column, dates written in the instance's date format
(`YYYY-MM-DD` by default; a date range `from~to` in its exports, `from:to` in its imports),
geolocation as one cell `lat|lon` in a column named `<property>_geolocation`, select values
as thesaurus labels (`Parent::Child` in a grouped thesaurus), multiselect values separated
by `|`, and translated columns with a language suffix (`Title__en`). The mapping
(`uwazi_mapping`) says which column feeds which case-list field; the rows then go through
the importer like any case list. The way out is `uwazi_export`.

Errors name the file, the row (the header is row 1), the Uwazi column and the reason; a
column mapped to a name or notes never shows its value.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from refwatch.domain.caserecord import CASE_COLUMNS, PROTECTED_COLUMNS, CaseRecord
from refwatch.domain.errors import InputError
from refwatch.gazetteer.gazetteer import Gazetteer, load_gazetteer
from refwatch.gazetteer.model import Place
from refwatch.intake.gc_pause import gc_paused
from refwatch.intake.importer import FileSummary
from refwatch.intake.places import FACILITY_KINDS, POINT_KINDS
from refwatch.intake.readers import (
    MAX_FILE_BYTES,
    csv_delimiter,
    csv_records,
    decode_text,
    stripped_cell,
)
from refwatch.intake.records import import_records
from refwatch.intake.registry import (
    ExportJob,
    ImportJob,
    NumberedRow,
    ReadOptions,
    Source,
    Upload,
    register_export,
    register_reader,
)
from refwatch.intake.uwazi_export import write_persons_csv
from refwatch.intake.uwazi_mapping import (
    DATE_FORMATS,
    NOT_UTF8,
    ColumnSpec,
    UwaziMapping,
    label_key,
    load_mapping,
    safe_name,
)
from refwatch.intake.validate import RowValidator
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace

MULTI_SEPARATOR = "|"
# Uwazi writes a range `from~to` in its CSV export and reads `from:to` in its CSV import.
RANGE_SEPARATORS = ("~", ":")
_FALLBACK_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y %m %d", "%B %d, %Y", "%b %d, %Y")
_UNDECODED = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TIMESTAMP = re.compile(r"-?\d{6,12}")
_YEAR = re.compile(r"\d{4}")
_NUMBER = r"-?\d{1,3}(?:\.\d+)?"
_LATLON = re.compile(rf"\s*({_NUMBER})\s*\|\s*({_NUMBER})\s*")


# -- reading an Uwazi CSV ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UwaziRow:
    """One entity as case-list cells, with the Uwazi column behind each field."""

    number: int
    cells: dict[str, str | None]
    origin: dict[str, str]


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
    return stripped_cell(value, file, row, column)


def read_uwazi(
    name: str, data: bytes, mapping: UwaziMapping, gazetteer: Gazetteer | None = None
) -> Iterator[UwaziRow]:
    """The rows of an Uwazi CSV as case-list cells. The header is checked against the
    mapping before any row is read; each cell is converted by its column's type."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"file is larger than {MAX_FILE_BYTES // 2**20} MiB", file=name)
    text = decode_text(data)
    records = csv_records(text, name, delimiter=csv_delimiter(text))
    places = _Places(gazetteer)
    _, header = next(records)
    index = _header_index(name, header, mapping)
    template_at = index.get("template")
    for number, record in records:
        if mapping.template is not None and template_at is not None:
            found = (record[template_at] or "").strip()
            if found and label_key(found) != label_key(mapping.template):
                raise InputError(
                    f"the entity is of template {found!r}, the mapping is for "
                    f"{mapping.template!r}; export one template at a time",
                    file=name,
                    row=number,
                    column=header[template_at],
                )
        yield _convert(name, number, record, index, mapping, places)


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
    key = label_key(label)
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


def _import(job: ImportJob) -> FileSummary:
    # Its own import, so that a case-list error names the Uwazi column behind the field.
    mapping = _mapping_of(job.options)
    summary = import_uwazi(job.workspace, job.cipher, job.source, mapping, actor=job.actor)
    if job.progress is not None:
        job.progress(summary.rows, summary.rows)
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
    "uwazi-csv",
    _write,
    kinds=("persons",),
    summary="Uwazi CSV import file, one entity a person",
    names=True,
)
