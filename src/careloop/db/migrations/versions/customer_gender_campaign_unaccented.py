"""customers record a gender for forms of address (anh/chị); campaigns may send SMS unaccented

Revision ID: d50c013735d3
Revises: a333bdcbf1ec
Create Date: 2026-12-07 05:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d50c013735d3"
down_revision = "a333bdcbf1ec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("gender", sa.String(length=16), nullable=True))
    with op.batch_alter_table("community_campaigns") as batch:
        batch.add_column(
            sa.Column("sms_unaccented", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("community_campaigns") as batch:
        batch.drop_column("sms_unaccented")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("gender")
