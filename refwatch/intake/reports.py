"""Reports as they were received: filtered pages of them, and one report in full.

Why in intake: these read what intake wrote (reports, their sources, batches, mentions
and events) for the web pages, the JSON API and any command that lists reports.
Structured columns only; a protected value (report text, a name) is opened by the caller
that shows it, after its permission check, and logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, select

from refwatch.store.queries import links, mentions, not_superseded, reports, sources
from refwatch.store.schema import Event, ImportBatch, table_of

events_table, batches_table = table_of(Event), table_of(ImportBatch)


def current_only() -> Any:
    """The condition that a report is current: no newer version supersedes it."""
    return not_superseded(reports)


@dataclass(frozen=True, slots=True)
class ReportFilter:
    source: str | None = None
    reported_from: date | None = None
    reported_to: date | None = None
    include_superseded: bool = False


def report_query(chosen: ReportFilter) -> Any:
    query = (
        select(
            reports.c.id,
            reports.c.record_id,
            reports.c.reported_on,
            reports.c.reported_earliest,
            reports.c.reported_latest,
            reports.c.received_at,
            reports.c.supersedes_id,
            reports.c.language,
            (reports.c.text_enc.is_not(None)).label("has_text"),
            sources.c.id.label("source_id"),
            sources.c.name.label("source"),
            sources.c.reliability,
            mentions.c.id.label("mention_id"),
            mentions.c.status,
            links.c.person_id,
        )
        .join(sources, sources.c.id == reports.c.source_id)
        .outerjoin(mentions, mentions.c.report_id == reports.c.id)
        .outerjoin(links, links.c.mention_id == mentions.c.id)
    )
    conditions = []
    if not chosen.include_superseded:
        conditions.append(current_only())
    if chosen.source:
        conditions.append(reports.c.source_id == chosen.source)
    if chosen.reported_from:
        conditions.append(reports.c.reported_latest >= chosen.reported_from)
    if chosen.reported_to:
        conditions.append(reports.c.reported_earliest <= chosen.reported_to)
    if conditions:
        query = query.where(and_(*conditions))
    return query


def report_page(
    conn: Connection, chosen: ReportFilter, offset: int, limit: int
) -> tuple[list[Any], int]:
    """One page of reports, newest first, and how many match in all."""
    base = report_query(chosen)
    total = int(conn.execute(select(func.count()).select_from(base.subquery())).scalar_one())
    rows = conn.execute(
        base.order_by(
            reports.c.reported_latest.desc().nulls_last(),
            reports.c.received_at.desc(),
            reports.c.id,
        )
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


def report_detail(conn: Connection, report_id: str) -> dict[str, Any] | None:
    """A report with its source, batch, versions, mention and the mention's events."""
    row = conn.execute(
        select(
            reports,
            sources.c.name.label("source"),
            sources.c.source_type,
            sources.c.reliability,
            batches_table.c.file_name.label("batch_file"),
        )
        .join(sources, sources.c.id == reports.c.source_id)
        .outerjoin(batches_table, batches_table.c.id == reports.c.batch_id)
        .where(reports.c.id == report_id)
    ).first()
    if row is None:
        return None
    newer = conn.execute(
        select(reports.c.id, reports.c.reported_on).where(reports.c.supersedes_id == report_id)
    ).first()
    mention = conn.execute(
        select(
            mentions.c.id,
            mentions.c.sex,
            mentions.c.birth_year,
            mentions.c.age,
            mentions.c.origin,
            mentions.c.status,
            mentions.c.status_on,
            mentions.c.flags,
            mentions.c.name_hangul_enc,
            mentions.c.name_latin_enc,
            links.c.person_id,
            links.c.match_probability,
        )
        .outerjoin(links, links.c.mention_id == mentions.c.id)
        .where(mentions.c.report_id == report_id)
    ).first()
    events: list[Any] = []
    if mention is not None:
        events = list(
            conn.execute(
                select(events_table)
                .where(events_table.c.mention_id == mention.id)
                .order_by(events_table.c.date_earliest, events_table.c.id)
            )
        )
    return {"report": row, "superseded_by": newer, "mention": mention, "events": events}
