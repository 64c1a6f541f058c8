"""Tables of the loyalty capability: program, members, points ledger, coupons, entitlements,
referrals, and the loyalty worker's own record of which timeline events it has processed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime


class LoyaltyProgram(Base):
    """One per shop: whether the program runs, since when, and its settings (JSON, validated
    by careloop.loyalty.config)."""

    __tablename__ = "loyalty_programs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Coupons are redeemed from orders recorded after this, even with the program off.
    tracking_since: Mapped[datetime] = mapped_column(UTCDateTime)
    config: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    # The daily sweep (expiry, warnings, birthdays, tier reviews) ran for this local date.
    swept_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(254), default="system")


class LoyaltyMember(Base):
    """A customer's standing: the tier (points live in the ledger, never here)."""

    __tablename__ = "loyalty_members"
    __table_args__ = (
        UniqueConstraint("shop_id", "customer_id"),
        Index("ix_loyalty_members_shop_tier", "shop_id", "tier"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    tier: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tier_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the customer first qualified for less than their tier; downgrade after the grace.
    below_tier_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointsEntry(Base):
    """One line of the append-only points ledger; a balance is the sum of a customer's lines.

    Credits (earn, bonus, positive adjust) are lots with an expiry; debits take points from
    lots oldest first (`lot_id` names the lot an expiry or a return reversal targets)."""

    __tablename__ = "loyalty_ledger"
    __table_args__ = (
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_loyalty_ledger_customer", "customer_id", "id"),
        Index("ix_loyalty_ledger_shop_expiry", "shop_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(300))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    lot_id: Mapped[int | None] = mapped_column(
        ForeignKey("loyalty_ledger.id", ondelete="CASCADE"), nullable=True, index=True
    )
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    order_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Who posted a manual adjustment (staff email), for the audit trail.
    actor: Mapped[str] = mapped_column(String(254), default="system")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Coupon(Base):
    __tablename__ = "coupons"
    __table_args__ = (
        UniqueConstraint("shop_id", "code"),
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_coupons_shop_customer", "shop_id", "customer_id"),
        Index("ix_coupons_store_due", "store_status", "store_next_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    # percent, fixed or free_shipping.
    kind: Mapped[str] = mapped_column(String(16))
    percent_off: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount_off_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    # None: shareable (anyone may use it); else only this customer.
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=True
    )
    # None: unlimited uses.
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Redemptions so far; raised only by the conditional UPDATE that makes redemption atomic,
    # always equal to the number of coupon_redemptions rows.
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    min_order_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # journey, staff, reward, referral, birthday, anniversary, repeat.
    source: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(300))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Economics (loyalty/coupons.discount_for): a percent code never takes more than this.
    max_discount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Shipping is discounted too (alone: kind free_shipping; with a percent: both).
    free_shipping: Mapped[bool] = mapped_column(Boolean, default=False)
    # None: any product; else the code applies only to order lines of these skus/categories.
    product_skus: Mapped[list[str] | None] = mapped_column(JsonType, nullable=True)
    categories: Mapped[list[str] | None] = mapped_column(JsonType, nullable=True)
    # Gift cards (kind gift_card): what is left; each redemption takes what it uses.
    balance_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The code's life in the shop's store (careloop.loyalty.store_codes): None when the shop
    # has no store API credentials (entered by hand, see the coupon page); pending ->
    # synced, or refused (retried at store_next_at); use_up -> used_up once redeemed here.
    store_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    store_platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The store's id of the code ("<price rule id>/<discount code id>" on Shopify and Sapo).
    store_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # What the store answered the last time it refused, for staff.
    store_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    store_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the sync worker may (re)try; also its lease while a call is in flight.
    store_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CouponRedemption(Base):
    """One use of a coupon (append-only)."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (UniqueConstraint("shop_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=True
    )
    order_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))
    redeemed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Entitlement(Base):
    """A privilege a customer holds from a redeemed reward or a staff grant
    (tier privileges are derived from the tier, not stored)."""

    __tablename__ = "loyalty_entitlements"
    __table_args__ = (
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_loyalty_entitlements_customer", "customer_id", "key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Single-use privileges (a workshop seat) are marked used rather than deleted.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Referral(Base):
    """A friend who came through an advocate's referral code; one per friend."""

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("shop_id", "friend_id"),
        Index("ix_referrals_advocate_created", "advocate_id", "created_at"),
        Index("ix_referrals_shop_status", "shop_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    advocate_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    friend_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    # converted, held (waiting for staff review) or cancelled.
    status: Mapped[str] = mapped_column(String(16))
    hold_reasons: Mapped[list[str]] = mapped_column(JsonType, default=list)
    order_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(254), nullable=True)


class StoreAction(Base):
    """Something a privilege needs done in the shop's store (tag the customer, a shipping
    rule); recorded here as pending for the store connector, shown to staff."""

    __tablename__ = "loyalty_store_actions"
    __table_args__ = (
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_loyalty_store_actions_shop_status", "shop_id", "status"),
        Index("ix_loyalty_store_actions_due", "status", "next_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # tag_customer or shipping_rule.
    action: Mapped[str] = mapped_column(String(32))
    entitlement: Mapped[str] = mapped_column(String(32))
    # The tag or rule name the store should carry.
    value: Mapped[str] = mapped_column(String(100))
    # pending -> done | refused (retried at next_at unless the platform cannot do it).
    status: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Why the store refused (or why the platform cannot do it): what staff read.
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
