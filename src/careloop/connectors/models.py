"""Tables of the connectors capability: one connector per shop and platform, and the log of
every webhook delivery received (for de-duplication, the connector page and replays)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime
from careloop.db.crypto import EncryptedText


class Connector(Base):
    __tablename__ = "connectors"
    __table_args__ = (UniqueConstraint("shop_id", "platform"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    # The platform's signing secret: needed in clear to recompute HMACs, never shown in lists.
    # Encrypted at rest (careloop.db.crypto).
    secret: Mapped[str] = mapped_column(EncryptedText)
    # Generic connector only: where each Careloop order field is in the platform's JSON.
    mapping: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("shop_id", "platform", "delivery_id"),
        Index("ix_webhook_deliveries_shop_id_received_at", "shop_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    # The platform's own delivery id (X-Shopify-Webhook-Id...) or a hash of topic + body.
    delivery_id: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # processed | failed
    result: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(default=1)
