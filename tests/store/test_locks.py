"""The evidence write lock: while one transaction writes evidence (an import, or a linkage
run writing its persons), no other can take the lock until that transaction ends."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from refwatch.store.locks import EVIDENCE_WRITE_LOCK, lock_evidence_writes
from refwatch.store.workspace import Workspace
from tests.conftest import pg_url_or_skip


def _taken_elsewhere(url: str) -> bool:
    """Whether another session finds the lock held (it tries without waiting)."""
    engine = create_engine(url)
    try:
        with engine.connect() as other:
            got = other.execute(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": EVIDENCE_WRITE_LOCK}
            ).scalar_one()
            other.rollback()
            return not got
    finally:
        engine.dispose()


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_another_session_cannot_take_the_lock_while_the_writer_holds_it(
    workspace: Workspace,
) -> None:
    # The key is database-wide, so an import in another test may hold it too: only the
    # "held" side is asserted, which fails if the call takes no lock.
    url = pg_url_or_skip()
    with workspace.write() as conn:
        lock_evidence_writes(conn)
        assert _taken_elsewhere(url)


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_on_sqlite_the_write_transaction_alone_serialises_and_the_call_is_harmless(
    workspace: Workspace,
) -> None:
    with workspace.write() as conn:
        lock_evidence_writes(conn)
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
