"""the dead timeline cursor tables are gone: feedback and support read the timeline through
customers/event_feed.py (timeline_cursors), so feedback_cursors and support_cursors, no
longer read or written by anything, are dropped (docs/decisions/0023)

Revision ID: 6cad001d986a
Revises: ca705f8b4ddc
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "6cad001d986a"
down_revision = "ca705f8b4ddc"
branch_labels = None
depends_on = None

_DEAD = ("feedback_cursors", "support_cursors")


def upgrade() -> None:
    for name in _DEAD:
        op.drop_table(name)


def downgrade() -> None:
    for name in _DEAD:
        op.create_table(
            name,
            sa.Column("name", sa.String(length=64), nullable=False),
            sa.Column("position", sa.BigInteger(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("name", name=f"pk_{name}"),
        )
