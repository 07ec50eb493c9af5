"""infopoints, outbox taken_at, request check-ins

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:24:57.977557
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "infopoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("house_number", sa.String(length=20), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("wijk_id", sa.Integer(), nullable=True),
        sa.Column("buurt_id", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("opening_hours", sa.Text(), nullable=False),
        sa.Column("hours_note", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("wheelchair", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("checked_at", sa.Date(), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buurt_id"],
            ["buurt.id"],
            name=op.f("fk_infopoint_buurt_id_buurt"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["wijk_id"], ["wijk.id"], name=op.f("fk_infopoint_wijk_id_wijk"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infopoint")),
        sa.UniqueConstraint("key", name=op.f("uq_infopoint_key")),
    )
    with op.batch_alter_table("infopoint", schema=None) as batch_op:
        batch_op.create_index("ix_infopoint_lat_lon", ["latitude", "longitude"], unique=False)
        batch_op.create_index(batch_op.f("ix_infopoint_wijk_id"), ["wijk_id"], unique=False)

    op.create_table(
        "infopoint_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("infopoint_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["infopoint_id"],
            ["infopoint.id"],
            name=op.f("fk_infopoint_report_infopoint_id_infopoint"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_infopoint_report_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infopoint_report")),
    )
    with op.batch_alter_table("infopoint_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_infopoint_report_infopoint_id"), ["infopoint_id"], unique=False
        )

    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("checkins_sent", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("taken_at")

    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.drop_column("checkins_sent")

    with op.batch_alter_table("infopoint_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_infopoint_report_infopoint_id"))

    op.drop_table("infopoint_report")
    with op.batch_alter_table("infopoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_infopoint_wijk_id"))
        batch_op.drop_index("ix_infopoint_lat_lon")

    op.drop_table("infopoint")
