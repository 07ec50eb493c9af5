"""index requests by creation (covering, for /stats)

Revision ID: 0018
Revises: 0010
Create Date: 2026-11-27 13:50:16.693135
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_help_request_stats",
            ["created_at", "wijk_id", "category", "status", "claimed_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.drop_index("ix_help_request_stats")
