"""loyalty: program, members, points ledger, coupons, entitlements, referrals

Revision ID: 6f423a32d714
Revises: 0d86ecb60c8d
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import careloop.db.migration_types

revision = "6f423a32d714"
down_revision = "0d86ecb60c8d"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "loyalty_programs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "started_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "tracking_since", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("swept_on", sa.Date(), nullable=True),
        sa.Column(
            "updated_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_loyalty_programs_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_programs")),
        sa.UniqueConstraint("shop_id", name=op.f("uq_loyalty_programs_shop_id")),
    )
    op.create_table(
        "coupons",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("amount_off_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), nullable=False),
        sa.Column("min_order_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "expires_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "revoked_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_coupons_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_coupons_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("shop_id", "code", name=op.f("uq_coupons_shop_id_code")),
        sa.UniqueConstraint(
            "shop_id", "idempotency_key", name=op.f("uq_coupons_shop_id_idempotency_key")
        ),
    )
    op.create_index("ix_coupons_shop_customer", "coupons", ["shop_id", "customer_id"], unique=False)
    op.create_table(
        "loyalty_entitlements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column(
            "granted_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("used_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_loyalty_entitlements_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_loyalty_entitlements_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_entitlements")),
        sa.UniqueConstraint(
            "shop_id",
            "idempotency_key",
            name=op.f("uq_loyalty_entitlements_shop_id_idempotency_key"),
        ),
    )
    op.create_index(
        "ix_loyalty_entitlements_customer",
        "loyalty_entitlements",
        ["customer_id", "key"],
        unique=False,
    )
    op.create_table(
        "loyalty_ledger",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("lot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "expires_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("order_ref", sa.String(length=128), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column(
            "occurred_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_loyalty_ledger_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["loyalty_ledger.id"],
            name=op.f("fk_loyalty_ledger_lot_id_loyalty_ledger"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_loyalty_ledger_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_ledger")),
        sa.UniqueConstraint(
            "shop_id", "idempotency_key", name=op.f("uq_loyalty_ledger_shop_id_idempotency_key")
        ),
    )
    op.create_index(
        "ix_loyalty_ledger_customer", "loyalty_ledger", ["customer_id", "id"], unique=False
    )
    op.create_index(op.f("ix_loyalty_ledger_lot_id"), "loyalty_ledger", ["lot_id"], unique=False)
    op.create_index(
        "ix_loyalty_ledger_shop_expiry", "loyalty_ledger", ["shop_id", "expires_at"], unique=False
    )
    op.create_table(
        "loyalty_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column(
            "tier_since", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "below_tier_since",
            careloop.db.migration_types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "joined_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_loyalty_members_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_loyalty_members_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_members")),
        sa.UniqueConstraint(
            "shop_id", "customer_id", name=op.f("uq_loyalty_members_shop_id_customer_id")
        ),
    )
    op.create_index(
        "ix_loyalty_members_shop_tier", "loyalty_members", ["shop_id", "tier"], unique=False
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "advocate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "friend_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "hold_reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("order_ref", sa.String(length=128), nullable=True),
        sa.Column(
            "created_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "converted_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "reviewed_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("reviewed_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["customers.id"],
            name=op.f("fk_referrals_advocate_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["friend_id"],
            ["customers.id"],
            name=op.f("fk_referrals_friend_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_referrals_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("shop_id", "friend_id", name=op.f("uq_referrals_shop_id_friend_id")),
    )
    op.create_index(
        "ix_referrals_advocate_created", "referrals", ["advocate_id", "created_at"], unique=False
    )
    op.create_index("ix_referrals_shop_status", "referrals", ["shop_id", "status"], unique=False)
    op.create_table(
        "coupon_redemptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "coupon_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("order_ref", sa.String(length=128), nullable=True),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column(
            "redeemed_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"],
            ["coupons.id"],
            name=op.f("fk_coupon_redemptions_coupon_id_coupons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_coupon_redemptions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_coupon_redemptions_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_redemptions")),
        sa.UniqueConstraint(
            "shop_id", "idempotency_key", name=op.f("uq_coupon_redemptions_shop_id_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_coupon_redemptions_coupon_id"), "coupon_redemptions", ["coupon_id"], unique=False
    )
    op.create_table(
        "loyalty_processed_events",
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "processed_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["timeline_events.id"],
            name=op.f("fk_loyalty_processed_events_event_id_timeline_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_loyalty_processed_events_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_loyalty_processed_events")),
    )
    op.create_index(
        op.f("ix_loyalty_processed_events_shop_id"),
        "loyalty_processed_events",
        ["shop_id"],
        unique=False,
    )


def downgrade() -> None:

    op.drop_index(
        op.f("ix_loyalty_processed_events_shop_id"), table_name="loyalty_processed_events"
    )
    op.drop_table("loyalty_processed_events")
    op.drop_index(op.f("ix_coupon_redemptions_coupon_id"), table_name="coupon_redemptions")
    op.drop_table("coupon_redemptions")
    op.drop_index("ix_referrals_shop_status", table_name="referrals")
    op.drop_index("ix_referrals_advocate_created", table_name="referrals")
    op.drop_table("referrals")
    op.drop_index("ix_loyalty_members_shop_tier", table_name="loyalty_members")
    op.drop_table("loyalty_members")
    op.drop_index("ix_loyalty_ledger_shop_expiry", table_name="loyalty_ledger")
    op.drop_index(op.f("ix_loyalty_ledger_lot_id"), table_name="loyalty_ledger")
    op.drop_index("ix_loyalty_ledger_customer", table_name="loyalty_ledger")
    op.drop_table("loyalty_ledger")
    op.drop_index("ix_loyalty_entitlements_customer", table_name="loyalty_entitlements")
    op.drop_table("loyalty_entitlements")
    op.drop_index("ix_coupons_shop_customer", table_name="coupons")
    op.drop_table("coupons")
    op.drop_table("loyalty_programs")
