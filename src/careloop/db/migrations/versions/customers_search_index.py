"""customers: a substring index for staff search (SQLite FTS5 trigram table kept by
triggers; PostgreSQL pg_trgm GIN index), filled from the stored search keys; segments: a
covering index for the segments page's grid and CLV overview

Revision ID: ab6105ed8c96
Revises: 3cee60f71f43
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import Connection, text

revision = "ab6105ed8c96"
down_revision = "3cee60f71f43"
branch_labels = None
depends_on = None


# Frozen copy of careloop.customers.search_index as it was at this revision: a migration
# must do the same whatever the application code becomes later.
_FTS_TABLE = "customers_search"
_TRIGGERS = ("customers_search_ai", "customers_search_ad", "customers_search_au")
_TRGM_INDEX = "ix_customers_search_trgm"
_SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {_FTS_TABLE} USING fts5(search_key, tokenize='trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS customers_search_ai AFTER INSERT ON customers BEGIN
        INSERT INTO {_FTS_TABLE}(rowid, search_key) VALUES (new.id, new.search_key);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS customers_search_ad AFTER DELETE ON customers BEGIN
        DELETE FROM {_FTS_TABLE} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS customers_search_au AFTER UPDATE OF search_key ON customers
    BEGIN
        DELETE FROM {_FTS_TABLE} WHERE rowid = old.id;
        INSERT INTO {_FTS_TABLE}(rowid, search_key) VALUES (new.id, new.search_key);
    END""",
)
log = logging.getLogger(__name__)


def create_search_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_CREATE:
            conn.execute(text(statement))
        conn.execute(text(f"DELETE FROM {_FTS_TABLE}"))
        conn.execute(
            text(
                f"INSERT INTO {_FTS_TABLE}(rowid, search_key) SELECT id, search_key FROM customers"
            )
        )
    elif conn.dialect.name == "postgresql":
        try:
            with conn.begin_nested():
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except Exception as exc:  # any failure means "not available here"
            log.warning("pg_trgm is not available (%s): customer search will scan", exc)
            return
        conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {_TRGM_INDEX} ON customers"
                " USING gin (search_key gin_trgm_ops)"
            )
        )


def drop_search_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for trigger in _TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        conn.execute(text(f"DROP TABLE IF EXISTS {_FTS_TABLE}"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP INDEX IF EXISTS {_TRGM_INDEX}"))


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
