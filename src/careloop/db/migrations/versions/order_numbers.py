"""order numbers: the number a shop and its customers know an order by (Shopify's "#1001")

Revision ID: 5be2c7a91d04
Revises: 3d7a9c51e0b8
Create Date: 2026-12-07 19:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5be2c7a91d04"
down_revision = "3d7a9c51e0b8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("number", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("number")
