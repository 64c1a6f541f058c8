"""journeys: versioned definitions, enrollments, date-scan state

Revision ID: ef2cf44dcd4e
Revises: 0d86ecb60c8d
Create Date: 2026-11-23 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import careloop.db.migration_types

revision = "ef2cf44dcd4e"
down_revision = "0d86ecb60c8d"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _utc(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, careloop.db.migration_types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "journeys",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_journeys_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
        sa.UniqueConstraint(
            "shop_id", "key", "version", name=op.f("uq_journeys_shop_id_key_version")
        ),
    )
    op.create_index("ix_journeys_shop_status", "journeys", ["shop_id", "status"], unique=False)
    op.create_table(
        "journey_enrollments",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("journey_id", ID, nullable=False),
        sa.Column("journey_key", sa.String(length=100), nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("trigger_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step_id", sa.String(length=100), nullable=True),
        _utc("due_at", nullable=True),
        sa.Column("context", JSON, nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        _utc("lease_until", nullable=True),
        sa.Column("fence", sa.Integer(), nullable=False),
        sa.Column("exit_reason", sa.String(length=200), nullable=True),
        _utc("created_at"),
        _utc("updated_at"),
        _utc("finished_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_journey_enrollments_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_enrollments_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_journey_enrollments_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_enrollments")),
        sa.UniqueConstraint(
            "journey_id",
            "customer_id",
            "trigger_key",
            name=op.f("uq_journey_enrollments_journey_id_customer_id_trigger_key"),
        ),
    )
    op.create_index(
        "ix_journey_enrollments_due", "journey_enrollments", ["status", "due_at"], unique=False
    )
    op.create_index(
        "ix_journey_enrollments_customer",
        "journey_enrollments",
        ["shop_id", "customer_id", "status"],
        unique=False,
    )
    op.create_table(
        "journey_scans",
        sa.Column("shop_id", ID, nullable=False),
        _utc("scanned_at"),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_journey_scans_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_journey_scans")),
    )


def downgrade() -> None:
    op.drop_table("journey_scans")
    op.drop_index("ix_journey_enrollments_customer", table_name="journey_enrollments")
    op.drop_index("ix_journey_enrollments_due", table_name="journey_enrollments")
    op.drop_table("journey_enrollments")
    op.drop_index("ix_journeys_shop_status", table_name="journeys")
    op.drop_table("journeys")
