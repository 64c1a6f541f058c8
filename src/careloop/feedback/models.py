"""Tables of the feedback capability: survey definitions and responses, public reviews, and
the review requests (per product, or "would you update your review?") it sends itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
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
    # The custom questions' answers, by question id (see surveys.py for their shapes).
    answers: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    survey_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
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
    # The product reviewed, when the platform reviews products (Shopee, Lazada, own site).
    sku: Mapped[str | None] = mapped_column(String(128), nullable=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    responded_by: Mapped[int | None] = mapped_column(nullable=True)
    update_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The customer edited the review (seen again with another rating or text).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    previous_rating: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Survey(Base):
    """A shop's survey: the one-tap score (`kind`) and its custom follow-up questions."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("shop_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # nps | csat: the score asked first
    name: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewRequest(Base):
    """A review ask feedback sends itself: `product` (one per order line's product, with
    reminders) or `update` (once, after a recovery, for one review)."""

    __tablename__ = "review_requests"
    __table_args__ = (
        UniqueConstraint("shop_id", "request_key"),
        Index("ix_review_requests_status_next_at", "status", "next_at"),
        Index("ix_review_requests_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # product | update
    request_key: Mapped[str] = mapped_column(String(200))
    order_external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sku: Mapped[str | None] = mapped_column(String(128), nullable=True)
    product_name: Mapped[str] = mapped_column(String(300), default="")
    review_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    target_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | done | stopped
    sends: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
