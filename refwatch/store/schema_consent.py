"""Consent records: what may be done with a person's record, per person and per report.

Why a table of its own: consent is neither evidence nor a linkage conclusion. A report's
consent comes with the report (the case list's `consent` column, or a researcher later);
a person's consent is recorded by a researcher for the linked person. Each change is a new
row with the next `revision` of its subject, so the history (who recorded what, when, on
what basis) is complete, and `(subject, revision)` being unique keeps two concurrent
writers from both thinking they recorded revision 2. The basis and the exception are free
text that may name people, so they are sealed like notes (and erased with a report on a
lawful deletion, hence nullable).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from refwatch.store.base import ID, Base
from refwatch.store.timeutil import UtcDateTime


class ConsentEntry(Base):
    """One recorded consent; exactly one of `person_id` and `report_id` is set, and
    `subject` ("person:P-000001" or "report:<id>") names it for the uniqueness guard."""

    __tablename__ = "consents"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    subject: Mapped[str] = mapped_column(String(48))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"))
    report_id: Mapped[str | None] = mapped_column(ForeignKey("reports.id"))
    revision: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    exception_level: Mapped[str | None] = mapped_column(String(16))
    basis_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    exception_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("subject", "revision"),
        Index("ix_consents_person_id", "person_id"),
        Index("ix_consents_report_id", "report_id"),
    )
