"""Tables of the orders capability."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("shop_id", "sku"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(100), nullable=True)
    price_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Care cycles that drive replenishment, warranty and maintenance reminders.
    usage_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    warranty_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    maintenance_interval_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    care_guide_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    care_guide_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The catalogue a shop keeps (careloop/products): `care_guide_text`/`care_guide_url` are
    # the Vietnamese guide, these the English one; warranty in months as shops state it
    # (`warranty_days` stays for day-counted warranties); a variant names its parent's sku
    # and inherits whatever care data it does not set itself.
    care_guide_text_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    care_guide_url_en: Mapped[str | None] = mapped_column(String(500), nullable=True)
    warranty_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parent_sku: Mapped[str | None] = mapped_column(String(128), nullable=True)
    related_skus: Mapped[list[str] | None] = mapped_column(JsonType, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The store's own ids of this sku (Shopify/Haravan/Sapo product and variant `id` from the
    # product webhooks), so a code limited to skus can be limited in the store too.
    store_product_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    store_variant_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "external_id"),
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
        Index("ix_orders_shop_placed", "shop_id", "placed_at"),
        # Covering indexes for the KPIs over millions of orders (metrics): per customer
        # (first order, count, spend; `id` so a customer's newest orders need no sort)
        # and per period, read from the index alone.
        Index(
            "ix_orders_shop_customer_sale",
            "shop_id",
            "customer_id",
            "placed_at",
            "id",
            "status",
            "total_minor",
        ),
        Index(
            "ix_orders_shop_placed_sale",
            "shop_id",
            "placed_at",
            "status",
            "customer_id",
            "total_minor",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    # The number the shop and its customers know the order by, as the platform names it
    # (Shopify's `name` "#1001", not its internal id 450789469); None: the id is the number.
    number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    discount_codes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # Where the order ships, as sent (one line), and its normalised form (orders.address),
    # which the referral check compares: the same door written two ways is one address.
    shipping_address: Mapped[str | None] = mapped_column(Text, nullable=True)
    shipping_address_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    source: Mapped[str] = mapped_column(String(64), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), nullable=True, index=True
    )
    sku: Mapped[str | None] = mapped_column(String(128), nullable=True)
    product_name: Mapped[str] = mapped_column(String(300), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class IngestInboxRow(Base):
    """One accepted order or webhook, stored before it is applied (careloop.orders.inbox):
    the acknowledgement is this row's commit; the worker applies it later, exactly once."""

    __tablename__ = "ingest_inbox"
    __table_args__ = (
        UniqueConstraint("shop_id", "source", "external_id", "payload_sha256"),
        # The worker's claim: the oldest pending rows, and for each the earlier rows of its order.
        Index("ix_ingest_inbox_state_id", "state", "id"),
        Index("ix_ingest_inbox_shop_order_key", "shop_id", "order_key", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    # "api" or the platform name (shopify, woocommerce, haravan, sapo, generic).
    source: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(64), default="")
    # The idempotency key: the API's order_id, or the webhook's delivery identity.
    external_id: Mapped[str] = mapped_column(String(128))
    # Rows with the same key are applied in the order they were received.
    order_key: Mapped[str] = mapped_column(String(200))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # see inbox.STATES
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
