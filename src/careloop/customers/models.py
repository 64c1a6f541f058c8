"""Tables of the customers capability."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from careloop.customers.search_key import customer_search_key
from careloop.db.base import Base, BigId, JsonType, UTCDateTime

CHANNELS = ("email", "sms", "zalo", "webhook")
CONSENT_STATES = ("granted", "denied", "unknown")


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("shop_id", "external_id"),
        UniqueConstraint("shop_id", "referral_code"),
        Index("ix_customers_shop_email", "shop_id", "email"),
        Index("ix_customers_shop_phone", "shop_id", "phone"),
        Index("ix_customers_shop_name", "shop_id", "name"),
        # Staff search scans this narrow index (shop, key) instead of the whole table.
        Index("ix_customers_shop_search", "shop_id", "search_key"),
        # The customers list counts the shop's live customers from this index alone.
        Index("ix_customers_shop_erased", "shop_id", "erased_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    zalo_user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    birthday: Mapped[date | None] = mapped_column(Date, nullable=True)
    locale: Mapped[str | None] = mapped_column(String(10), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    preferred_channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # "female" / "male" / None: how messages address them (anh/chị) when the shop asks.
    gender: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    referral_code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when personal data was erased on request; the row stays for anonymous aggregates.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Folded name, email, phone digits, external id (customers/search_key.py); kept up to
    # date on every write: Core inserts through the default, ORM writes through the
    # listeners below, bulk updates (imports) set it themselves.
    search_key: Mapped[str] = mapped_column(
        String(400), default=lambda context: _key_of(context.get_current_parameters())
    )


def _key_of(values: dict[str, Any]) -> str:
    return customer_search_key(
        name=values.get("name"),
        email=values.get("email"),
        phone=values.get("phone"),
        external_id=values.get("external_id"),
    )


def _refresh_search_key(_mapper: Any, _connection: Any, customer: Customer) -> None:
    customer.search_key = customer_search_key(
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        external_id=customer.external_id,
    )


# Every ORM write (API upsert, staff edits, erasure) refreshes the key in the same flush.
event.listen(Customer, "before_insert", _refresh_search_key)
event.listen(Customer, "before_update", _refresh_search_key)


class Consent(Base):
    """Current marketing consent per channel; every change is also a timeline event."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("customer_id", "channel"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(10))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(64))


class TimelineEvent(Base):
    """One thing that happened to a customer. Append-only; journeys trigger on these."""

    __tablename__ = "timeline_events"
    __table_args__ = (
        UniqueConstraint("shop_id", "event_key"),
        Index("ix_timeline_customer_time", "customer_id", "occurred_at"),
        Index("ix_timeline_shop_type_time", "shop_id", "type", "occurred_at"),
        # The overview's recent activity: the shop's newest events without a sort.
        Index("ix_timeline_shop_time", "shop_id", "occurred_at", "id"),
        # A customer's timeline (shop and customer): without it the database would walk
        # the shop's whole time index above to avoid a sort.
        Index("ix_timeline_shop_customer_time", "shop_id", "customer_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=True, index=True
    )
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where it came from: api, csv, webhook:<platform>, demo, staff, system.
    source: Mapped[str] = mapped_column(String(64), default="system")
    # Idempotency: the sender's event id, or a key derived from what the event is about.
    event_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Written as history (an import's old orders, a backfill, the demo): journeys do not
    # enrol on it; loyalty, feedback and support still read it (docs/decisions/0028).
    history: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CustomerIdentity(Base):
    """Another id the same person is known by (a platform's customer id, an inbound email
    address) linked to the one customer record (customers/identity.py)."""

    __tablename__ = "customer_identities"
    __table_args__ = (
        UniqueConstraint("shop_id", "source", "external_id"),
        Index("ix_customer_identities_shop_external", "shop_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    # Where the id comes from: api, csv, shopify, haravan, email, merge...
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    # How it was linked: "phone", "email" (matched on arrival) or "merge" (by staff).
    matched_on: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
