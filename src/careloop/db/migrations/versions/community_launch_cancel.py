"""community: a launch can be cancelled (cancelled_at); nightly rule runs

Revision ID: deff86d3c8e6
Revises: 9e1f0c2b7a44
Create Date: 2026-11-23 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import careloop.db.migration_types

revision = "deff86d3c8e6"
down_revision = "9e1f0c2b7a44"
branch_labels = None
depends_on = None


BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "community_rule_runs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column(
            "started_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("named", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_community_rule_runs_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_rule_runs")),
        sa.UniqueConstraint(
            "shop_id",
            "rule",
            "run_date",
            name=op.f("uq_community_rule_runs_shop_id_rule_run_date"),
        ),
    )
    with op.batch_alter_table("community_launches") as batch:
        batch.add_column(
            sa.Column(
                "cancelled_at",
                careloop.db.migration_types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    op.drop_table("community_rule_runs")
    with op.batch_alter_table("community_launches") as batch:
        batch.drop_column("cancelled_at")
