"""Read case-list files (CSV, XLSX, JSON Lines) into numbered rows of text cells.

Readers only decode and shape; validation is `refwatch.intake.validate`. Row numbers are
what a user sees in a spreadsheet: the header is row 1, the first record row 2; in JSON
Lines the row is the line number. Cells are NFC-normalised (Hangul typed on some systems
arrives decomposed) and stripped; an empty cell is None, meaning unknown.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path

from refwatch.domain.caserecord import CASE_COLUMNS, PROTECTED_COLUMNS, REQUIRED_COLUMNS
from refwatch.domain.errors import InputError, define
from refwatch.intake.registry import (
    NumberedRow,
    RawRow,
    ReadOptions,
    Source,
    Upload,
    find_reader,
    register_reader,
)

__all__ = [
    "NumberedRow",
    "RawRow",
    "Upload",
    "clean_cell",
    "decode_text",
    "detect_format",
    "map_header",
    "read_rows",
    "read_source_bytes",
]
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_CELL_CHARS = 20_000
XLSX_MAX_UNCOMPRESSED = 1024 * 1024 * 1024
FORMATS = ("csv", "xlsx", "jsonl")
# Let the csv module hand every cell over, however long, so that an over-long cell is
# refused by `clean_cell` with its row and column rather than as a malformed file.
csv.field_size_limit(MAX_FILE_BYTES)
# A byte that is not UTF-8 survives decoding as a lone surrogate (errors="surrogateescape"),
# so that the cell holding it can be named by row and column.
_UNDECODED = re.compile("[\udc80-\udcff]")
# Any other lone surrogate (JSON can spell one, "\ud800") is no text: it cannot be stored.
_SURROGATE = re.compile("[\ud800-\udfff]")
LONE_SURROGATE = "contains a lone surrogate (\\ud800-\\udfff), which is not text"
# A CSV file's refusals, by code (the web words them in the page's language).
EMPTY_FILE = define("form.empty_file", "the file is empty")
CELL_COUNT = define("form.cell_count", "has %(cells)s cells but the header has %(header)s")
BAD_CSV = define("form.bad_csv", "not a well-formed CSV file (%(detail)s)")
NOT_UTF8 = "not valid UTF-8 text; save the file as UTF-8 (CSV UTF-8 in spreadsheet programs)"


def detect_format(path: Path) -> str:
    """The name of the reader for `path` (see `refwatch.intake.registry.find_reader`)."""
    return find_reader(path).name


def clean_cell(value: object, file: str, row: int, column: str) -> str | None:
    """A cell as every reader keeps it: NFC text, stripped, None when empty; InputError
    (naming file, row and column, never a protected value) for what is not text."""
    if value is None or value == "":
        return None
    # The common cell (short ASCII text, no NUL) needs only a strip: one test per cell of
    # a 100,000-row import instead of every check below.
    if (
        type(value) is str
        and value.isascii()
        and len(value) <= MAX_CELL_CHARS
        and "\x00" not in value
    ):
        return value.strip() or None
    if type(value) is str:
        text = value
    elif isinstance(value, datetime):
        text = (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, bool):
        raise InputError("expected text, found true/false", file=file, row=row, column=column)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, int | float | str):
        text = str(value)
    else:
        raise InputError("expected text", file=file, row=row, column=column)
    if "\x00" in text:
        raise InputError("cell contains a NUL character", file=file, row=row, column=column)
    if not text.isascii():
        if _UNDECODED.search(text):
            raise _not_utf8(text, file, row, column)
        if _SURROGATE.search(text):
            raise InputError(f"cell {LONE_SURROGATE}", file=file, row=row, column=column)
        text = unicodedata.normalize("NFC", text)
    return stripped_cell(text, file, row, column)


def stripped_cell(text: str, file: str, row: int, column: str) -> str | None:
    """Checked text as a cell keeps it: stripped, None when empty; longer than
    MAX_CELL_CHARS is refused naming file, row and column (the Uwazi reader's cells too)."""
    text = text.strip()
    if len(text) > MAX_CELL_CHARS:
        raise InputError(
            f"cell is longer than {MAX_CELL_CHARS} characters", file=file, row=row, column=column
        )
    return text or None


def map_header(header: list[str], mapping: Mapping[str, str], file: str, row: int = 1) -> list[str]:
    """Apply `--map old=new` and check the header: known, unique, required present."""
    columns: list[str] = []
    for raw in header:
        if raw and _UNDECODED.search(raw):
            raise _not_utf8(raw, file, row, None)
        if raw and _SURROGATE.search(raw):
            raise InputError(f"a header cell {LONE_SURROGATE}", file=file, row=row)
        name = unicodedata.normalize("NFC", (raw or "").strip())
        name = mapping.get(name, name)
        if not name:
            raise InputError("a header cell is empty", file=file, row=row)
        if name not in CASE_COLUMNS:
            raise InputError(
                "unknown column; rename it, map it with --map NAME=COLUMN, or remove it",
                file=file,
                row=row,
                column=name,
            )
        if name in columns:
            raise InputError("column appears twice", file=file, row=row, column=name)
        columns.append(name)
    missing = REQUIRED_COLUMNS.difference(columns)
    if missing:
        listed = ", ".join(sorted(missing))
        raise InputError(f"required column missing: {listed}", file=file, row=row)
    return columns


def read_rows(
    path: Source,
    mapping: Mapping[str, str] | None = None,
    fmt: str | None = None,
    mapping_file: Path | None = None,
) -> Iterator[NumberedRow]:
    """The rows of a file in the case-list columns, read by the reader named `fmt` or
    else the one the registry finds for the file (its header, then its suffix)."""
    options = ReadOptions(columns=mapping or {}, mapping_file=mapping_file)
    return find_reader(path, fmt).read(path, options)


def read_source_bytes(path: Path | Upload) -> bytes:
    size = len(path.data) if isinstance(path, Upload) else path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"file is larger than {MAX_FILE_BYTES // 2**20} MiB", file=path.name)
    return path.data if isinstance(path, Upload) else path.read_bytes()


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte order mark is dropped). Bytes that are not UTF-8 are kept as lone
    surrogates; the reader meets them in a cell and `clean_cell` names that cell."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="surrogateescape")


