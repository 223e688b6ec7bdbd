"""Alembic environment: RefWatch runs migrations on a connection it passes in."""

from __future__ import annotations

from alembic import context

from refwatch.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
