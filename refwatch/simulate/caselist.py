"""Writing synthetic case lists, truth files and README notes.

Why: the world generator and the demo must write exactly the case-list format of
DOMAIN.md (same columns, same order, UTF-8, header row) and an answer key (truth.csv)
beside it, so importers, linkage and counting can be tested against known answers.
Rows are streamed to ``csv.writer``; nothing holds a whole list in memory.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Final, TextIO

CASE_LIST_COLUMNS: Final[tuple[str, ...]] = (
    "source", "source_type", "reported_on", "record_id", "name_hangul", "name_latin", "sex",
    "birth_year", "age", "origin", "apprehended_on", "apprehended_at", "held_at", "status",
    "status_on", "group", "flags", "notes",
)
"""The case-list columns, in order."""

TRUTH_COLUMNS: Final[tuple[str, ...]] = (
    "source", "record_id", "true_person_id", "name_hangul", "sex", "birth_year", "origin",
    "apprehended_on", "apprehended_place", "held_at", "status", "status_on", "group", "flags",
)
"""truth.csv columns: one row per case-list row, with the true values of its person.

``apprehended_on`` / ``status_on`` are exact ISO dates (``status_on`` empty while
detained), places and facilities are canonical spellings, ``group`` is the true group id
(empty for someone caught alone), ``status`` is the person's final true status.
"""

SOURCE_TYPES: Final[tuple[str, ...]] = (
    "family", "activist", "network", "ngo_list", "media", "official", "self",
)
STATUSES: Final[tuple[str, ...]] = (
    "detained", "returned", "released", "safe", "died", "unknown", "held_in_dprk", "disappeared",
)
FLAGS: Final[tuple[str, ...]] = ("child", "older", "pregnant", "ill", "born_in_detention", "guide")

SYNTHETIC_NOTICE: Final = (
    "SYNTHETIC DATA. Every person, name, group and record in this folder is invented by\n"
    "refwatch.simulate; none describes a real person. Do not mix it with real case data.\n"
)


def slugify(name: str) -> str:
    """File-name slug of a source name.

    "Family contacts (synthetic)" -> "family-contacts-synthetic".
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "source"


def join_flags(flags: tuple[str, ...] | list[str]) -> str:
    """Flags in the canonical order, ``;``-separated."""
    return ";".join(f for f in FLAGS if f in flags)


class _CsvFile:
    """A UTF-8 CSV file with a fixed header; use as a context manager."""

    columns: tuple[str, ...] = ()

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._known = frozenset(self.columns)
        self._handle: TextIO = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(self.columns)

    def write(self, row: Mapping[str, str]) -> None:
        """Write one row given as column -> text; missing columns are empty (unknown)."""
        unknown = row.keys() - self._known
        if unknown:
            raise KeyError(f"unknown columns: {sorted(unknown)}")
        self._writer.writerow([row.get(c, "") for c in self.columns])
        self.rows += 1

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> _CsvFile:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class CaseListWriter(_CsvFile):
    """Writes one source's case list in the DOMAIN.md format."""

    columns = CASE_LIST_COLUMNS


class TruthWriter(_CsvFile):
    """Writes truth.csv, the answer key linking each case-list row to its true person."""

    columns = TRUTH_COLUMNS


def write_readme(path: Path, body: str) -> Path:
    """Write README.txt: the synthetic-data notice followed by ``body``."""
    path.write_text(SYNTHETIC_NOTICE + "\n" + body.rstrip() + "\n", encoding="utf-8")
    return path
