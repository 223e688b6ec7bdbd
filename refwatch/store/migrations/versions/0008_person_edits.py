"""Person edits: a researcher's pinned status, with reason (sealed) and history.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_edits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pinned_status", sa.String(length=16), nullable=True),
        sa.Column("as_of", sa.String(length=64), nullable=True),
        sa.Column("as_of_earliest", sa.Date(), nullable=True),
        sa.Column("as_of_latest", sa.Date(), nullable=True),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_edits_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_edits")),
        sa.UniqueConstraint("person_id", "version", name=op.f("uq_person_edits_person_id_version")),
    )


def downgrade() -> None:
    op.drop_table("person_edits")
