"""request escalations

Revision ID: 0013
Revises: 0017
Create Date: 2026-11-27 12:31:16.084507
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("told", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_request.id"],
            name=op.f("fk_request_escalation_request_id_help_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_escalation")),
        sa.UniqueConstraint(
            "request_id", "step", name=op.f("uq_request_escalation_request_id_step")
        ),
    )
    with op.batch_alter_table("request_escalation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_escalation_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("request_escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_escalation_request_id"))

    op.drop_table("request_escalation")
