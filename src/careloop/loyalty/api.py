"""REST routes of loyalty: coupons (issue, look up, redeem) and a customer's standing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from careloop.core.errors import FieldError, ValidationFailed
from careloop.core.money import to_major, to_minor
from careloop.customers.models import Customer
from careloop.customers.service import get_customer
from careloop.loyalty.coupons import OrderItem, get_coupon, issue_coupon, redeem_coupon
from careloop.loyalty.entitlements import active_entitlements
from careloop.loyalty.membership import current_tier
from careloop.loyalty.models import Coupon
from careloop.loyalty.points import points_balance
from careloop.loyalty.rewards import redeem_reward
from careloop.shops.models import Shop
from careloop.web.deps import ApiShop, Ctx, SessionDep

MAX_MINOR = 10**15  # as orders.service and the CSV importer
router = APIRouter(tags=["loyalty"])
Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class CouponPublic(BaseModel):
    code: str
    kind: str
    percent_off: int | None
    amount_off: str | None
    currency: str
    customer_id: str | None
    max_uses: int | None
    used: int
    min_order: str
    expires_at: datetime | None
    revoked: bool
    # Economics and limits (issue 24): what the code can take and on what.
    max_discount: str | None = None
    free_shipping: bool = False
    product_skus: list[str] | None = None
    categories: list[str] | None = None
    balance: str | None = Field(default=None, description="Gift cards: what is left.")


class CouponIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(default=None, description="Omit for a shareable coupon.")
    percent_off: int | None = Field(default=None, ge=1, le=100)
    amount_off: Amount | None = None
    free_shipping: bool = False
    valid_days: int = Field(default=30, ge=0, le=3650)
    max_uses: int | None = Field(default=1, ge=1)
    min_order: Amount = Decimal(0)
    reason: str = Field(min_length=1, max_length=300)
    idempotency_key: str = Field(min_length=1, max_length=150)
    max_discount: Amount | None = Field(default=None, description="Cap of a percent code.")
    product_skus: list[str] | None = Field(default=None, min_length=1, max_length=100)
    categories: list[str] | None = Field(default=None, min_length=1, max_length=100)
    gift_card: Amount | None = Field(
        default=None, description="A gift card's balance, used across orders."
    )


class RedeemLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str | None = Field(default=None, max_length=128)
    category: str | None = Field(default=None, max_length=100)
    amount: Amount = Field(description="The line's total (unit price x quantity).")


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = None
    order_id: str | None = Field(default=None, max_length=128)
    order_total: Amount | None = None
    idempotency_key: str | None = Field(default=None, max_length=150)
    lines: list[RedeemLine] | None = Field(
        default=None, max_length=500, description="Needed for product-limited codes."
    )


class RedeemOut(BaseModel):
    coupon: CouponPublic
    discount: str
    # False when this repeated an earlier redemption (same order or idempotency key).
    new: bool


class LoyaltyPublic(BaseModel):
    customer_id: str
    points: int
    tier: str | None
    entitlements: list[str]


class RewardIn(BaseModel):
    idempotency_key: str = Field(min_length=1, max_length=150)


class RewardOut(BaseModel):
    reward: str
    coupon_code: str | None
    entitlement: str | None
    points: int


def _money(minor: int, currency: str) -> str:
    return str(to_major(minor, currency))


def _minor(value: Decimal, currency: str, field: str) -> int:
    try:
        minor = to_minor(value, currency)
    except ValueError as exc:
        raise ValidationFailed([FieldError(field, str(exc))]) from None
    if minor > MAX_MINOR:  # beyond this the 64-bit column overflows; no real amount comes close
        raise ValidationFailed([FieldError(field, f"too large (got {value})")])
    return minor


def coupon_public(session: Session, coupon: Coupon) -> CouponPublic:
    owner = session.get(Customer, coupon.customer_id) if coupon.customer_id else None
    return CouponPublic(
        code=coupon.code,
        kind=coupon.kind,
        percent_off=coupon.percent_off,
        amount_off=_money(coupon.amount_off_minor, coupon.currency)
        if coupon.amount_off_minor
        else None,
        currency=coupon.currency,
        customer_id=owner.external_id if owner else None,
        max_uses=coupon.max_uses,
        used=coupon.used_count,
        min_order=_money(coupon.min_order_minor, coupon.currency),
        expires_at=coupon.expires_at,
        revoked=coupon.revoked_at is not None,
        max_discount=_money(coupon.max_discount_minor, coupon.currency)
        if coupon.max_discount_minor is not None
        else None,
        free_shipping=bool(coupon.free_shipping),
        product_skus=coupon.product_skus,
        categories=coupon.categories,
        balance=_money(coupon.balance_minor, coupon.currency)
        if coupon.balance_minor is not None
        else None,
    )


def _customer(session: Session, shop: Shop, external_id: str | None) -> Customer | None:
    return get_customer(session, shop, external_id) if external_id else None


@router.post("/coupons", response_model=CouponPublic)
def post_coupon(data: CouponIssue, shop: ApiShop, session: SessionDep, ctx: Ctx) -> CouponPublic:
    """Issue a coupon; the same `idempotency_key` returns the coupon issued the first time."""
    coupon = issue_coupon(
        session=session,
        clock=ctx.clock,
        shop=shop,
        customer=_customer(session, shop, data.customer_id),
        percent_off=data.percent_off,
        amount_off_minor=_minor(data.amount_off, shop.currency, "amount_off")
        if data.amount_off is not None
        else None,
        free_shipping=data.free_shipping,
        valid_days=data.valid_days,
        max_uses=data.max_uses,
        min_order_minor=_minor(data.min_order, shop.currency, "min_order"),
        max_discount_minor=_minor(data.max_discount, shop.currency, "max_discount")
        if data.max_discount is not None
        else None,
        product_skus=data.product_skus,
        categories=data.categories,
        gift_card_minor=_minor(data.gift_card, shop.currency, "gift_card")
        if data.gift_card is not None
        else None,
        reason=data.reason,
        idempotency_key=data.idempotency_key,
        source="api",
    )
    return coupon_public(session, coupon)


@router.get("/coupons/{code}", response_model=CouponPublic)
def read_coupon(code: str, shop: ApiShop, session: SessionDep) -> CouponPublic:
    return coupon_public(session, get_coupon(session, shop.id, code))


@router.post("/coupons/{code}/redeem", response_model=RedeemOut)
def post_redeem(
    code: str, shop: ApiShop, session: SessionDep, ctx: Ctx, data: RedeemIn | None = None
) -> RedeemOut:
    """Use a coupon. 409 says why it cannot be used (used up, expired, someone else's, minimum
    order); a single-use coupon redeemed concurrently succeeds exactly once."""
    data = data or RedeemIn()
    coupon = get_coupon(session, shop.id, code)
    result = redeem_coupon(
        session=session,
        clock=ctx.clock,
        shop=shop,
        code=code,
        customer=_customer(session, shop, data.customer_id),
        order_ref=data.order_id,
        order_total_minor=_minor(data.order_total, coupon.currency, "order_total")
        if data.order_total is not None
        else None,
        idempotency_key=data.idempotency_key,
        source="api",
        lines=[
            OrderItem(
                line.sku, line.category, _minor(line.amount, coupon.currency, f"lines.{i}.amount")
            )
            for i, line in enumerate(data.lines)
        ]
        if data.lines is not None
        else None,
    )
    return RedeemOut(
        coupon=coupon_public(session, result.coupon),
        discount=_money(result.discount_minor, result.coupon.currency),
        new=result.new,
    )


@router.get("/customers/{customer_id}/loyalty", response_model=LoyaltyPublic)
def read_loyalty(customer_id: str, shop: ApiShop, session: SessionDep, ctx: Ctx) -> LoyaltyPublic:
    customer = get_customer(session, shop, customer_id)
    return LoyaltyPublic(
        customer_id=customer.external_id,
        points=points_balance(session=session, shop_id=shop.id, customer_id=customer.id),
        tier=current_tier(session=session, shop_id=shop.id, customer_id=customer.id),
        entitlements=sorted(
            active_entitlements(
                session=session, shop_id=shop.id, customer_id=customer.id, now=ctx.clock.now()
            )
        ),
    )


@router.post("/customers/{customer_id}/rewards/{reward_key}", response_model=RewardOut)
def post_reward(
    customer_id: str, reward_key: str, data: RewardIn, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> RewardOut:
    """Spend points on a catalogue reward (409 when the balance is short)."""
    customer = get_customer(session, shop, customer_id)
    result = redeem_reward(
        session=session,
        clock=ctx.clock,
        shop=shop,
        customer=customer,
        reward_key=reward_key,
        idempotency_key=data.idempotency_key,
    )
    return RewardOut(
        reward=result.reward.key,
        coupon_code=result.coupon_code,
        entitlement=result.entitlement,
        points=points_balance(session=session, shop_id=shop.id, customer_id=customer.id),
    )
