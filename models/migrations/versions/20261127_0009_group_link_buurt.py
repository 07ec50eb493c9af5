"""group link buurt

Revision ID: 0009
Revises: 0012
Create Date: 2026-11-27 12:49:57.613117
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("group_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buurt_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_group_link_buurt_id_buurt"),
            "buurt",
            ["buurt_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("group_link", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_group_link_buurt_id_buurt"), type_="foreignkey")
        batch_op.drop_column("buurt_id")
