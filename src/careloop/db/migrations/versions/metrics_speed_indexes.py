"""metrics: covering order indexes for the KPIs, timelines by time, live customers

Revision ID: 7f7fa32c8148
Revises: f6d9329f9198
Create Date: 2026-11-23 16:50:00
"""

from __future__ import annotations

from alembic import op

revision = "7f7fa32c8148"
down_revision = "f6d9329f9198"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_customers_shop_erased", "customers", ["shop_id", "erased_at"])
    op.create_index(
        "ix_orders_shop_customer_sale",
        "orders",
        ["shop_id", "customer_id", "placed_at", "id", "status", "total_minor"],
    )
    op.create_index(
        "ix_orders_shop_placed_sale",
        "orders",
        ["shop_id", "placed_at", "status", "customer_id", "total_minor"],
    )
    op.create_index("ix_timeline_shop_time", "timeline_events", ["shop_id", "occurred_at", "id"])
    op.create_index(
        "ix_timeline_shop_customer_time",
        "timeline_events",
        ["shop_id", "customer_id", "occurred_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_timeline_shop_customer_time", table_name="timeline_events")
    op.drop_index("ix_timeline_shop_time", table_name="timeline_events")
    op.drop_index("ix_orders_shop_placed_sale", table_name="orders")
    op.drop_index("ix_orders_shop_customer_sale", table_name="orders")
    op.drop_index("ix_customers_shop_erased", table_name="customers")
