"""consent log

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 12:33:24.446488
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_consent_event_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_event")),
    )
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_event_person_id"), ["person_id"], unique=False)
    # Consent given before the log existed becomes its first entry.
    op.execute(
        "INSERT INTO consent_event (person_id, version, agreed, at) "
        "SELECT id, consent_version, true, consent_at FROM person "
        "WHERE consent_at IS NOT NULL AND consent_version IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_event_person_id"))

    op.drop_table("consent_event")
