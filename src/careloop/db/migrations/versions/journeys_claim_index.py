"""journeys: a partial index on due_at of runnable enrollments, for the runner's claim

Revision ID: 4753984159dc
Revises: 9e1f0c2b7a44
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "4753984159dc"
down_revision = "9e1f0c2b7a44"
branch_labels = None
depends_on = None

RUNNABLE = "status IN ('active', 'waiting')"


def upgrade() -> None:
    with op.batch_alter_table("journey_enrollments") as batch:
        batch.create_index(
            "ix_journey_enrollments_runnable_due",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text(RUNNABLE),
            sqlite_where=sa.text(RUNNABLE),
        )


def downgrade() -> None:
    with op.batch_alter_table("journey_enrollments") as batch:
        batch.drop_index("ix_journey_enrollments_runnable_due")
