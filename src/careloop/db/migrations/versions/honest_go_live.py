"""journeys enrol only from the moment they are turned on; staff alerts already announced

Revision ID: fe67b2cf9a9d
Revises: 6b1e2f7a9c43
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import careloop.db.migration_types

revision = "fe67b2cf9a9d"
down_revision = "6b1e2f7a9c43"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("journeys") as batch:
        batch.add_column(
            sa.Column(
                "enrol_from", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.create_table(
        "staff_alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "sent_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_staff_alerts_shop_user_key", "staff_alerts", ["shop_id", "user_id", "key", "sent_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_staff_alerts_shop_user_key", table_name="staff_alerts")
    op.drop_table("staff_alerts")
    with op.batch_alter_table("journeys") as batch:
        batch.drop_column("enrol_from")
