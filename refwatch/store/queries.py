"""The queries every room needs: the current evidence, with each mention's person.

"Current" means not superseded by a later version of the same record (a correction
replaces what a report says without erasing that it once said otherwise) and not erased
on a lawful request (see `refwatch.intake.deletion`).
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, Select, Table, func, select

from refwatch.store.schema import Group, Mention, PersonLink, Report, Source, table_of
from refwatch.store.schema_deletion import ReportDeletion

mentions = table_of(Mention)
reports = table_of(Report)
sources = table_of(Source)
groups = table_of(Group)
links = table_of(PersonLink)
deletions = table_of(ReportDeletion)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    Made = TypeVar("Made", bound=DataclassInstance)
else:
    Made = TypeVar("Made")


def from_row(kind: type[Made], row: Any, **changed: Any) -> Made:
    """A `kind` (a dataclass) from a row whose columns carry its field names: each field
    is the row's column of that name, but for the fields given in `changed` (a value that
    changes form, or one the row does not hold). Other columns of the row are ignored."""
    columns = row._mapping
    return kind(
        **{f.name: columns[f.name] for f in fields(kind) if f.name not in changed}, **changed
    )


def not_superseded(table: Table) -> ColumnElement[bool]:
    """The condition that a row of `table` (reports or mentions) is current: no later
    version of it names it in `supersedes_id`. Written once, since every room that reads
    evidence must leave the replaced versions out the same way."""
    newer = table.alias("newer")
    return ~select(newer.c.id).where(newer.c.supersedes_id == table.c.id).exists()


def latest_of_each(
    table: Table, key: str, version: str, where: ColumnElement[bool] | None = None
) -> Select[Any]:
    """Every row of an append-only `table` that is the highest `version` of its `key`
    (a consent's latest revision, a person's latest edit), among the rows `where` keeps."""
    newest = select(table.c[key], func.max(table.c[version]).label(version))
    if where is not None:
        newest = newest.where(where)
    latest = newest.group_by(table.c[key]).subquery()
    return select(table).join(
        latest, (latest.c[key] == table.c[key]) & (latest.c[version] == table.c[version])
    )


def current_mentions() -> Select[tuple[object, ...]]:
    """Current mentions with their person, report, source and group label."""
    return (
        select(
            mentions,
            links.c.person_id,
            links.c.match_probability,
            reports.c.record_id,
            reports.c.reported_on,
            reports.c.reported_earliest,
            reports.c.reported_latest,
            sources.c.id.label("source_id"),
            sources.c.name.label("source"),
            sources.c.source_type,
            groups.c.label.label("group_label"),
        )
        .join(links, links.c.mention_id == mentions.c.id)
        .join(reports, reports.c.id == mentions.c.report_id)
        .join(sources, sources.c.id == reports.c.source_id)
        .outerjoin(groups, groups.c.id == mentions.c.group_id)
        .where(not_superseded(mentions))
        .where(~select(deletions.c.report_id).where(deletions.c.report_id == reports.c.id).exists())
    )
