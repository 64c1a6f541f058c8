"""a catalogue product remembers the store's own ids (Shopify/Haravan/Sapo product and variant
id), so a code limited to skus is created in the store limited to those products

Revision ID: a05f9400be2c
Revises: 6c0e4b7d2a91
Create Date: 2026-12-07 07:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a05f9400be2c"
down_revision = "6c0e4b7d2a91"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("store_product_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("store_variant_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("store_variant_id")
        batch.drop_column("store_product_id")
