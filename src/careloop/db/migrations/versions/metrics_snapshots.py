"""metrics: per-shop figure snapshots written by the worker and read by the staff pages

Revision ID: 0dfc09474de4
Revises: 3cee60f71f43
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import careloop.db.migration_types

revision = "0dfc09474de4"
down_revision = "3cee60f71f43"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_snapshots",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("data_version", sa.String(length=64), nullable=False),
        sa.Column(
            "data_as_of", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "computed_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("compute_ms", sa.Integer(), nullable=False),
        sa.Column("shop_orders", sa.Integer(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("read_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "refresh_requested_at",
            careloop.db.migration_types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "claimed_until", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_metric_snapshots_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_snapshots")),
        sa.UniqueConstraint("shop_id", "key", name=op.f("uq_metric_snapshots_shop_id_key")),
    )


def downgrade() -> None:
    op.drop_table("metric_snapshots")
