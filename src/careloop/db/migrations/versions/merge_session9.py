"""join the ninth round of branches into one head

Revision ID: 3d7a9c51e0b8
Revises: dropped timeline cursors, ingest inbox
Create Date: 2026-12-07 16:05:00
"""

from __future__ import annotations

revision = "3d7a9c51e0b8"
down_revision = (
    "6cad001d986a",  # feedback_cursors and support_cursors dropped (one timeline consumer)
    "fb0dd99274e6",  # ingest_inbox (durable webhook and API ingest)
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
