"""Writing a public release: CSV with HXL hashtags, JSON, and SQLite ready for Datasette.

Why: humanitarian data tools read HXL (a second header row of hashtags), programmers read
JSON, and Datasette turns a SQLite file plus `metadata.json` into a browsable, citable
site. All three carry the same suppressed tables: a suppressed cell has no numbers, only
the mark `suppressed` and why. Nothing person-level is written unless a person table was
built (and passed its k-anonymity check).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from refwatch.domain.formulas import neutral_row
from refwatch.gazetteer import load_gazetteer
from refwatch.publish.disclosure import TOTAL, PublicCell, PublicTable

FORMATS = ("csv", "json", "sqlite")
HXL = {
    "month": "#date+month",
    "province": "#adm1+code",
    "province_name": "#adm1+name",
    "status": "#status+code",
    "sex": "#indicator+sex",
    "age_band": "#indicator+age",
    "flag": "#indicator+vulnerability",
    "at_least": "#affected+min",
    "at_most": "#affected+max",
    "note": "#meta+suppressed",
}
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def _province_name(code: str) -> str:
    if code == TOTAL:
        return TOTAL
    gazetteer = load_gazetteer()
    return gazetteer.get(code).name_latin if code in gazetteer else code


def columns_of(table: PublicTable) -> list[str]:
    names: list[str] = []
    for dimension in table.dimensions:
        names.append(dimension)
        if dimension == "province":
            names.append("province_name")
    return [*names, "at_least", "at_most", "note"]


def record_of(table: PublicTable, cell: PublicCell) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for dimension, label in zip(table.dimensions, cell.key, strict=True):
        values[dimension] = label
        if dimension == "province":
            values["province_name"] = _province_name(label)
    values["at_least"] = cell.shown_at_least
    values["at_most"] = cell.shown_at_most
    values["note"] = f"suppressed ({cell.reason})" if cell.suppressed else ""
    return values


def write_csv(table: PublicTable, path: Path) -> Path:
    """The table as CSV with an HXL hashtag row; cells pass `neutral_row` (formulas defused)."""
    columns = columns_of(table)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerow([HXL[c] for c in columns])
        for cell in table.rows():
            record = record_of(table, cell)
            writer.writerow(neutral_row(record[c] for c in columns))
    return path


def release_metadata(
    tables: Sequence[PublicTable], *, title: str, source: str, threshold: int, period: str
) -> dict[str, Any]:
    description = (
        f"Documented persons detained {period}, counted by RefWatch with bounds: 'at_least' "
        "counts persons the records certainly place in a cell, 'at_most' those they possibly "
        f"do. Cells with a non-zero count below {threshold} are suppressed (no numbers, note "
        "'suppressed (below ...)'), and a second cell of any row, column or total with a "
        "single suppressed cell is suppressed too ('complementary'), so no hidden cell can be "
        "recovered from the totals. Places are provinces."
    )
    return {
        "title": title,
        "description": description,
        "source": source,
        "license": LICENCE,
        "license_url": LICENCE_URL,
        "suppression_threshold": threshold,
        "databases": {
            "refwatch_public": {
                "tables": {
                    t.name: {"description": t.description, "ledger_entries": t.ledger_ids}
                    for t in tables
                }
            }
        },
    }


def write_json(tables: Sequence[PublicTable], metadata: dict[str, Any], path: Path) -> Path:
    body = {
        **{k: v for k, v in metadata.items() if k != "databases"},
        "tables": [
            {
                "name": t.name,
                "description": t.description,
                "dimensions": list(t.dimensions),
                "ledger_entries": t.ledger_ids,
                "rows": [record_of(t, c) for c in t.rows()],
            }
            for t in tables
        ],
    }
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_sqlite(
    tables: Sequence[PublicTable], metadata: dict[str, Any], folder: Path
) -> tuple[Path, Path]:
    """`refwatch_public.db` and the `metadata.json` Datasette reads with --metadata."""
    path = folder / "refwatch_public.db"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        for table in tables:
            columns = columns_of(table)
            types = {"at_least": "INTEGER", "at_most": "INTEGER"}
            db.execute(
                f'CREATE TABLE "{table.name}" ('
                + ", ".join(f'"{c}" {types.get(c, "TEXT")}' for c in columns)
                + ")"
            )
            db.executemany(
                f'INSERT INTO "{table.name}" VALUES ({", ".join("?" for _ in columns)})',
                [[record_of(table, c)[col] for col in columns] for c in table.rows()],
            )
        db.commit()
    finally:
        db.close()
    meta = folder / "metadata.json"
    meta.write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")
    return path, meta
