"""ingest inbox: accepted orders and webhooks are stored first and applied by the worker

Revision ID: fb0dd99274e6
Revises: ca705f8b4ddc
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import careloop.db.migration_types

revision = "fb0dd99274e6"
down_revision = "ca705f8b4ddc"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ingest_inbox",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("order_key", sa.String(length=200), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column(
            "received_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "applied_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_ingest_inbox_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_inbox")),
        sa.UniqueConstraint(
            "shop_id",
            "source",
            "external_id",
            "payload_sha256",
            name=op.f("uq_ingest_inbox_shop_id_source_external_id_payload_sha256"),
        ),
    )
    op.create_index("ix_ingest_inbox_state_id", "ingest_inbox", ["state", "id"])
    op.create_index(
        "ix_ingest_inbox_shop_order_key", "ingest_inbox", ["shop_id", "order_key", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_ingest_inbox_shop_order_key", table_name="ingest_inbox")
    op.drop_index("ix_ingest_inbox_state_id", table_name="ingest_inbox")
    op.drop_table("ingest_inbox")
