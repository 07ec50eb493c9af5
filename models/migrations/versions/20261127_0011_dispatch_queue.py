"""dispatch queue

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-27 12:30:27.702425
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["person.id"],
            name=op.f("fk_request_note_author_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_request.id"],
            name=op.f("fk_request_note_request_id_help_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_note")),
    )
    with op.batch_alter_table("request_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_note_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "request_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("offered_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["offered_by_id"],
            ["person.id"],
            name=op.f("fk_request_offer_offered_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_request.id"],
            name=op.f("fk_request_offer_request_id_help_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["person.id"],
            name=op.f("fk_request_offer_volunteer_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_offer")),
    )
    with op.batch_alter_table("request_offer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_offer_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_request_offer_volunteer_id"), ["volunteer_id"], unique=False
        )

    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_tasks", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_column("max_tasks")

    with op.batch_alter_table("request_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_offer_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_request_offer_request_id"))

    op.drop_table("request_offer")
    with op.batch_alter_table("request_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_note_request_id"))

    op.drop_table("request_note")
