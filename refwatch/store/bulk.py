"""Bulk inserts for imports, at the speed the engine allows.

On PostgreSQL SQLAlchemy's "insertmanyvalues" batching is already fast. On SQLite its
per-row parameter handling costs more than the insert itself, so rows go straight to the
driver's `executemany`, each value passed through the column type's own bind processor so
the stored form is exactly what SQLAlchemy would have written (and reads back the same).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, LargeBinary, Table, insert

CHUNK = 5000


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(table), rows[start : start + CHUNK])
        return
    columns = [column for column in table.columns if column.name in rows[0]]
    names = [column.name for column in columns]
    sql = (
        f'INSERT INTO "{table.name}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)}) '
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    # Column by column: a list comprehension per column is far cheaper than a generator
    # per row, and dates and timestamps repeat, so each distinct value is converted once.
    prepared: list[list[Any]] = []
    for column in columns:
        values = [row[column.name] for row in rows]
        processor = (
            None
            if isinstance(column.type, LargeBinary)
            else column.type.bind_processor(conn.dialect)
        )
        if processor is not None:
            values = _convert(values, processor)
        prepared.append(values)
    conn.exec_driver_sql(sql, list(zip(*prepared, strict=True)))


def _convert(values: list[Any], processor: Callable[[Any], Any]) -> list[Any]:
    memo: dict[Any, Any] = {None: None}
    out = []
    for value in values:
        try:
            converted = memo[value]
        except KeyError:
            converted = memo[value] = processor(value)
        out.append(converted)
    return out