def _not_utf8(text: str, file: str, row: int, column: str | None) -> InputError:
    """The error for a cell (or header cell) holding bytes that are not UTF-8.

    Outside the protected columns it shows the offending bytes in hex and the cell with
    each of them replaced by U+FFFD. In a name or notes column it shows nothing of the
    cell: the bytes are the name in another encoding, and error messages reach logs."""
    if column in PROTECTED_COLUMNS:
        return InputError(NOT_UTF8, file=file, row=row, column=column)
    raw = text.encode("utf-8", errors="surrogateescape")
    bad = " ".join(f"{ord(ch) - 0xDC00:02x}" for ch in _UNDECODED.findall(text))
    return InputError(
        f"{NOT_UTF8}; bytes {bad} are not UTF-8",
        file=file,
        row=row,
        column=column,
        value=_shortened(raw.decode("utf-8", errors="replace")),
    )


def _shortened(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def csv_delimiter(text: str) -> str:
    """`,` or `;`: the one the first line uses more (Uwazi and KoBoToolbox write either)."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def csv_records(text: str, file: str, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """A CSV file's header, then every record that is not blank, each with the line it ends
    on. Refused, naming the file (and the line): no header, a record whose cells are not as
    many as the header's, and what the csv module cannot parse."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise InputError(code=EMPTY_FILE, file=file)
        yield reader.line_num, header
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise InputError(
                    code=CELL_COUNT,
                    params={"cells": len(record), "header": len(header)},
                    file=file,
                    row=reader.line_num,
                )
            yield reader.line_num, record
    except csv.Error as exc:
        raise InputError(
            code=BAD_CSV, params={"detail": str(exc)}, file=file, row=reader.line_num
        ) from None


def _read_csv(path: Path | Upload, mapping: Mapping[str, str]) -> Iterator[NumberedRow]:
    file = path.name
    records = csv_records(decode_text(read_source_bytes(path)), file)
    _, header = next(records)
    columns = map_header(header, mapping, file)
    for number, record in records:
        yield NumberedRow(
            number,
            {
                col: clean_cell(cell, file, number, col)
                for col, cell in zip(columns, record, strict=True)
            },
        )


def _sheet_rows(rows: Iterable[tuple[object, ...]], file: str) -> Iterator[tuple[object, ...]]:
    """openpyxl unpacks and parses a sheet while it is read, so a damaged one fails mid-way
    with any of many errors (zlib, a bad CRC, XML, ValueError, TypeError): an InputError."""
    try:
        yield from rows
    except Exception:
        raise InputError(
            "not a readable XLSX file (its first sheet is damaged)", file=file
        ) from None


def _read_xlsx(path: Path | Upload, mapping: Mapping[str, str]) -> Iterator[NumberedRow]:
    from openpyxl import load_workbook  # imported here: loading openpyxl costs ~0.3 s

    file = path.name
    # Read once, opened from memory: openpyxl leaves a file it failed to load open.
    data = read_source_bytes(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise InputError("not a readable XLSX file", file=file) from None
    if total > XLSX_MAX_UNCOMPRESSED:
        raise InputError("the XLSX file unpacks to more than 1 GiB; refusing it", file=file)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken workbook
        raise InputError("not a readable XLSX file", file=file) from None
    try:
        if not workbook.worksheets:
            raise InputError("the workbook has no sheet", file=file)
        sheet = workbook.worksheets[0]
        rows = _sheet_rows(sheet.iter_rows(values_only=True), file)
        header_cells = next(rows, None)
        if header_cells is None:
            raise InputError("the first sheet is empty", file=file)
        header = [str(cell) if cell is not None else "" for cell in header_cells]
        while header and not header[-1]:
            header.pop()
        columns = map_header(header, mapping, file)
        for number, values in enumerate(rows, start=2):
            cells = list(values)
            if any(cell not in (None, "") for cell in cells[len(columns) :]):
                raise InputError("has a value beyond the last header column", file=file, row=number)
            cells = (cells + [None] * len(columns))[: len(columns)]
            if all(cell in (None, "") for cell in cells):
                continue
            yield NumberedRow(
                number,
                {
                    col: clean_cell(cell, file, number, col)
                    for col, cell in zip(columns, cells, strict=True)
                },
            )
    finally:
        workbook.close()


def _read_jsonl(path: Path | Upload, mapping: Mapping[str, str]) -> Iterator[NumberedRow]:
    file = path.name
    text = decode_text(read_source_bytes(path))
    # Lines end at \n (or \r\n) only: JSON strings may hold U+2028, U+0085, \x0c...
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):  # ValueError: also a 5000-digit number
            raise InputError("not a JSON object", file=file, row=number) from None
        if not isinstance(obj, dict):
            raise InputError("each line must be a JSON object", file=file, row=number)
        if not obj:
            continue
        columns = map_header(list(obj), mapping, file, row=number)
        cells: RawRow = {}
        for key, col in zip(obj, columns, strict=True):
            value = obj[key]
            if col == "flags" and isinstance(value, list):
                if not all(isinstance(item, str) for item in value):
                    raise InputError(
                        "flags must be a list of strings", file=file, row=number, column=col
                    )
                value = ";".join(value)
            cells[col] = clean_cell(value, file, number, col)
        yield NumberedRow(number, cells)


register_reader(
    "csv",
    lambda source, options: _read_csv(source, options.columns),
    suffixes=(".csv", ".txt"),
    summary="the case-list columns as CSV (UTF-8)",
)
register_reader(
    "xlsx",
    lambda source, options: _read_xlsx(source, options.columns),
    suffixes=(".xlsx",),
    summary="the case-list columns on the first sheet of a workbook",
)
register_reader(
    "jsonl",
    lambda source, options: _read_jsonl(source, options.columns),
    suffixes=(".jsonl", ".ndjson"),
    summary="JSON Lines: one object per line with the case-list keys",
)
