"""join the third round of capability branches into one head

Revision ID: 5e3a9c1d7b20
Revises: community launch cancel, feedback surveys, journeys claim index, delivery address,
    metrics speed indexes (after web search key)
Create Date: 2026-11-23 17:20:00
"""

from __future__ import annotations

revision = "5e3a9c1d7b20"
down_revision = (
    "deff86d3c8e6",  # community: launch cancel, rule runs
    "f3b8d21c6a90",  # feedback: custom surveys, review requests
    "4753984159dc",  # journeys: runnable-due claim index
    "3579402c7f0f",  # orders: delivery address (loyalty referrals)
    "7f7fa32c8148",  # metrics speed indexes, after the customers' search key
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
