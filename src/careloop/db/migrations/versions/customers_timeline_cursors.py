"""customers: timeline_cursors, the shared event feed with gap tracking (a late-committing
event is re-read, not skipped); the feedback and support cursors' positions carry over

Revision ID: 89cc39ff1c42
Revises: 3cee60f71f43
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import careloop.db.migration_types

revision = "89cc39ff1c42"
down_revision = "3cee60f71f43"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timeline_cursors",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column(
            "gaps",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "updated_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_timeline_cursors")),
    )
    # The two consumers keep their place: feedback_cursors and support_cursors are no longer
    # read (left for a later clean-up so this revision stays additive).
    for old in ("feedback_cursors", "support_cursors"):
        op.execute(
            sa.text(
                "INSERT INTO timeline_cursors (name, position, gaps, updated_at)"
                f" SELECT name, position, '[]', updated_at FROM {old}"
            )
        )


def downgrade() -> None:
    op.drop_table("timeline_cursors")
