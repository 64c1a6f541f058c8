"""Tables of the feedback capability: survey responses and public reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        # One answer per link (message) or per imported row: a second tap changes nothing.
        UniqueConstraint("shop_id", "response_key"),
        Index("ix_survey_responses_shop_id_answered_at", "shop_id", "answered_at"),
        Index("ix_survey_responses_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    response_key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16))  # nps | csat | custom
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    order_external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    message_id: Mapped[int | None] = mapped_column(nullable=True)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    source: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("shop_id", "review_id"),
        Index("ix_reviews_shop_id_posted_at", "shop_id", "posted_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    review_id: Mapped[str] = mapped_column(String(128))
    platform: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    responded_by: Mapped[int | None] = mapped_column(nullable=True)
    update_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
