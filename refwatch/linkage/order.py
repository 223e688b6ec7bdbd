"""One order of the current mentions that every workspace holding the same lists agrees on.

Why: mention ids are random (`refwatch.store.ids`; within one millisecond of an import
their order is a coin toss), and a database returns rows in whatever order it likes. A
linkage run that numbered its rows by mention id, or an estimate that drew its random
numbers in the order the stored pairs came back, gave another answer after every
re-import or re-run of the same lists (issue 12): which rows Splink's hash-based samples
pick, which of two equally strong pairs clustering joins first, and which pair each
random number of a drawn clustering falls on all follow the order.

The order is that of the reports: by source name, record id (unique among a source's
current mentions) and date reported; what is still tied (a list without record ids) is
ordered by what the mentions say (the caller's evidence) and, last, by the mention id.
Not by the row in the list: the same list sorted another way is the same evidence.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from refwatch.store.bulk import fetch_tuples
from refwatch.store.queries import current_mentions, mentions, reports, sources

ReportKey = tuple[str, str, str]
"""(source name, record id, date reported as written); "" for none."""


def report_key(source: Any, record_id: Any, reported_on: Any) -> ReportKey:
    """The sort key of one mention's report (None sorts first, as "")."""
    return (str(source or ""), str(record_id or ""), str(reported_on or ""))


def report_keys(conn: Connection) -> dict[str, ReportKey]:
    """Mention id -> `report_key` of every current mention."""
    query = current_mentions().with_only_columns(
        mentions.c.id,
        sources.c.name,
        reports.c.record_id,
        reports.c.reported_on,
    )
    # Plain tuples from the driver: a row object per mention cost a second at a million.
    return {
        str(mention_id): report_key(source, record_id, reported_on)
        for mention_id, source, record_id, reported_on in fetch_tuples(conn, query)
    }
