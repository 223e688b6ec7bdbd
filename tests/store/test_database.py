from __future__ import annotations

from refwatch.store.workspace import Workspace


def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(workspace: Workspace) -> None:
    if workspace.dialect != "sqlite":
        assert workspace.dialect == "postgresql"
        with workspace.read() as conn:
            assert conn.exec_driver_sql("SHOW search_path").scalar() == workspace.schema
        return
    with workspace.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
