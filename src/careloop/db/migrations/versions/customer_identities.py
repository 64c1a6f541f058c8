"""one person is one customer: the other ids a customer is known by (customer_identities)

Revision ID: e8a4dfa5f09b
Revises: a333bdcbf1ec
Create Date: 2026-12-07 05:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e8a4dfa5f09b"
down_revision = "a333bdcbf1ec"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "customer_identities",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("matched_on", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_customer_identities_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_identities_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_identities")),
        sa.UniqueConstraint(
            "shop_id",
            "source",
            "external_id",
            name=op.f("uq_customer_identities_shop_id_source_external_id"),
        ),
    )
    op.create_index(
        "ix_customer_identities_shop_external", "customer_identities", ["shop_id", "external_id"]
    )
    op.create_index(
        op.f("ix_customer_identities_customer_id"), "customer_identities", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_table("customer_identities")
