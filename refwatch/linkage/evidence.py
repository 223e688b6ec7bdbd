"""What a reviewer sees of a mention: its evidence, side by side with another's.

Structured fields (sex, ages, origin, dates, places, group, source) need no key; names
appear only when the caller passes a cipher, and then the read is audited by the caller
(`audit_name_read`) with a count, never a name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, select

from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, mentions
from refwatch.store.schema import Event, table_of

events = table_of(Event)


@dataclass
class MentionEvidence:
    mention_id: str
    person_id: str
    match_probability: float | None
    source: str
    source_type: str | None
    record_id: str | None
    reported_on: str | None
    sex: str | None
    birth_year: str | None
    age: str | None
    origin: str | None
    origin_place_id: str | None
    apprehended_on: str | None
    apprehended_at: str | None
    apprehended_place_id: str | None
    held_at: str | None
    status: str | None
    status_on: str | None
    group: str | None
    flags: str | None
    name_hangul: str | None = None
    name_latin: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def mention_evidence(
    conn: Connection, mention_ids: set[str], cipher: FieldCipher | None = None
) -> dict[str, MentionEvidence]:
    """Evidence of these current mentions, with names if `cipher` is given."""
    if not mention_ids:
        return {}
    ids = sorted(mention_ids)
    rows = conn.execute(current_mentions().where(mentions.c.id.in_(ids))).all()
    claimed: dict[str, dict[str, Any]] = {}
    for event in conn.execute(select(events).where(events.c.mention_id.in_(ids))):
        mine = claimed.setdefault(event.mention_id, {})
        if event.event_type in ("apprehension", "birth") and "start" not in mine:
            mine["start"] = event
        if event.event_type == "detention" and event.facility and "held" not in mine:
            mine["held"] = event
    found = {}
    for row in rows:
        start = claimed.get(row.id, {}).get("start")
        held = claimed.get(row.id, {}).get("held")
        evidence = MentionEvidence(
            mention_id=row.id,
            person_id=row.person_id,
            match_probability=row.match_probability,
            source=row.source,
            source_type=row.source_type,
            record_id=row.record_id,
            reported_on=row.reported_on,
            sex=row.sex,
            birth_year=row.birth_year,
            age=row.age,
            origin=row.origin,
            origin_place_id=row.origin_place_id,
            apprehended_on=start.date_edtf if start else None,
            apprehended_at=start.place if start else None,
            apprehended_place_id=start.place_id if start else None,
            held_at=held.facility if held else (start.facility if start else None),
            status=row.status,
            status_on=row.status_on,
            group=row.group_label,
            flags=row.flags or None,
        )
        if cipher is not None:
            evidence.name_hangul = cipher.open(
                "mentions", "name_hangul", row.id, row.name_hangul_enc
            )
            evidence.name_latin = cipher.open("mentions", "name_latin", row.id, row.name_latin_enc)
        found[row.id] = evidence
    return found


def audit_name_read(conn: Connection, actor: str, purpose: str, mentions_read: int) -> None:
    """Record that names of `mentions_read` mentions are being shown, before they are."""
    audit.log(
        conn,
        actor,
        "linkage.read_names",
        table_name="mentions",
        details={"purpose": purpose, "mentions": mentions_read},
    )
