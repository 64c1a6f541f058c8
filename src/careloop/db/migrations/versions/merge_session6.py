"""join the sixth round of capability branches into one head

Revision ID: 6c0e4b7d2a91
Revises: identities, product care, customer messages, reward economics, store codes
Create Date: 2026-12-07 07:10:00
"""

from __future__ import annotations

revision = "6c0e4b7d2a91"
down_revision = (
    "e8a4dfa5f09b",  # customers: linked identities (one person, one customer)
    "0ae2c122c71e",  # products: care catalogue (vi/en guides, warranty months, variants)
    "d50c013735d3",  # customers.gender, campaigns.sms_unaccented
    "fb602c27f7c7",  # coupons: caps, product limits, gift cards; loyalty store actions
    "f41f3f875c4a",  # coupons: store sync state; connectors: store API credentials
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
