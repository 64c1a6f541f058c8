"""channels: message-log indexes (filter by status or journey, newest first; the list of
journeys to filter by)

Revision ID: 3cee60f71f43
Revises: 5e3a9c1d7b20
Create Date: 2026-11-23 17:20:00
"""

from __future__ import annotations

from alembic import op

revision = "3cee60f71f43"
down_revision = "5e3a9c1d7b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_shop_status_created", "messages", ["shop_id", "status", "created_at"]
    )
    op.create_index(
        "ix_messages_shop_journey_created", "messages", ["shop_id", "journey_key", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_messages_shop_journey_created", table_name="messages")
    op.drop_index("ix_messages_shop_status_created", table_name="messages")
