"""Media for announcements and activities: a photo or file by its Telegram file_id

Revision ID: 0012
Revises: 0013
Create Date: 2026-11-27 12:30:58.127877
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_file_id", sa.String(length=200), nullable=True))

    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_kind", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("file_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_column("file_id")
        batch_op.drop_column("media_kind")

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("photo_file_id")
