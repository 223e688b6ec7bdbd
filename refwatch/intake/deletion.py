"""Erase a report on a lawful request: its names, notes, text and attachments, in every
version.

The protected ciphertexts of the report and of every version of the same record (those it
superseded and those that superseded it) are overwritten with NULL, and so are the reasons
reviewers gave for linkage decisions about its mentions and the basis and exception of
its consents (free text that may quote the name); a `report_deletions`
row takes them out of the current evidence and keeps who, when, why and which persons
were affected, so the counts and the number ledger can say what changed. The audit entry
names the report, never a value. Afterwards the freed pages are scrubbed: SQLite runs with
`secure_delete` and its WAL is checkpointed and truncated; PostgreSQL rewrites the tables
(VACUUM FULL) so the old row versions are gone from the data files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, or_, select, update

from refwatch.domain.errors import RefWatchError
from refwatch.store import audit
from refwatch.store.consents import erase_report_texts
from refwatch.store.schema import Mention, PersonLink, Report, table_of
from refwatch.store.schema_attachments import Attachment
from refwatch.store.schema_deletion import ReportDeletion
from refwatch.store.schema_ledger import PERSONS_SAME_AS, LedgerEntry
from refwatch.store.schema_linkage import LinkageDecision
from refwatch.store.workspace import Workspace

reports, mentions, links, deletions, decisions, attachments = (
    table_of(Report),
    table_of(Mention),
    table_of(PersonLink),
    table_of(ReportDeletion),
    table_of(LinkageDecision),
    table_of(Attachment),
)


@dataclass(frozen=True)
class DeletionResult:
    report_ids: list[str]
    persons: list[str]
    ledger_entries: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "reports": self.report_ids,
            "persons": self.persons,
            "ledger_entries": self.ledger_entries,
        }


def affected_ledger_entries(conn: Connection, persons: list[str]) -> list[str]:
    """Published numbers (ledger entries) that counted any of `persons`: `refwatch ledger
    show` on each says how the number changes now that the report is gone."""
    if not persons:
        return []
    ledger = table_of(LedgerEntry)
    wanted = set(persons)
    prefilter = or_(*(ledger.c.persons.contains(f'"{p}"') for p in persons))
    found = []
    for entry_id, raw in conn.execute(select(ledger.c.id, ledger.c.persons).where(prefilter)):
        stored = json.loads(raw)
        listed = (
            stored
            if isinstance(stored, list)
            else [*stored.get("certain", []), *stored.get("uncertain", [])]
        )
        if wanted.intersection(listed):
            found.append(str(entry_id))
    return sorted(found + _referring(conn, ledger, found))


def _referring(conn: Connection, ledger: Table, entry_ids: list[str]) -> list[str]:
    """Entries whose `persons` is a reference to one of `entry_ids` (a count asked again
    of the same evidence shares its list), and to those, and so on."""
    found: list[str] = []
    frontier = entry_ids
    while frontier:
        referring: set[str] = set()
        for start in range(0, len(frontier), 200):  # SQLite bounds an expression's depth
            marks = (
                ledger.c.persons.contains(f'"{PERSONS_SAME_AS}": "{e}"')
                for e in frontier[start : start + 200]
            )
            referring.update(
                str(e) for e in conn.execute(select(ledger.c.id).where(or_(*marks))).scalars()
            )
        frontier = sorted(referring - set(found))
        found.extend(frontier)
    return found


def _versions(conn: Connection, report_id: str) -> list[str]:
    chain = {report_id}
    frontier = {report_id}
    while frontier:
        older = conn.execute(
            select(reports.c.supersedes_id).where(
                reports.c.id.in_(frontier), reports.c.supersedes_id.is_not(None)
            )
        ).scalars()
        newer = conn.execute(
            select(reports.c.id).where(reports.c.supersedes_id.in_(frontier))
        ).scalars()
        found = {str(r) for r in [*older, *newer]} - chain
        chain |= found
        frontier = found
    return sorted(chain)


def delete_report(workspace: Workspace, report_id: str, reason: str, actor: str) -> DeletionResult:
    """Erase the protected values of `report_id` and all its versions; see the module doc."""
    if not reason.strip():
        raise RefWatchError("a lawful deletion needs a reason (e.g. the request's reference)")
    with workspace.write() as conn:
        if conn.execute(select(reports.c.id).where(reports.c.id == report_id)).first() is None:
            raise RefWatchError(f"no report {report_id}")
        versions = _versions(conn, report_id)
        already = set(
            conn.execute(
                select(deletions.c.report_id).where(deletions.c.report_id.in_(versions))
            ).scalars()
        )
        mention_ids = list(
            conn.execute(select(mentions.c.id).where(mentions.c.report_id.in_(versions))).scalars()
        )
        persons = sorted(
            {
                str(p)
                for p in conn.execute(
                    select(links.c.person_id).where(links.c.mention_id.in_(mention_ids))
                ).scalars()
            }
        )
        conn.execute(update(reports).where(reports.c.id.in_(versions)).values(text_enc=None))
        conn.execute(
            update(attachments)
            .where(attachments.c.report_id.in_(versions))
            .values(file_name_enc=None, content_enc=None)
        )
        conn.execute(
            update(mentions)
            .where(mentions.c.id.in_(mention_ids))
            .values(name_hangul_enc=None, name_latin_enc=None, notes_enc=None)
        )
        reasons = conn.execute(
            update(decisions)
            .where(
                or_(decisions.c.mention_a.in_(mention_ids), decisions.c.mention_b.in_(mention_ids)),
                decisions.c.reason_enc.is_not(None),
            )
            .values(reason_enc=None)
        ).rowcount
        consent_texts = erase_report_texts(conn, versions)
        now = datetime.now(UTC)
        for version in versions:
            if version in already:
                continue
            conn.execute(
                insert(deletions).values(
                    report_id=version,
                    reason=reason,
                    actor=actor,
                    deleted_at=now,
                    persons=";".join(persons),
                )
            )
        entries = affected_ledger_entries(conn, persons)
        audit.log(
            conn,
            actor,
            "report.delete",
            table_name="reports",
            record_id=report_id,
            details={
                "versions": versions,
                "persons": persons,
                "ledger_entries": entries,
                "decision_reasons_erased": reasons,
                "consent_texts_erased": consent_texts,
            },
        )
    workspace.scrub("reports", "mentions", "linkage_decisions", "consents", "attachments")
    return DeletionResult(versions, persons, entries)
