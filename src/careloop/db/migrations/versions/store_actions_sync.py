"""store actions are carried out in the store: each remembers its attempts, when it is
retried and why the store refused

Revision ID: ca705f8b4ddc
Revises: a05f9400be2c
Create Date: 2026-12-07 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ca705f8b4ddc"
down_revision = "a05f9400be2c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_store_actions") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch.create_index("ix_loyalty_store_actions_due", ["status", "next_at"])


def downgrade() -> None:
    with op.batch_alter_table("loyalty_store_actions") as batch:
        batch.drop_index("ix_loyalty_store_actions_due")
        batch.drop_column("error")
        batch.drop_column("next_at")
        batch.drop_column("attempts")
