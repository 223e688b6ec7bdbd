"""Engines for the two supported databases, configured the one safe way.

SQLite is the embedded default: WAL so readers never block the writer, `synchronous=FULL`
so an acknowledged commit survives a power cut, foreign keys on, and every transaction
opened with BEGIN IMMEDIATE (unless marked read-only) so writers queue on the lock instead
of failing half-way (the audit chain needs writers in a line). PostgreSQL (psycopg 3)
serves teams; a workspace lives in its own schema, chosen by `search_path` on connect.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from refwatch.domain.errors import InputError, WorkspaceError

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def check_schema_name(schema: str) -> str:
    if not _SCHEMA_NAME.match(schema):
        raise WorkspaceError(
            f"PostgreSQL schema name {schema!r} is not allowed: use lowercase letters, "
            "digits and underscores, starting with a letter"
        )
    return schema


def create_db_engine(url: str, schema: str | None = None) -> Engine:
    """An engine for `url`; for PostgreSQL, bound to `schema` (which must exist)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        connect_args: dict[str, Any] = {}
        if schema is not None:
            connect_args["options"] = f"-c search_path={check_schema_name(schema)}"
        engine = create_engine(
            parsed, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True
        )
        event.listen(engine, "before_cursor_execute", _refuse_nul)
        return engine
    raise WorkspaceError(f"unsupported database {backend!r}: use a SQLite path or PostgreSQL URL")


def _refuse_nul(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    """PostgreSQL text cannot hold a NUL character (SQLite can): a parameter with one is
    bad input, refused as an InputError (the web answers 400, the transaction rolls back)
    before the server's DataError could surface as a crash."""
    if not parameters:
        return
    for row in parameters if executemany else [parameters]:
        values = row.values() if isinstance(row, dict) else row
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise InputError("text may not contain a NUL character")


def create_pg_schema(url: str, schema: str) -> None:
    _run_once(url, f'CREATE SCHEMA IF NOT EXISTS "{check_schema_name(schema)}"')


def drop_pg_schema(url: str, schema: str) -> None:
    _run_once(url, f'DROP SCHEMA IF EXISTS "{check_schema_name(schema)}" CASCADE')


def _run_once(url: str, statement: str) -> None:
    """One statement on an engine of its own, disposed of even when the statement fails
    (a schema is made or dropped outside any workspace's engine)."""
    engine = create_db_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _sqlite_engine(url: str) -> Engine:
    # hide_parameters: a failed statement's message must not carry the values it wrote.
    # No cap on the pool's overflow: SQLite connections are cheap. With the default cap (15),
    # twenty concurrent editors and the alerts evaluation after each edit exhausted the pool:
    # threads holding connections waited on the write lock while the ones that would free
    # it waited for a connection, until the 30 s busy timeout failed them with "database is
    # locked" (tests/web/test_concurrent_edits.py).
    engine = create_engine(
        url, connect_args={"timeout": 30}, hide_parameters=True, pool_size=5, max_overflow=-1
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # Take transaction control away from the sqlite3 module (it would otherwise
        # issue its own deferred BEGIN) so that `begin` below decides.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Deleted or rewritten pages (an old wrapped key after rotation) are zeroed.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache (default: 2 MiB)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        readonly = conn.get_execution_options().get("refwatch_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine
