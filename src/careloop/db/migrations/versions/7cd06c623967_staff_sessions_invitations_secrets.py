"""staff sessions and invitations; encrypted secret columns widened to text

Revision ID: 7cd06c623967
Revises: 6b1e2f7a9c43
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7cd06c623967"
down_revision = "6b1e2f7a9c43"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_sessions_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"])
    op.create_table(
        "staff_invitations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_staff_invitations_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_invitations_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invitations")),
        sa.UniqueConstraint(
            "shop_id", "user_id", name=op.f("uq_staff_invitations_shop_id_user_id")
        ),
    )
    op.create_index(op.f("ix_staff_invitations_shop_id"), "staff_invitations", ["shop_id"])
    op.create_index(op.f("ix_staff_invitations_user_id"), "staff_invitations", ["user_id"])
    # A Fernet token is longer than the secret it hides.
    with op.batch_alter_table("connectors") as batch:
        batch.alter_column("secret", type_=sa.Text(), existing_type=sa.String(length=256))
    with op.batch_alter_table("instance_secrets") as batch:
        batch.alter_column("value", type_=sa.Text(), existing_type=sa.String(length=200))


def downgrade() -> None:
    with op.batch_alter_table("instance_secrets") as batch:
        batch.alter_column("value", type_=sa.String(length=200), existing_type=sa.Text())
    with op.batch_alter_table("connectors") as batch:
        batch.alter_column("secret", type_=sa.String(length=256), existing_type=sa.Text())
    op.drop_index(op.f("ix_staff_invitations_user_id"), table_name="staff_invitations")
    op.drop_index(op.f("ix_staff_invitations_shop_id"), table_name="staff_invitations")
    op.drop_table("staff_invitations")
    op.drop_index(op.f("ix_staff_sessions_user_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
