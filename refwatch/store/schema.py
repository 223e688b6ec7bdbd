"""The system of record: SQLAlchemy 2 tables for evidence, persons, keys and the audit chain.

Evidence tables (reports, mentions, events) are append-only: a correction is a new row whose
`supersedes_id` points at the row it replaces; nothing is updated in place. Columns ending in
`_enc` hold AES-GCM ciphertexts (see `refwatch.store.crypto`); everything else is
non-identifying and stays queryable. Dates are kept as the EDTF text a source wrote plus the
[earliest, latest] interval it allows. The Alembic migrations in `migrations/` create exactly
these tables; a test compares them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from refwatch.store.base import ID, NAMING, Base, table_of
from refwatch.store.timeutil import UtcDateTime


class WorkspaceMeta(Base):
    __tablename__ = "workspace_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DataKey(Base):
    """A data key, stored only wrapped (encrypted) under a key-encryption key."""

    __tablename__ = "data_keys"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    kek_kind: Mapped[str] = mapped_column(String(16))
    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_params: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Source(Base):
    """Who provides information. `name` is a label (an organisation or a code such as
    "FAM-07"), never a private person's name; contacts are encrypted."""

    __tablename__ = "sources"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    source_type: Mapped[str | None] = mapped_column(String(16))
    reliability: Mapped[str | None] = mapped_column(String(1))
    contact_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ImportBatch(Base):
    __tablename__ = "import_batches"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    rows: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)


class Report(Base):
    """One account from a source on a date. `fingerprint` is a keyed hash of the row's
    content, so a re-import can tell "unchanged" from "updated" without decrypting."""

    __tablename__ = "reports"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    record_id: Mapped[str | None] = mapped_column(String(200))
    reported_on: Mapped[str | None] = mapped_column(String(64))
    reported_earliest: Mapped[date | None] = mapped_column(Date)
    reported_latest: Mapped[date | None] = mapped_column(Date)
    text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    language: Mapped[str | None] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64))
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("reports.id"))
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("import_batches.id"))
    row_number: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_reports_source_record", "source_id", "record_id"),
        Index("ix_reports_supersedes", "supersedes_id"),
        Index("ix_reports_source_fingerprint", "source_id", "fingerprint"),
    )


class Person(Base):
    """A linked cluster of mentions believed to be one human being (pseudonymous id)."""

    __tablename__ = "persons"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Group(Base):
    """People apprehended together, by a source's own label; size may be unknown."""

    __tablename__ = "groups"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    label: Mapped[str] = mapped_column(String(200))
    size_min: Mapped[int | None] = mapped_column(Integer)
    size_max: Mapped[int | None] = mapped_column(Integer)
    flags: Mapped[str] = mapped_column(String(200), default="")
    reported_on: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("source_id", "label"),)


class Mention(Base):
    """A person as one report describes them (evidence: never updated; see PersonLink)."""

    __tablename__ = "mentions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), unique=True)
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("mentions.id"))
    name_hangul_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_latin_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_year: Mapped[str | None] = mapped_column(String(64))
    birth_earliest: Mapped[date | None] = mapped_column(Date)
    birth_latest: Mapped[date | None] = mapped_column(Date)
    age: Mapped[str | None] = mapped_column(String(16))
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str | None] = mapped_column(String(200))
    origin_place_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(16))
    status_on: Mapped[str | None] = mapped_column(String(64))
    status_earliest: Mapped[date | None] = mapped_column(Date)
    status_latest: Mapped[date | None] = mapped_column(Date)
    group_id: Mapped[str | None] = mapped_column(ForeignKey("groups.id"))
    flags: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_mentions_supersedes", "supersedes_id"),)


class PersonLink(Base):
    """Which person a mention currently belongs to: a conclusion, not evidence.

    Record linkage rewrites these rows (the mentions themselves never change); until it
    runs, each new mention is linked to a new person with no match probability.
    """

    __tablename__ = "person_links"
    mention_id: Mapped[str] = mapped_column(ForeignKey("mentions.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    match_probability: Mapped[float | None] = mapped_column(Float)
    run_id: Mapped[str | None] = mapped_column(String(36))
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_person_links_person", "person_id"),)


class Event(Base):
    """An event a mention claims: what, when (EDTF interval), where, held by whom."""

    __tablename__ = "events"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    mention_id: Mapped[str] = mapped_column(ForeignKey("mentions.id"))
    event_type: Mapped[str] = mapped_column(String(16))
    esf_code: Mapped[str | None] = mapped_column(String(8))
    date_edtf: Mapped[str | None] = mapped_column(String(64))
    date_earliest: Mapped[date | None] = mapped_column(Date)
    date_latest: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    place_id: Mapped[str | None] = mapped_column(String(64))
    facility: Mapped[str | None] = mapped_column(String(200))
    facility_id: Mapped[str | None] = mapped_column(String(64))
    authority: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_events_mention", "mention_id"),
        Index("ix_events_type_dates", "event_type", "date_earliest", "date_latest"),
    )


class Place(Base):
    """The gazetteer, copied into the database so SQL can join on regions."""

    __tablename__ = "places"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    parent_id: Mapped[str | None] = mapped_column(String(64))
    name_latin: Mapped[str] = mapped_column(String(200))
    name_hangul: Mapped[str] = mapped_column(String(200))
    name_hanzi: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Observation(Base):
    """A dated, sourced context figure (a network's capacity falling, new checkpoints)."""

    __tablename__ = "observations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    observed_on: Mapped[str] = mapped_column(String(64))
    observed_earliest: Mapped[date] = mapped_column(Date)
    observed_latest: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """One link of the audit chain. `at` is text so the hash input is identical on every
    engine; `details` never holds a protected value."""

    __tablename__ = "audit_entries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    table_name: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last link, kept in one row that every append locks, so the chain stays linear
    under concurrent writers and a truncation of the entries table shows."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


# The tables of later rooms live in modules of their own; importing them here puts every
# table on `Base.metadata`, which the migrations are checked against.
from refwatch.store import (  # noqa: E402
    schema_alerts,
    schema_attachments,
    schema_claims,
    schema_consent,
    schema_deletion,
    schema_ledger,
    schema_linkage,
    schema_person_edits,
    schema_web,
)

__all__ = [
    "ID",
    "NAMING",
    "Base",
    "schema_alerts",
    "schema_attachments",
    "schema_claims",
    "schema_consent",
    "schema_deletion",
    "schema_ledger",
    "schema_linkage",
    "schema_person_edits",
    "schema_web",
    "table_of",
]
