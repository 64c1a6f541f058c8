"""web: customers.search_key (folded, for accent-insensitive search), backfilled, indexed

Revision ID: f6d9329f9198
Revises: 9e1f0c2b7a44
Create Date: 2026-11-23 15:45:00
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "f6d9329f9198"
down_revision = "9e1f0c2b7a44"
branch_labels = None
depends_on = None

BATCH = 5000

# Frozen copy of careloop.customers.search_key as it was at this revision: a migration
# must give the same result whatever the application code becomes later.
_KEY_MAX_CHARS = 400
_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "ł": "l", "ø": "o", "æ": "ae"})
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.translate(_LETTERS).lower()).strip()


def customer_search_key(
    *, name: str | None, email: str | None, phone: str | None, external_id: str | None = None
) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    parts = [_fold(name or ""), _fold(email or ""), digits, _fold(external_id or "")]
    return " ".join(p for p in parts if p)[:_KEY_MAX_CHARS]


def upgrade() -> None:
    # The server default only fills existing rows; new rows get the key from the app.
    op.add_column(
        "customers",
        sa.Column("search_key", sa.String(length=400), nullable=False, server_default=""),
    )
    _backfill()
    op.create_index("ix_customers_shop_search", "customers", ["shop_id", "search_key"])


def _backfill() -> None:
    customers = sa.table(
        "customers",
        sa.column("id", sa.BigInteger()),
        sa.column("external_id", sa.String()),
        sa.column("name", sa.String()),
        sa.column("email", sa.String()),
        sa.column("phone", sa.String()),
        sa.column("search_key", sa.String()),
    )
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                customers.c.id,
                customers.c.external_id,
                customers.c.name,
                customers.c.email,
                customers.c.phone,
            )
            .where(customers.c.id > last)
            .order_by(customers.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            sa.update(customers)
            .where(customers.c.id == sa.bindparam("_id"))
            .values(search_key=sa.bindparam("_key")),
            [
                {
                    "_id": r.id,
                    "_key": customer_search_key(
                        name=r.name, email=r.email, phone=r.phone, external_id=r.external_id
                    ),
                }
                for r in rows
            ],
        )
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_customers_shop_search", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("search_key")
