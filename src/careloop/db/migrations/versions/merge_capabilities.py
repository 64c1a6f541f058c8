"""join the capability branches into one head

Each capability's first revision branched from the foundation (0d86ecb60c8d) while they
were built side by side; this revision joins them, so new revisions have one parent.

Revision ID: 9e1f0c2b7a44
Revises: audit, channels, community, connectors, feedback, journeys, loyalty, segments, support
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

revision = "9e1f0c2b7a44"
down_revision = (
    "a7d10b5c9e2f",  # audit log
    "434f2eab8b91",  # channels
    "ba1077bad94c",  # community
    "c0ec70a5e1b2",  # connectors
    "fb3d81c4a7e0",  # feedback
    "ef2cf44dcd4e",  # journeys
    "6f423a32d714",  # loyalty
    "2c9870a66e8e",  # segments
    "65c9a3516067",  # support
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
