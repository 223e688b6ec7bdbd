"""Human decisions about a person that are not evidence: a pinned status, with its history.

Why a table of its own: a person's status is derived from reports ("the latest credible
report wins"), but a researcher who knows better (a family confirmed the return by phone)
may pin it, with a reason and the date it held. Reports stay untouched; the pin is a
conclusion, like a link. Every change is a new row carrying the person version it
produced, so the history is complete and `(person_id, version)` being unique is a second
guard, after the version check on `persons`, against two writers both thinking they won.
The reason is free text and may name people, so it is sealed like a note.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from refwatch.store.base import ID, Base
from refwatch.store.timeutil import UtcDateTime


class PersonEdit(Base):
    """One change of a person's pin: `pinned_status` set pins it, NULL removes the pin."""

    __tablename__ = "person_edits"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    version: Mapped[int] = mapped_column(Integer)
    pinned_status: Mapped[str | None] = mapped_column(String(16))
    as_of: Mapped[str | None] = mapped_column(String(64))
    as_of_earliest: Mapped[date | None] = mapped_column(Date)
    as_of_latest: Mapped[date | None] = mapped_column(Date)
    reason_enc: Mapped[bytes] = mapped_column(LargeBinary)
    actor: Mapped[str] = mapped_column(String(100))
    edited_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("person_id", "version"),)
