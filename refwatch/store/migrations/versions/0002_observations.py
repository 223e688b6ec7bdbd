"""Context observations: dated, sourced figures such as a network's capacity falling.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "observations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("observed_on", sa.String(length=64), nullable=False),
        sa.Column("observed_earliest", sa.Date(), nullable=False),
        sa.Column("observed_latest", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_observations_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
    )


def downgrade() -> None:
    op.drop_table("observations")
