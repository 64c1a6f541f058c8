"""join the fourth round of capability branches into one head

Revision ID: 6b1e2f7a9c43
Revises: figure snapshots, timeline event cursors, customer search index
Create Date: 2026-11-23 19:00:00
"""

from __future__ import annotations

revision = "6b1e2f7a9c43"
down_revision = (
    "0dfc09474de4",  # metrics: figure snapshots
    "89cc39ff1c42",  # customers: timeline event cursors with gap tracking
    "ab6105ed8c96",  # customers: search index (FTS5 trigram / pg_trgm), segments grid index
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
