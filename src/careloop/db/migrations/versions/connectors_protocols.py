"""connectors: Haravan verify token, disabled (app uninstalled), shop data deletion due

Revision ID: 2a5346c1dddb
Revises: 6b1e2f7a9c43
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import careloop.db.migration_types

revision = "2a5346c1dddb"
down_revision = "6b1e2f7a9c43"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verify_token", sa.String(length=256), nullable=True))
        batch_op.add_column(
            sa.Column(
                "disabled_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("disabled_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column(
                "data_deletion_due_at",
                careloop.db.migration_types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.drop_column("data_deletion_due_at")
        batch_op.drop_column("disabled_reason")
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("verify_token")
