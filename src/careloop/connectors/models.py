"""Tables of the connectors capability: one connector per shop and platform, and the log of
every webhook delivery received (for de-duplication, the connector page and replays)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime
from careloop.db.crypto import EncryptedJson, EncryptedText


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
    # The store's Admin API access (careloop.connectors.discounts): base URL and token or
    # key/secret, so coupons can be created in the store. Write-only in the UI; encrypted.
    api_credentials: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJson, nullable=True)
    # Haravan Partner apps: the token Haravan sends with its registration GET (hub.verify_token).
    verify_token: Mapped[str | None] = mapped_column(String(256), nullable=True)
    # Set when the platform says the app was uninstalled: deliveries are still stored (the
    # privacy webhooks still come), orders wait in "needs attention" until it is saved again.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Shopify shop/redact: when the worker deletes the shop's platform data (48 h after).
    data_deletion_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
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
    # The platform's event identity (X-Shopify-Webhook-Id..., else the topic) + ':' + the
    # sha256 of the body: same-second WooCommerce deliveries differ, true repeats do not.
    delivery_id: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # processed | ignored | parked
    result: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(default=1)
