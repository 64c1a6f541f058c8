"""Tables of the channels capability: the message log, its status history, per-shop
channel settings, shop template overrides and address-level suppressions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime
from careloop.db.crypto import EncryptedJson

CHANNEL_NAMES = ("email", "sms", "zalo", "webhook", "task")
KINDS = ("transactional", "service", "marketing")
# queued -> claimed -> sending -> sent | maybe_sent -> delivered -> opened -> clicked ->
# replied; failed, suppressed and deferred are terminal for the row (deferred is re-queued by
# enqueue). claimed: leased, nothing sent yet; sending: the provider call may have started.
STATUSES = (
    "queued",
    "claimed",
    "sending",
    "sent",
    "maybe_sent",
    "delivered",
    "opened",
    "clicked",
    "replied",
    "failed",
    "suppressed",
    "deferred",
)


class Message(Base):
    """One message to one customer, on the first channel of its chain that works."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("shop_id", "idempotency_key"),
        UniqueConstraint("dedup_id"),
        Index("ix_messages_due", "status", "next_attempt_at"),
        Index("ix_messages_customer_created", "customer_id", "created_at"),
        Index("ix_messages_shop_created", "shop_id", "created_at"),
        # The message log's filters and its list of journeys (channels/ui.py).
        Index("ix_messages_shop_status_created", "shop_id", "status", "created_at"),
        Index("ix_messages_shop_journey_created", "shop_id", "journey_key", "created_at"),
        Index("ix_messages_provider_id", "provider", "provider_message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # The channel being tried now (an element of channel_chain); None for a suppressed
    # message that never picked one.
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    template_key: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(10), default="vi")
    subject: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Every channel of the chain rendered at enqueue: {channel: {subject, text, html, data}},
    # so a fallback never renders (and never fails) at send time.
    rendered: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    to_address: Mapped[str | None] = mapped_column(String(254), nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    provider: Mapped[str | None] = mapped_column(String(32), nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Sent to every provider as its reference (email Message-ID, eSMS RequestId, Zalo
    # tracking_id); only providers that de-duplicate on it (eSMS, webhook) are retried after
    # an ambiguous failure, the others go to staff as maybe_sent.
    dedup_id: Mapped[str] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fence: Mapped[int] = mapped_column(Integer, default=0)
    journey_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    step_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    enrollment_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    channel_chain: Mapped[list[str]] = mapped_column(JsonType, default=list)
    chain_index: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    machine_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MessageStatusHistory(Base):
    """Every status a message went through, with when and why."""

    __tablename__ = "message_status_history"
    __table_args__ = (Index("ix_message_status_history_message", "message_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelSettings(Base):
    """A shop's configuration of one channel (SMTP server, SMS provider, Zalo OA, webhook)."""

    __tablename__ = "channel_settings"
    __table_args__ = (UniqueConstraint("shop_id", "channel"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    # Encrypted at rest as a whole (careloop.db.crypto): hosts and URLs as well as secrets.
    config: Mapped[dict[str, Any]] = mapped_column(EncryptedJson, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageTemplate(Base):
    """A shop's own wording of a template for one channel and locale (overrides the file)."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("shop_id", "template_key", "channel", "locale"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Zalo ZNS: {"template_id": ..., "data": {param: jinja}}; task: {"kind", "due_days"...}.
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Suppression(Base):
    """An address that must not be contacted on a channel: bounced, complained, STOP."""

    __tablename__ = "channel_suppressions"
    __table_args__ = (UniqueConstraint("shop_id", "channel", "address"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelThrottle(Base):
    """A provider told us to slow down (Retry-After, a quota or balance error, a sending-hours
    ban): the shop's messages on this channel wait until `not_before`, none is failed."""

    __tablename__ = "channel_throttles"
    __table_args__ = (UniqueConstraint("shop_id", "channel"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactPreference(Base):
    """How often a customer wants to hear from the shop, chosen in the preference centre."""

    __tablename__ = "contact_preferences"
    __table_args__ = (UniqueConstraint("customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # "normal" (the shop's policy), "weekly" (at most 1 per 7 days), "monthly" (1 per 30),
    # "quarterly" (1 per 90), "important" (no marketing at all): channels.policy reads it.
    frequency: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(64))
