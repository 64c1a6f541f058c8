"""survey responses and reviews

Revision ID: fb3d81c4a7e0
Revises: 0d86ecb60c8d
Create Date: 2026-11-23 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import careloop.db.migration_types

revision = "fb3d81c4a7e0"
down_revision = "0d86ecb60c8d"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, careloop.db.migration_types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("response_key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("order_external_id", sa.String(length=128), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        _time("answered_at"),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_survey_responses_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_survey_responses_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "shop_id", "response_key", name=op.f("uq_survey_responses_shop_id_response_key")
        ),
    )
    op.create_index(
        "ix_survey_responses_shop_id_answered_at", "survey_responses", ["shop_id", "answered_at"]
    )
    op.create_index("ix_survey_responses_customer_id", "survey_responses", ["customer_id"])
    op.create_table(
        "reviews",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=True),
        sa.Column("review_id", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        _time("posted_at"),
        _time("respond_by", True),
        sa.Column("response_text", sa.Text(), nullable=True),
        _time("responded_at", True),
        sa.Column("responded_by", sa.Integer(), nullable=True),
        _time("update_asked_at", True),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_reviews_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_reviews_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("shop_id", "review_id", name=op.f("uq_reviews_shop_id_review_id")),
    )
    op.create_index("ix_reviews_shop_id_posted_at", "reviews", ["shop_id", "posted_at"])
    op.create_index(op.f("ix_reviews_customer_id"), "reviews", ["customer_id"])


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_table("survey_responses")
