"""request query indexes

Revision ID: 0017
Revises: 0011
Create Date: 2026-11-27 12:44:18.169431
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_help_request_filed_by_id"), ["filed_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_help_request_queue", ["status", "wijk_id", "window_end_at"], unique=False
        )
        batch_op.create_index(
            "ix_help_request_status_window", ["status", "window_end_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.drop_index("ix_help_request_status_window")
        batch_op.drop_index("ix_help_request_queue")
        batch_op.drop_index(batch_op.f("ix_help_request_filed_by_id"))
