"""API schemas of feedback: ReviewIn/ReviewPublic, ResponseIn."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from careloop.core.bounds import plausible_moment
from careloop.customers.schemas import ExternalId

PLATFORMS = ("google", "shopee", "facebook", "xiaohongshu", "website", "lazada", "tiktok", "other")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    review_id: ExternalId
    customer_id: ExternalId | None = None
    platform: str = Field(min_length=2, max_length=32, pattern=r"^[a-z0-9_]+$")
    rating: int = Field(ge=1, le=5)
    text: str = Field(default="", max_length=10_000)
    url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://\S+$")
    posted_at: datetime
    # The product reviewed (its SKU), for per-product review requests.
    sku: str | None = Field(default=None, max_length=128)

    @field_validator("posted_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return plausible_moment(value)


class ReviewPublic(BaseModel):
    review_id: str
    customer_id: str | None
    platform: str
    rating: int
    text: str
    url: str | None
    posted_at: datetime
    sku: str | None = None
    edited_at: datetime | None = None
    previous_rating: int | None = None
    respond_by: datetime | None
    response_text: str | None
    responded_at: datetime | None
    suggested_reply: str


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    response_id: ExternalId
    customer_id: ExternalId
    kind: str = Field(pattern=r"^(nps|csat|custom)$")
    score: int
    answered_at: datetime
    comment: str = Field(default="", max_length=5000)
    order_id: str | None = Field(default=None, max_length=128)

    @field_validator("answered_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return plausible_moment(value)
