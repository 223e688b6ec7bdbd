"""Sources: the list with their reports and persons, their reliability grade, their contact.

Why a library module: the web pages and `refwatch sources` change the same two things and
must audit them the same way. A grade (Admiralty scale A–F) is a researcher's judgement,
changed in place and audited with the old and new grade. A contact (who to reach, how) is
protected: stored sealed with the workspace's field cipher (bound to the source's row),
never in a log or an audit entry (which says only whether one is set), opened only by a
caller that has checked the reader's permission and logs the read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, update

from refwatch.domain.errors import InputError
from refwatch.intake.reports import current_only
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import links, mentions, reports, sources
from refwatch.store.workspace import Workspace

GRADES = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
MAX_CONTACT = 2000


class UnknownSource(InputError):
    """No source has this id."""


def source_rows(conn: Connection) -> list[Any]:
    """Every source with its number of current reports, persons and latest report date."""
    current = (
        select(
            reports.c.source_id,
            func.count(reports.c.id).label("reports"),
            func.count(func.distinct(links.c.person_id)).label("persons"),
            func.max(reports.c.reported_latest).label("latest"),
        )
        .join(mentions, mentions.c.report_id == reports.c.id)
        .join(links, links.c.mention_id == mentions.c.id)
        .where(current_only())
        .group_by(reports.c.source_id)
        .subquery()
    )
    query = (
        select(
            sources.c.id,
            sources.c.name,
            sources.c.source_type,
            sources.c.reliability,
            (sources.c.contact_enc.is_not(None)).label("has_contact"),
            func.coalesce(current.c.reports, 0).label("reports"),
            func.coalesce(current.c.persons, 0).label("persons"),
            current.c.latest,
        )
        .outerjoin(current, current.c.source_id == sources.c.id)
        .order_by(sources.c.name)
    )
    return list(conn.execute(query))


def source_row(conn: Connection, source_id: str) -> Any:
    return next((row for row in source_rows(conn) if row.id == source_id), None)


def checked_grade(grade: str | None) -> str | None:
    """A grade A–F (any case, spaces around ignored), or None to clear it."""
    value = (grade or "").strip().upper() or None
    if value is not None and value not in GRADES:
        raise InputError(f"a reliability grade is one of {', '.join(GRADES)} (or empty to clear)")
    return value


def set_reliability(workspace: Workspace, source_id: str, grade: str | None, actor: str) -> None:
    """Grade a source (None clears the grade); audited with the old and new grade."""
    value = checked_grade(grade)
    with workspace.write() as conn:
        old = conn.execute(select(sources.c.reliability).where(sources.c.id == source_id)).first()
        if old is None:
            raise UnknownSource(f"no source has the id {source_id!r}")
        details = {"from": old.reliability, "to": value}
        _update(conn, source_id, actor, "source.reliability", details, reliability=value)


def set_contact(
    workspace: Workspace, cipher: FieldCipher, source_id: str, contact: str | None, actor: str
) -> None:
    """Seal and store a source's contact (None or blank clears it); audited without it."""
    value = (contact or "").strip() or None
    if value is not None and len(value) > MAX_CONTACT:
        raise InputError(f"a contact is at most {MAX_CONTACT} characters")
    with workspace.write() as conn:
        exists = conn.execute(select(sources.c.id).where(sources.c.id == source_id)).first()
        if exists is None:
            raise UnknownSource(f"no source has the id {source_id!r}")
        sealed = cipher.seal("sources", "contact", source_id, value)
        details = {"set": value is not None}
        _update(conn, source_id, actor, "source.contact", details, contact_enc=sealed)


def _update(
    conn: Connection,
    source_id: str,
    actor: str,
    action: str,
    details: dict[str, Any],
    **values: object,
) -> None:
    """Change a source's columns, audited as `action` with `details` (never a contact)."""
    conn.execute(update(sources).where(sources.c.id == source_id).values(**values))
    audit.log(conn, actor, action, table_name="sources", record_id=source_id, details=details)


def contacts_of(conn: Connection, cipher: FieldCipher) -> dict[str, str]:
    """Every source's contact that is set, opened, by source id. The caller checks who may
    read them and audits the read."""
    rows = conn.execute(
        select(sources.c.id, sources.c.contact_enc).where(sources.c.contact_enc.is_not(None))
    )
    opened = {row.id: cipher.open("sources", "contact", row.id, row.contact_enc) for row in rows}
    return {sid: value for sid, value in opened.items() if isinstance(value, str) and value}


def contact_of(conn: Connection, cipher: FieldCipher, source_id: str) -> str | None:
    """A source's contact, opened (None if it has none). The caller checks who may read it
    and audits the read."""
    blob = conn.execute(
        select(sources.c.contact_enc).where(sources.c.id == source_id)
    ).scalar_one_or_none()
    if blob is None:
        return None
    value = cipher.open("sources", "contact", source_id, blob)
    assert value is None or isinstance(value, str)
    return value
