"""The file formats RefWatch reads and writes, by name: one registry instead of `if fmt ==`.

Why: case lists arrive as CSV, XLSX and JSON Lines, but also as other tools' exports
(KoBoToolbox and ODK Central submissions, Uwazi), and evidence leaves in several shapes.
Each format lives in its own module and registers itself here; `refwatch import`,
`refwatch export`, the web upload and the docs ask the registry, never a chain of ifs.

The public face (do not rename; other modules register through it):

- `register_reader(name, read, *, suffixes=(), detect=None, summary="", import_file=None)`
  adds a reader. `read(source, options)` yields `NumberedRow`s in the case-list columns
  (row numbers are what the user sees: spreadsheet rows or file lines) and raises
  `InputError` naming file, row and column. `suffixes` (".csv") are the file endings it
  reads when nothing more specific claims the file; `detect(source)` says whether a
  file is surely this format (by its header, say) and must return False, not raise, on a
  file it cannot read. `import_file`, when given, replaces the generic import for this
  format (see `ImportJob`): a format whose files carry more than rows (report texts,
  attachments) writes them in the same transaction.
- `register_export(name, write, *, kinds, summary="", binary=False, names=False)` adds an
  export format: `write(job)` writes `job.rows` (already filtered by consent, in
  `job.columns`) of `job.kind` to `job.out` and returns how many rows (or records) it
  wrote. `names=True` declares that the format writes names when `job.cipher` is given,
  never for the persons in `job.nameless`: only then does `refwatch export` accept
  `--include-names` for it (after the consent check and the audit entry, as for mentions).
- `reader(name)`, `find_reader(source, name=None)`, `export_format(name)` look formats up;
  an unknown name is an `InputError` listing the known ones. `readers()` and
  `export_formats()` list them in registration order.

Formats register when their module is imported. The modules are listed in `PLUGINS` and
imported on the first look-up (here, not by the registry's import, so that a format
module may import the registry without a circle): a new format adds its module there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from sqlalchemy import Connection

from refwatch.domain.errors import InputError
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace

PLUGINS: tuple[str, ...] = (
    "refwatch.intake.odk",
    "refwatch.intake.readers",
    "refwatch.intake.export",
    "refwatch.intake.uwazi",
    "refwatch.intake.huridocs",
)
"""Modules that register formats, in order: a reader with `detect` registered earlier is
asked first, so specific formats (a KoBo export is also a CSV file) come before generic."""

RawRow = dict[str, str | None]


@dataclass(frozen=True, slots=True)
class NumberedRow:
    """One record in the case-list columns, with the row (or line) it came from."""

    number: int
    cells: RawRow


@dataclass(frozen=True, slots=True)
class Upload:
    """A file received in memory (a web upload), read without ever writing it to disk:
    case lists carry names, and a temporary file would leave them in plaintext."""

    name: str
    data: bytes


Source = Path | Upload


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What the user said about a file: `columns` renames columns (`--map OLD=NEW`);
    `mapping_file` is a mapping for formats that need one (`--mapping FILE`)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    mapping_file: Path | None = None


Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportJob:
    """One file's import, as a format's `import_file` receives it: `source` read with the
    user's `options`, written by `actor` in one transaction, `progress` told of the rows."""

    workspace: Workspace
    cipher: FieldCipher
    source: Path
    options: ReadOptions
    actor: str
    progress: Progress | None


FileImport = Callable[[ImportJob], object]
"""A format's own import of one file, in one transaction; returns the importer's
`FileSummary` (typed `object` here so that the registry does not import the importer,
which imports the registry)."""


@dataclass(frozen=True, slots=True)
class Reader:
    name: str
    read: Callable[[Source, ReadOptions], Iterator[NumberedRow]]
    suffixes: tuple[str, ...] = ()
    detect: Callable[[Source], bool] | None = None
    summary: str = ""
    import_file: FileImport | None = None


@dataclass(frozen=True, slots=True)
class ExportJob:
    """One export, as a format's `write` receives it. `rows` are the rows of `kind` in
    `columns` (names only when `cipher` is given, never for the persons in `nameless`);
    `conn` is open for reading, for formats that need more than the rows."""

    kind: str
    columns: tuple[str, ...]
    rows: Iterator[dict[str, Any]]
    out: IO[Any]
    conn: Connection
    cipher: FieldCipher | None = None
    nameless: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ExportFormat:
    name: str
    write: Callable[[ExportJob], int]
    kinds: tuple[str, ...]
    summary: str = ""
    binary: bool = False
    names: bool = False


_Entry = TypeVar("_Entry", Reader, ExportFormat)
_readers: dict[str, Reader] = {}
_exports: dict[str, ExportFormat] = {}
_loaded = False


def register_reader(
    name: str,
    read: Callable[[Source, ReadOptions], Iterator[NumberedRow]],
    *,
    suffixes: tuple[str, ...] = (),
    detect: Callable[[Source], bool] | None = None,
    summary: str = "",
    import_file: FileImport | None = None,
) -> Reader:
    """Add a reader (see the module doc); registering a name twice is a programming error."""
    if name in _readers:
        raise ValueError(f"a reader named {name!r} is already registered")
    entry = Reader(name, read, tuple(s.lower() for s in suffixes), detect, summary, import_file)
    _readers[name] = entry
    return entry


def register_export(
    name: str,
    write: Callable[[ExportJob], int],
    *,
    kinds: tuple[str, ...],
    summary: str = "",
    binary: bool = False,
    names: bool = False,
) -> ExportFormat:
    """Add an export format (see the module doc)."""
    if name in _exports:
        raise ValueError(f"an export format named {name!r} is already registered")
    entry = ExportFormat(name, write, kinds, summary, binary, names)
    _exports[name] = entry
    return entry


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in PLUGINS:
            importlib.import_module(module)


def readers() -> list[Reader]:
    _load()
    return list(_readers.values())


def export_formats() -> list[ExportFormat]:
    _load()
    return list(_exports.values())


def reader(name: str) -> Reader:
    """The reader called `name` (as given to `--format`)."""
    return _named(_readers, name, "input format")


def export_format(name: str) -> ExportFormat:
    """The export format called `name` (as given to `--format`)."""
    return _named(_exports, name, "format")


def _named(registered: Mapping[str, _Entry], name: str, what: str) -> _Entry:
    """`--format` is read one way for both registries: any case, spaces around ignored;
    an unknown name is refused with the names there are."""
    _load()
    key = name.strip().lower()
    if key not in registered:
        known = ", ".join(registered)
        raise InputError(f"unknown {what} {name!r}: choose {known}")
    return registered[key]


def find_reader(source: Source, name: str | None = None) -> Reader:
    """The reader for a file: the one named, else the first whose `detect` claims the
    file, else the one reading its suffix."""
    if name is not None:
        return reader(name)
    _load()
    suffix = Path(source.name).suffix.lower()
    for entry in _readers.values():
        if entry.detect is not None and suffix in entry.suffixes and entry.detect(source):
            return entry
    for entry in _readers.values():
        if suffix in entry.suffixes and entry.detect is None:
            return entry
    # Each generic reader's first suffix is its usual one (.txt also reads as CSV).
    usual = [e.suffixes[0] for e in _readers.values() if e.suffixes and e.detect is None]
    raise InputError(
        f"unknown file type: use {', '.join(usual[:-1])} or {usual[-1]}",
        file=source.name,
        value=Path(source.name).suffix or None,
    )
