"""customers: a substring index for staff search (SQLite FTS5 trigram table kept by
triggers; PostgreSQL pg_trgm GIN index), filled from the stored search keys; segments: a
covering index for the segments page's grid and CLV overview

Revision ID: ab6105ed8c96
Revises: 3cee60f71f43
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

from alembic import op

from careloop.customers.search_index import create_search_index, drop_search_index

revision = "ab6105ed8c96"
down_revision = "3cee60f71f43"
branch_labels = None
depends_on = None


GRID_COLUMNS = [
    "shop_id",
    "r_score",
    "f_score",
    "monetary_minor",
    "predicted_clv_minor",
    "p_alive",
    "computed_at",
]


def upgrade() -> None:
    create_search_index(op.get_bind())
    op.create_index("ix_customer_segments_shop_grid", "customer_segments", GRID_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_customer_segments_shop_grid", table_name="customer_segments")
    drop_search_index(op.get_bind())
