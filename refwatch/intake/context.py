"""Evidence that is not a person: sources, context observations and groups of unknown size."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import Connection, Table, insert, select

from refwatch.domain.dates import parse_date
from refwatch.domain.enums import ObservationKind, SourceType
from refwatch.domain.errors import InputError
from refwatch.store import audit
from refwatch.store.ids import new_id
from refwatch.store.schema import Group, Observation, Source, table_of

sources_table, observations_table, groups_table = (
    table_of(Source),
    table_of(Observation),
    table_of(Group),
)


def _created(conn: Connection, table: Table, action: str, actor: str, **values: object) -> str:
    """Insert a row under a new id and audit its creation (`action`); the new id."""
    row_id = new_id()
    conn.execute(insert(table).values(id=row_id, **values))
    audit.log(conn, actor, action, table_name=table.name, record_id=row_id)
    return row_id


def get_or_create_source(conn: Connection, name: str, source_type: str | None, actor: str) -> str:
    if source_type is not None:
        SourceType(source_type)
    found = conn.execute(
        select(sources_table.c.id).where(sources_table.c.name == name)
    ).scalar_one_or_none()
    if found is not None:
        return str(found)
    return _created(
        conn,
        sources_table,
        "source.create",
        actor,
        name=name,
        source_type=source_type,
        reliability=None,
        contact_enc=None,
        created_at=datetime.now(UTC),
    )


def add_observation(
    conn: Connection,
    *,
    source: str,
    source_type: str | None,
    observed_on: str,
    kind: str,
    description: str,
    value: float | None = None,
    unit: str | None = None,
    actor: str,
) -> str:
    """Record a dated, sourced context figure (e.g. a network's capacity down 80%)."""
    if value is not None and not math.isfinite(value):
        raise InputError("the value must be a finite number", column="value", value=str(value))
    try:
        ObservationKind(kind)
    except ValueError:
        raise InputError("unknown observation kind", column="kind", value=kind) from None
    interval = parse_date(observed_on)
    source_id = get_or_create_source(conn, source, source_type, actor)
    return _created(
        conn,
        observations_table,
        "observation.create",
        actor,
        source_id=source_id,
        observed_on=interval.edtf,
        observed_earliest=interval.earliest,
        observed_latest=interval.latest,
        kind=kind,
        value=value,
        unit=unit,
        description=description,
        created_at=datetime.now(UTC),
    )


def add_group(
    conn: Connection,
    *,
    source: str,
    source_type: str | None,
    label: str,
    flags: list[str],
    size_min: int | None,
    size_max: int | None,
    reported_on: str | None,
    description: str | None,
    actor: str,
) -> str:
    """Record a group a source reported, possibly of unknown size (guides detained, number
    undetermined): it is evidence even before any of its members is a person record."""
    if reported_on is not None:
        parse_date(reported_on)
    source_id = get_or_create_source(conn, source, source_type, actor)
    return _created(
        conn,
        groups_table,
        "group.create",
        actor,
        source_id=source_id,
        label=label,
        size_min=size_min,
        size_max=size_max,
        flags=";".join(sorted(flags)),
        reported_on=reported_on,
        description=description,
    )
