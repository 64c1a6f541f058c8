"""channels: per-shop, per-channel "not before" set by providers' rate limits and quotas

Revision ID: 49a68e0f7bf4
Revises: 6b1e2f7a9c43
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import careloop.db.migration_types

revision = "49a68e0f7bf4"
down_revision = "6b1e2f7a9c43"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_throttles",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column(
            "not_before", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "updated_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_channel_throttles_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_throttles")),
        sa.UniqueConstraint(
            "shop_id", "channel", name=op.f("uq_channel_throttles_shop_id_channel")
        ),
    )


def downgrade() -> None:
    op.drop_table("channel_throttles")
