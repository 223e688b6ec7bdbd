"""A public data release: the aggregate tables (and, if asked, a person table) on disk.

Why: one call writes everything a release holds, in every format asked for, after
disclosure control, with every number in the ledger (purpose: the release). The person
table is written only when asked for and only if it passes the k-anonymity check;
otherwise the whole release is refused before any file is written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from refwatch.counting.filters import CountFilter
from refwatch.counting.query import make_query, status_day
from refwatch.domain.errors import InputError
from refwatch.domain.formulas import neutral_row
from refwatch.publish.disclosure import DEFAULT_K, DEFAULT_THRESHOLD
from refwatch.publish.formats import (
    FORMATS,
    release_metadata,
    write_csv,
    write_json,
    write_sqlite,
)
from refwatch.publish.persons import PERSON_COLUMNS, PERSON_HXL, person_rows
from refwatch.publish.tables import public_tables
from refwatch.store.workspace import Workspace


@dataclass
class Release:
    files: list[Path] = field(default_factory=list)
    ledger_ids: list[str] = field(default_factory=list)
    suppressed_cells: int = 0
    persons: int | None = None
    persons_withheld: int = 0  # left out of the person table for their consent


def publish(
    workspace: Workspace,
    out_dir: Path,
    *,
    period_from: str | date | None = None,
    period_to: str | date | None = None,
    as_of: str | date | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    formats: Sequence[str] = FORMATS,
    persons: bool = False,
    k: int = DEFAULT_K,
    actor: str = "library",
    title: str = "Documented detentions of North Korean refugees in China",
    source: str = "RefWatch",
) -> Release:
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise InputError(f"--format takes {', '.join(FORMATS)}; got {', '.join(sorted(unknown))}")
    query = make_query(
        period_from=period_from, period_to=period_to, as_of=status_day(as_of, period_to)
    )
    as_of_text = query.as_of
    assert as_of_text is not None
    # What a release counts, for its tables and its person table alike.
    released = CountFilter(
        event="detention", period_from=period_from, period_to=period_to, as_of=as_of_text
    )
    withheld: list[str] = []
    rows = person_rows(workspace, released, k=k, withheld=withheld) if persons else None
    tables = public_tables(
        workspace,
        released,
        threshold=threshold,
        actor=actor,
        purpose=f"public data release {query.period_text()}",
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    metadata = release_metadata(
        tables, title=title, source=source, threshold=threshold, period=query.period_text()
    )
    release = Release(
        ledger_ids=[i for t in tables for i in t.ledger_ids],
        suppressed_cells=sum(c.suppressed for t in tables for c in t.rows()),
        persons_withheld=len(withheld),
    )
    if "csv" in formats:
        release.files += [write_csv(t, out_dir / f"{t.name}.csv") for t in tables]
    if "json" in formats:
        release.files.append(write_json(tables, metadata, out_dir / "refwatch_public.json"))
    if "sqlite" in formats:
        release.files += list(write_sqlite(tables, metadata, out_dir))
    if rows is not None:
        release.persons = len(rows)
        path = out_dir / "persons.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(PERSON_COLUMNS)
            writer.writerow(PERSON_HXL)
            writer.writerows(neutral_row(r[c] for c in PERSON_COLUMNS) for r in rows)
        release.files.append(path)
        if "json" in formats:
            people = out_dir / "persons.json"
            people.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
            release.files.append(people)
    return release
