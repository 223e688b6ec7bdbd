"""The declarative base every table of the store hangs on, and its naming rules.

Why a module of its own: the tables of later rooms live in modules of their own
(`schema_linkage`, `schema_ledger`, …) and `schema` imports them all so that
`Base.metadata` holds every table; they take the base from here, so the imports run one
way.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(36)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, typed as a Table (for insert/update/delete)."""
    return cast(Table, model.__table__)
