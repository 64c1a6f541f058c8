"""orders: the delivery address (as sent, and normalised for the referral check)

Revision ID: 3579402c7f0f
Revises: 9e1f0c2b7a44
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3579402c7f0f"
down_revision = "9e1f0c2b7a44"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("shipping_address", sa.Text(), nullable=True))
        batch.add_column(sa.Column("shipping_address_key", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("shipping_address_key")
        batch.drop_column("shipping_address")
