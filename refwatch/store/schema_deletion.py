"""Lawful deletion: the record that a report's protected values were erased, and why.

Evidence is append-only, with one exception the law can impose: erasing what identifies a
person. The report, its mentions and events stay (so the audit chain and earlier numbers
can be explained), their ciphertexts are overwritten with NULL, and this row takes the
report out of the current evidence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from refwatch.store.base import Base
from refwatch.store.timeutil import UtcDateTime


class ReportDeletion(Base):
    __tablename__ = "report_deletions"
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    deleted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    persons: Mapped[str] = mapped_column(Text)
