"""community: campaigns and outbox, launches, events, groups, ambassadors, UGC

Revision ID: ba1077bad94c
Revises: 0d86ecb60c8d
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import careloop.db.migration_types

revision = "ba1077bad94c"
down_revision = "0d86ecb60c8d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_campaigns",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "audience",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("send_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "materialized_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "finished_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_campaigns_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_campaigns")),
    )
    op.create_index(
        "ix_community_campaigns_shop_status",
        "community_campaigns",
        ["shop_id", "status"],
        unique=False,
    )
    op.create_table(
        "community_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=False),
        sa.Column(
            "starts_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "ends_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column(
            "segments",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("seat_reward", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "invites_queued_at",
            careloop.db.migration_types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "reminders_queued_at",
            careloop.db.migration_types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "thanks_queued_at",
            careloop.db.migration_types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "created_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_events_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_events")),
    )
    op.create_index(
        op.f("ix_community_events_shop_id"), "community_events", ["shop_id"], unique=False
    )
    op.create_table(
        "community_groups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("invite_url", sa.String(length=500), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column(
            "segments",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_groups_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_groups")),
        sa.UniqueConstraint(
            "shop_id", "platform", "name", name=op.f("uq_community_groups_shop_id_platform_name")
        ),
    )
    op.create_table(
        "community_launches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("offer", sa.String(length=16), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column(
            "segments",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "early_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "public_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "invites_queued_at",
            careloop.db.migration_types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "created_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_launches_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_launches")),
    )
    op.create_index(
        op.f("ix_community_launches_shop_id"), "community_launches", ["shop_id"], unique=False
    )
    op.create_table(
        "community_ambassadors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column(
            "breakdown",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("coupon_code", sa.String(length=32), nullable=True),
        sa.Column(
            "named_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_community_ambassadors_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_ambassadors_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_ambassadors")),
        sa.UniqueConstraint(
            "shop_id", "customer_id", name=op.f("uq_community_ambassadors_shop_id_customer_id")
        ),
    )
    op.create_table(
        "community_group_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "joined_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("activity_count", sa.Integer(), nullable=False),
        sa.Column(
            "last_active_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_community_group_members_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["community_groups.id"],
            name=op.f("fk_community_group_members_group_id_community_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_group_members_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_group_members")),
        sa.UniqueConstraint(
            "group_id", "customer_id", name=op.f("uq_community_group_members_group_id_customer_id")
        ),
    )
    op.create_index(
        op.f("ix_community_group_members_customer_id"),
        "community_group_members",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "community_launch_invites",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "launch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column(
            "invited_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "opened_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "claimed_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "bought_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("coupon_code", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_community_launch_invites_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["community_launches.id"],
            name=op.f("fk_community_launch_invites_launch_id_community_launches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_launch_invites_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_launch_invites")),
        sa.UniqueConstraint(
            "launch_id",
            "customer_id",
            name=op.f("uq_community_launch_invites_launch_id_customer_id"),
        ),
    )
    op.create_index(
        op.f("ix_community_launch_invites_customer_id"),
        "community_launch_invites",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "community_rsvps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("used_seat_reward", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "promoted_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "checked_in_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_community_rsvps_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["community_events.id"],
            name=op.f("fk_community_rsvps_event_id_community_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_rsvps_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_rsvps")),
        sa.UniqueConstraint(
            "event_id", "customer_id", name=op.f("uq_community_rsvps_event_id_customer_id")
        ),
    )
    op.create_index(
        op.f("ix_community_rsvps_customer_id"), "community_rsvps", ["customer_id"], unique=False
    )
    op.create_index(
        "ix_community_rsvps_event_status", "community_rsvps", ["event_id", "status"], unique=False
    )
    op.create_table(
        "community_sends",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.BigInteger(), nullable=False),
        sa.Column("template_key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(length=500), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "decided_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_community_sends_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_sends_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_sends")),
        sa.UniqueConstraint(
            "shop_id", "idempotency_key", name=op.f("uq_community_sends_shop_id_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_community_sends_customer_id"), "community_sends", ["customer_id"], unique=False
    )
    op.create_index("ix_community_sends_due", "community_sends", ["status", "due_at"], unique=False)
    op.create_index(
        "ix_community_sends_source",
        "community_sends",
        ["shop_id", "source", "ref_id"],
        unique=False,
    )
    op.create_table(
        "community_ugc_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("entry_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column(
            "recorded_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_community_ugc_entries_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_ugc_entries_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_ugc_entries")),
        sa.UniqueConstraint(
            "shop_id", "entry_key", name=op.f("uq_community_ugc_entries_shop_id_entry_key")
        ),
    )
    op.create_index(
        op.f("ix_community_ugc_entries_customer_id"),
        "community_ugc_entries",
        ["customer_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_community_ugc_entries_customer_id"), table_name="community_ugc_entries")
    op.drop_table("community_ugc_entries")
    op.drop_index("ix_community_sends_source", table_name="community_sends")
    op.drop_index("ix_community_sends_due", table_name="community_sends")
    op.drop_index(op.f("ix_community_sends_customer_id"), table_name="community_sends")
    op.drop_table("community_sends")
    op.drop_index("ix_community_rsvps_event_status", table_name="community_rsvps")
    op.drop_index(op.f("ix_community_rsvps_customer_id"), table_name="community_rsvps")
    op.drop_table("community_rsvps")
    op.drop_index(
        op.f("ix_community_launch_invites_customer_id"), table_name="community_launch_invites"
    )
    op.drop_table("community_launch_invites")
    op.drop_index(
        op.f("ix_community_group_members_customer_id"), table_name="community_group_members"
    )
    op.drop_table("community_group_members")
    op.drop_table("community_ambassadors")
    op.drop_index(op.f("ix_community_launches_shop_id"), table_name="community_launches")
    op.drop_table("community_launches")
    op.drop_table("community_groups")
    op.drop_index(op.f("ix_community_events_shop_id"), table_name="community_events")
    op.drop_table("community_events")
    op.drop_index("ix_community_campaigns_shop_status", table_name="community_campaigns")
    op.drop_table("community_campaigns")
