"""Bulk inserts, updates and reads, at the speed the engine allows.

On PostgreSQL SQLAlchemy's "insertmanyvalues" batching is already fast. On SQLite its
per-row parameter handling costs more than the insert itself, so rows go straight to the
driver's `executemany`, each value passed through the column type's own bind processor so
the stored form is exactly what SQLAlchemy would have written (and reads back the same).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Dialect, LargeBinary, Table, bindparam, insert, update

CHUNK = 5000


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(table), rows[start : start + CHUNK])
        return
    columns = [column for column in table.columns if column.name in rows[0]]
    names = ", ".join(f'"{column.name}"' for column in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
    conn.exec_driver_sql(sql, _driver_rows(conn, columns, rows))


def bulk_update(conn: Connection, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Set each row's columns where `key` (a unique column) equals the row's `key`.

    Why not SQLAlchemy's `update(...)` with many parameter sets on SQLite: its per-row
    parameter handling cost more than the updates themselves when a link closes and
    rewrites hundreds of thousands of alerts at once. Values are converted as
    `bulk_insert` converts them, so an updated row reads back as one SQLAlchemy wrote."""
    if not rows:
        return
    settable = [c for c in table.columns if c.name in rows[0] and c.name != key]
    if conn.dialect.name != "sqlite":
        statement = (
            update(table)
            .where(table.c[key] == bindparam("_key"))
            .values({c.name: bindparam(c.name) for c in settable})
        )
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            conn.execute(statement, [{**row, "_key": row[key]} for row in chunk])
        return
    assignments = ", ".join(f'"{c.name}" = ?' for c in settable)
    sql = f'UPDATE "{table.name}" SET {assignments} WHERE "{key}" = ?'
    conn.exec_driver_sql(sql, _driver_rows(conn, [*settable, table.c[key]], rows))


def _driver_rows(
    conn: Connection, columns: Sequence[Column[Any]], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """Each row's values of `columns`, in order, as the driver takes them."""
    # Rows become tuples in C (itemgetter); only the columns whose type converts values
    # (dates, timestamps) are transposed and converted, each distinct value once.
    names = [column.name for column in columns]
    pick = itemgetter(*names)
    params: list[tuple[Any, ...]] = (
        list(map(pick, rows)) if len(names) > 1 else [(pick(row),) for row in rows]
    )
    converters = [
        (index, processor)
        for index, column in enumerate(columns)
        if not isinstance(column.type, LargeBinary)
        and (processor := _bind_processor(column, conn.dialect)) is not None
    ]
    if converters:
        by_column: list[Sequence[Any]] = list(zip(*params, strict=True))
        for index, processor in converters:
            by_column[index] = _convert(by_column[index], processor)
        params = list(zip(*by_column, strict=True))
    return params


def fetch_tuples(conn: Connection, statement: Any) -> list[tuple[Any, ...]]:
    """All rows of a statement without bound parameters, as plain tuples straight from the
    driver: no Row object per row, which costs more than the fetch itself when a million
    rows are read to be put into arrays or dictionaries."""
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _bind_processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The converter SQLAlchemy itself applies to this column's values on this dialect.

    Why the dialect's own type: a generic `DateTime` has no converter, SQLite's `DATETIME`
    has one. Asked of the generic type, datetimes went to the driver as they were and were
    stored in its form ("2026-12-07 07:38:04.123456+00:00"), not SQLAlchemy's
    ("2026-12-07 07:38:04.123456"), so bulk-written rows compared apart from the others.
    The store's moments are `UtcDateTime`, whose converter makes each value UTC first
    (SQLite would keep the digits of a moment from another zone and drop its offset).
    """
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _convert(values: Sequence[Any], processor: Callable[[Any], Any]) -> list[Any]:
    memo: dict[Any, Any] = {None: None}
    out = []
    for value in values:
        try:
            converted = memo[value]
        except KeyError:
            converted = memo[value] = processor(value)
        out.append(converted)
    return out
