"""Tables of the ledger room: published numbers with their query, snapshot and persons.

A ledger entry is written once and never changed: it records what was asked (`query`, the
canonical JSON of `refwatch.counting.query.CountQuery` or of a trend), what it was computed
from (`snapshot_hash`: a content hash of the current evidence and person links, and the
rules version), what it said (`at_least`, `at_most`, and in `numbers` every cell or figure)
and the persons behind it (`persons`: JSON with the certain and the possible ids, or a
reference `{"same_as": "L-…", "sha256": "…"}` to an earlier entry of the same question on
the same snapshot, see `refwatch.counting.ledger`). Person ids are pseudonymous; no name
or note is ever stored here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from refwatch.store.base import Base
from refwatch.store.timeutil import UtcDateTime

PERSONS_SAME_AS = "same_as"
"""Key of a `persons` value that refers to an earlier entry's list instead of holding one."""


class LedgerEntry(Base):
    """One number (count, breakdown, trend, estimate) as it was shown or published."""

    __tablename__ = "ledger_entries"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    query: Mapped[str] = mapped_column(Text)
    snapshot_hash: Mapped[str] = mapped_column(String(64))
    rules_version: Mapped[str] = mapped_column(String(16))
    link_runs: Mapped[str] = mapped_column(Text)
    at_least: Mapped[int | None] = mapped_column(Integer)
    at_most: Mapped[int | None] = mapped_column(Integer)
    numbers: Mapped[str] = mapped_column(Text)
    persons: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_ledger_entries_created_at", "created_at"),)


__all__ = ["Base", "LedgerEntry"]
