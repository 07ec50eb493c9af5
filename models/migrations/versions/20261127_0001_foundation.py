"""foundation: areas, people, roles, conversations

Revision ID: 0001
Revises:
Create Date: 2026-11-27 09:41:18.443253
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_conversation_state")),
    )
    op.create_table(
        "flow_data",
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_flow_data")),
    )
    op.create_table(
        "wijk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.Column("min_lon", sa.Double(), nullable=True),
        sa.Column("min_lat", sa.Double(), nullable=True),
        sa.Column("max_lon", sa.Double(), nullable=True),
        sa.Column("max_lat", sa.Double(), nullable=True),
        sa.Column("center_lon", sa.Double(), nullable=True),
        sa.Column("center_lat", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wijk")),
        sa.UniqueConstraint("code", name=op.f("uq_wijk_code")),
    )
    op.create_table(
        "buurt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("wijk_id", sa.Integer(), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.Column("min_lon", sa.Double(), nullable=True),
        sa.Column("min_lat", sa.Double(), nullable=True),
        sa.Column("max_lon", sa.Double(), nullable=True),
        sa.Column("max_lat", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["wijk_id"], ["wijk.id"], name=op.f("fk_buurt_wijk_id_wijk"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buurt")),
        sa.UniqueConstraint("code", name=op.f("uq_buurt_code")),
    )
    with op.batch_alter_table("buurt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buurt_wijk_id"), ["wijk_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("home_wijk_id", sa.Integer(), nullable=True),
        sa.Column("home_buurt_id", sa.Integer(), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_version", sa.String(length=32), nullable=True),
        sa.Column("blocked_bot", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_buurt_id"],
            ["buurt.id"],
            name=op.f("fk_person_home_buurt_id_buurt"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["home_wijk_id"],
            ["wijk.id"],
            name=op.f("fk_person_home_wijk_id_wijk"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_person_telegram_id")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_home_wijk_id"), ["home_wijk_id"], unique=False)

    op.create_table(
        "role_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("wijk_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_role_assignment_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wijk_id"],
            ["wijk.id"],
            name=op.f("fk_role_assignment_wijk_id_wijk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignment")),
        sa.UniqueConstraint(
            "person_id", "role", "wijk_id", name=op.f("uq_role_assignment_person_id_role_wijk_id")
        ),
    )
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_assignment_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_assignment_person_id"))

    op.drop_table("role_assignment")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_home_wijk_id"))

    op.drop_table("person")
    with op.batch_alter_table("buurt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buurt_wijk_id"))

    op.drop_table("buurt")
    op.drop_table("wijk")
    op.drop_table("flow_data")
    op.drop_table("conversation_state")
