"""a shop's product catalogue carries its care data: English guide, warranty months,
variants (parent sku) and related products for cross-sell

Revision ID: 0ae2c122c71e
Revises: a333bdcbf1ec
Create Date: 2026-12-07 05:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0ae2c122c71e"
down_revision = "a333bdcbf1ec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("care_guide_text_en", sa.Text(), nullable=True))
        batch.add_column(sa.Column("care_guide_url_en", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("warranty_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("parent_sku", sa.String(length=128), nullable=True))
        batch.add_column(
            sa.Column(
                "related_skus",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        for name in (
            "updated_at",
            "related_skus",
            "parent_sku",
            "warranty_months",
            "care_guide_url_en",
            "care_guide_text_en",
        ):
            batch.drop_column(name)
