"""Claims: figures other organisations published, kept beside our evidence, never in it.

Why a table of its own: a claim ("at least 41 detained in July–August 2017") is not a
report about a person, so it never becomes a mention or a person; it is compared with our
own count (`refwatch.counting.claims_check`). The structured question (number, qualifier,
event or status, flags, sex, place, period) stays queryable; the sentence it was read from
is sealed like report text, since a release may quote a testimony. `fingerprint` is a keyed
hash of the claim's content, unique per source, so accepting the same reviewed file twice
records nothing new.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from refwatch.store.base import ID, Base
from refwatch.store.timeutil import UtcDateTime


class ClaimEntry(Base):
    """One published figure of a source: "Organisation X, 2017-09-14: at least 41 detained"."""

    __tablename__ = "claims"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    published_on: Mapped[str | None] = mapped_column(String(64))
    published_earliest: Mapped[date | None] = mapped_column(Date)
    published_latest: Mapped[date | None] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    qualifier: Mapped[str] = mapped_column(String(16))
    event: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[str] = mapped_column(String(200), default="")
    sex: Mapped[str | None] = mapped_column(String(1))
    place: Mapped[str | None] = mapped_column(String(200))
    place_id: Mapped[str | None] = mapped_column(String(64))
    period_from: Mapped[str | None] = mapped_column(String(64))
    period_to: Mapped[str | None] = mapped_column(String(64))
    period_earliest: Mapped[date | None] = mapped_column(Date)
    period_latest: Mapped[date | None] = mapped_column(Date)
    text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("source_id", "fingerprint"),)
