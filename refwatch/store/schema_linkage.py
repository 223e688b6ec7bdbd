"""Tables of the linkage room: runs, saved settings and human decisions.

Nothing here holds a name or a key derived from one: runs keep their settings and counts,
pairs keep mention ids, probabilities and per-comparison match weights, and a decision's
reason (free text a reviewer types, which may well name the person) is sealed like notes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from refwatch.store.base import ID, Base
from refwatch.store.timeutil import UtcDateTime


class LinkageRun(Base):
    """One run of record linkage: who ran it, with which settings, and what it found.

    `settings` is the declarative model saved as JSON (RefWatch's configuration and
    Splink's trained parameters), so the run can be explained and reproduced.
    """

    __tablename__ = "linkage_runs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    backend: Mapped[str] = mapped_column(String(16))
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)


class LinkagePair(Base):
    """A scored pair of mentions from the latest run: joined ones and uncertain ones.

    `detail` lists, per comparison in the order of the saved settings, the comparison
    level reached and its match weight ("3:9.41;1:0.04;…"); `tf_weight` is the name's
    term-frequency adjustment. Replaced by every run.
    """

    __tablename__ = "linkage_pairs"
    mention_a: Mapped[str] = mapped_column(ForeignKey("mentions.id"), primary_key=True)
    mention_b: Mapped[str] = mapped_column(ForeignKey("mentions.id"), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("linkage_runs.id"))
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    tf_weight: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index("ix_linkage_pairs_mention_b", "mention_b"),)


class LinkageDecision(Base):
    """A human decision on a pair of mentions: same person, not the same, or skipped.

    "same" and "different" are must-link and cannot-link constraints every later run
    obeys until the decision is undone (`undone_at`). Decisions made together (a merge or
    a split from the person page) share an `operation_id`.
    """

    __tablename__ = "linkage_decisions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    mention_a: Mapped[str] = mapped_column(ForeignKey("mentions.id"))
    mention_b: Mapped[str] = mapped_column(ForeignKey("mentions.id"))
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    run_id: Mapped[str | None] = mapped_column(String(36))
    operation_id: Mapped[str | None] = mapped_column(String(36))
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    undone_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_linkage_decisions_pair", "mention_a", "mention_b"),
        Index("ix_linkage_decisions_mention_b", "mention_b"),
    )


class PersonRetirement(Base):
    """A person id that no longer names anyone: its cluster vanished or was merged.

    The `persons` row stays, so the id is never issued again; `successor_id` is the person
    that took most of its mentions, if any (for redirecting old links and citations).
    """

    __tablename__ = "person_retirements"
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    retired_at: Mapped[datetime] = mapped_column(UtcDateTime())
    run_id: Mapped[str | None] = mapped_column(String(36))
    successor_id: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))


__all__ = ["LinkageDecision", "LinkagePair", "LinkageRun", "PersonRetirement"]
