"""join the fifth round of capability branches into one head

Revision ID: 3d5c1a7e9b20
Revises: connector protocols, channel throttles, staff sessions and secrets, honest go-live
Create Date: 2026-12-07 04:30:00
"""

from __future__ import annotations

revision = "3d5c1a7e9b20"
down_revision = (
    "2a5346c1dddb",  # connectors: verify token, disabled, shop data deletion due
    "49a68e0f7bf4",  # channels: per-shop per-channel throttles (Retry-After, quotas)
    "7cd06c623967",  # shops: staff sessions, invitations; secrets widened for encryption
    "fe67b2cf9a9d",  # journeys: enrol_from; staff alerts
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
