"""Writing a linkage result: persons created, versioned and retired; links; kept pairs.

All of it happens in the caller's one transaction, so a run either changes the persons
completely or not at all. Person links are derived data and are rewritten wholesale:
deleting and re-inserting is much faster than updating a million rows one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from refwatch.linkage.persons import person_number
from refwatch.store.bulk import bulk_insert, fetch_tuples
from refwatch.store.schema import Person, PersonLink, table_of
from refwatch.store.schema_linkage import LinkagePair, PersonRetirement

persons = table_of(Person)
links = table_of(PersonLink)
pairs_table = table_of(LinkagePair)
retirements = table_of(PersonRetirement)

CHUNK = 20_000


def next_person_number(conn: Connection) -> int:
    """One more than the highest person id ever issued (retired ones included)."""
    last = conn.execute(select(func.max(persons.c.id))).scalar_one_or_none()
    return 1 if last is None else person_number(str(last)) + 1


def create_persons(conn: Connection, ids: Sequence[str], now: datetime) -> None:
    bulk_insert(conn, persons, [{"id": pid, "created_at": now, "version": 1} for pid in ids])


def bump_versions(conn: Connection, ids: Sequence[str]) -> None:
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        conn.execute(
            update(persons).where(persons.c.id.in_(chunk)).values(version=persons.c.version + 1)
        )


def retire(
    conn: Connection,
    retired: dict[str, str | None],
    *,
    run_id: str | None,
    reason: str,
    now: datetime,
) -> None:
    bulk_insert(
        conn,
        retirements,
        [
            {
                "person_id": pid,
                "retired_at": now,
                "run_id": run_id,
                "successor_id": successor,
                "reason": reason,
            }
            for pid, successor in sorted(retired.items())
        ],
    )


def rewrite_links(
    conn: Connection,
    rows: Sequence[tuple[str, str, float | None]],
    *,
    run_id: str | None,
    now: datetime,
) -> int:
    """Give these mentions these (person, probability) links; leave every other link as is.

    Links of mentions the run did not cover (erased reports) are read, the table emptied
    and everything inserted again: faster than a million single-row updates.
    """
    rewritten = {mention_id for mention_id, _, _ in rows}
    others = [
        mention_id
        for (mention_id,) in fetch_tuples(conn, select(links.c.mention_id))
        if mention_id not in rewritten
    ]
    kept: list[dict[str, Any]] = []
    for start in range(0, len(others), 500):
        chunk = others[start : start + 500]
        kept.extend(
            dict(row._mapping)
            for row in conn.execute(select(links).where(links.c.mention_id.in_(chunk)))
        )
    conn.execute(delete(links))
    bulk_insert(conn, links, kept)
    for start in range(0, len(rows), CHUNK):
        bulk_insert(
            conn,
            links,
            [
                {
                    "mention_id": mention_id,
                    "person_id": person_id,
                    "match_probability": probability,
                    "run_id": run_id,
                    "linked_at": now,
                }
                for mention_id, person_id, probability in rows[start : start + CHUNK]
            ],
        )
    return len(rows)


def replace_pairs(conn: Connection, rows: Iterable[dict[str, Any]]) -> int:
    conn.execute(delete(pairs_table))
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            bulk_insert(conn, pairs_table, batch)
            count += len(batch)
            batch = []
    bulk_insert(conn, pairs_table, batch)
    return count + len(batch)
