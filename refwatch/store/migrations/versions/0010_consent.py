"""Consent: per person and per report, with who, when, basis and exception (sealed).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=48), nullable=False),
        sa.Column("person_id", sa.String(length=16), nullable=True),
        sa.Column("report_id", sa.String(length=36), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("exception_level", sa.String(length=16), nullable=True),
        sa.Column("basis_enc", sa.LargeBinary(), nullable=True),
        sa.Column("exception_enc", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_consents_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_consents_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("subject", "revision", name=op.f("uq_consents_subject_revision")),
    )
    op.create_index("ix_consents_person_id", "consents", ["person_id"])
    op.create_index("ix_consents_report_id", "consents", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_consents_report_id", table_name="consents")
    op.drop_index("ix_consents_person_id", table_name="consents")
    op.drop_table("consents")
