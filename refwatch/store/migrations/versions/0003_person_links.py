"""Person links: the mention-to-person assignment moves out of the evidence table.

Linkage re-runs change which person a mention belongs to; keeping that in its own table
leaves `mentions` append-only. Existing assignments are carried over both ways.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_links",
        sa.Column("mention_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=16), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_person_links_mention_id_mentions")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_links_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("mention_id", name=op.f("pk_person_links")),
    )
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.create_index("ix_person_links_person", ["person_id"], unique=False)
    links = sa.table(
        "person_links",
        sa.column("mention_id", sa.String),
        sa.column("person_id", sa.String),
        sa.column("linked_at", sa.DateTime(timezone=True)),
    )
    mentions = sa.table("mentions", sa.column("id", sa.String), sa.column("person_id", sa.String))
    rows = op.get_bind().execute(sa.select(mentions.c.id, mentions.c.person_id)).all()
    now = datetime.now(UTC)
    if rows:
        op.bulk_insert(
            links, [{"mention_id": r.id, "person_id": r.person_id, "linked_at": now} for r in rows]
        )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_mentions_person")
        batch_op.drop_constraint("fk_mentions_person_id_persons", type_="foreignkey")
        batch_op.drop_column("person_id")


def downgrade() -> None:
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.String(length=16), nullable=True))
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE mentions SET person_id = "
            "(SELECT person_id FROM person_links WHERE person_links.mention_id = mentions.id)"
        )
    )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_foreign_key(
            "fk_mentions_person_id_persons", "persons", ["person_id"], ["id"]
        )
        batch_op.create_index("ix_mentions_person", ["person_id"], unique=False)
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.drop_index("ix_person_links_person")
    op.drop_table("person_links")
