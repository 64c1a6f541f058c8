"""staff choose the channel their alerts reach them on (email, SMS, Zalo) and its phone

Revision ID: a333bdcbf1ec
Revises: 3d5c1a7e9b20
Create Date: 2026-12-07 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a333bdcbf1ec"
down_revision = "3d5c1a7e9b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("alert_channel", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("alert_phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("alert_phone")
        batch.drop_column("alert_channel")
