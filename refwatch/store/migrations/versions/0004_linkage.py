"""Record linkage: runs, saved settings, human decisions (must-link / cannot-link).

Adds the runs (with their declarative settings), the scored pairs of the latest run, the
reviewers' decisions and the retirements of person ids. Existing person links are left
as they are: until linkage runs, each mention stays its own person.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linkage_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_runs")),
    )
    op.create_table(
        "linkage_pairs",
        sa.Column("mention_a", sa.String(length=36), nullable=False),
        sa.Column("mention_b", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("tf_weight", sa.Float(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_a"], ["mentions.id"], name=op.f("fk_linkage_pairs_mention_a_mentions")
        ),
        sa.ForeignKeyConstraint(
            ["mention_b"], ["mentions.id"], name=op.f("fk_linkage_pairs_mention_b_mentions")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_runs.id"], name=op.f("fk_linkage_pairs_run_id_linkage_runs")
        ),
        sa.PrimaryKeyConstraint("mention_a", "mention_b", name=op.f("pk_linkage_pairs")),
    )
    with op.batch_alter_table("linkage_pairs", schema=None) as batch_op:
        batch_op.create_index("ix_linkage_pairs_mention_b", ["mention_b"], unique=False)

    op.create_table(
        "linkage_decisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mention_a", sa.String(length=36), nullable=False),
        sa.Column("mention_b", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("operation_id", sa.String(length=36), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["mention_a"], ["mentions.id"], name=op.f("fk_linkage_decisions_mention_a_mentions")
        ),
        sa.ForeignKeyConstraint(
            ["mention_b"], ["mentions.id"], name=op.f("fk_linkage_decisions_mention_b_mentions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_decisions")),
    )
    with op.batch_alter_table("linkage_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_linkage_decisions_pair", ["mention_a", "mention_b"], unique=False
        )
        batch_op.create_index("ix_linkage_decisions_mention_b", ["mention_b"], unique=False)

    op.create_table(
        "person_retirements",
        sa.Column("person_id", sa.String(length=16), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("successor_id", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_retirements_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_retirements")),
    )


def downgrade() -> None:
    op.drop_table("person_retirements")
    with op.batch_alter_table("linkage_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_linkage_decisions_mention_b")
        batch_op.drop_index("ix_linkage_decisions_pair")

    op.drop_table("linkage_decisions")
    with op.batch_alter_table("linkage_pairs", schema=None) as batch_op:
        batch_op.drop_index("ix_linkage_pairs_mention_b")

    op.drop_table("linkage_pairs")
    op.drop_table("linkage_runs")
