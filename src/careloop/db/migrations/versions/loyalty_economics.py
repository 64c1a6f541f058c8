"""coupons carry their economics (discount cap, free shipping alongside a percent, product or
category limits, gift-card balance); privileges that need the store record store actions

Revision ID: fb602c27f7c7
Revises: a333bdcbf1ec
Create Date: 2026-12-07 05:45:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "fb602c27f7c7"
down_revision = "a333bdcbf1ec"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Existing coupons keep their behaviour: no cap, no product limit, not a gift card.
    with op.batch_alter_table("coupons") as batch:
        batch.add_column(sa.Column("max_discount_minor", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("free_shipping", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("product_skus", _json(), nullable=True))
        batch.add_column(sa.Column("categories", _json(), nullable=True))
        batch.add_column(sa.Column("balance_minor", sa.BigInteger(), nullable=True))
    op.create_table(
        "loyalty_store_actions",
        sa.Column("id", _id(), nullable=False),
        sa.Column("shop_id", _id(), nullable=False),
        sa.Column("customer_id", _id(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entitlement", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "idempotency_key"),
    )
    op.create_index(
        "ix_loyalty_store_actions_shop_status",
        "loyalty_store_actions",
        ["shop_id", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_loyalty_store_actions_shop_status", table_name="loyalty_store_actions")
    op.drop_table("loyalty_store_actions")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_column("balance_minor")
        batch.drop_column("categories")
        batch.drop_column("product_skus")
        batch.drop_column("free_shipping")
        batch.drop_column("max_discount_minor")
