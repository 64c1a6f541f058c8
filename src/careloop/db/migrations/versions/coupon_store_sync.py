"""coupons are created in the shop's store: each coupon's store sync state, and the
connector's store API credentials (encrypted at rest)

Revision ID: f41f3f875c4a
Revises: a333bdcbf1ec
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "f41f3f875c4a"
down_revision = "a333bdcbf1ec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coupons") as batch:
        batch.add_column(sa.Column("store_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("store_platform", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("store_ref", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("store_error", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("store_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("store_next_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_coupons_store_due", ["store_status", "store_next_at"])
    with op.batch_alter_table("connectors") as batch:
        batch.add_column(
            sa.Column(
                "api_credentials",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("connectors") as batch:
        batch.drop_column("api_credentials")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_index("ix_coupons_store_due")
        batch.drop_column("synced_at")
        batch.drop_column("store_next_at")
        batch.drop_column("store_attempts")
        batch.drop_column("store_error")
        batch.drop_column("store_ref")
        batch.drop_column("store_platform")
        batch.drop_column("store_status")
