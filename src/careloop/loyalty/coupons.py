"""Coupons: issuing (journeys, staff, rewards, referrals, occasions) and atomic redemption."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from careloop.core.ids import CODE_ALPHABET, human_code
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.loyalty.models import Coupon, CouponRedemption
from careloop.loyalty.program import ensure_program
from careloop.loyalty.store_codes import mark_used_up, plan_store_code
from careloop.shops.models import Shop

# 31 symbols ^ 12 ≈ 2^59: not guessable, still easy to read out over the phone.
CODE_LENGTH = 12
KINDS = ("percent", "fixed", "free_shipping", "gift_card")
_NOT_CODE = re.compile(f"[^{CODE_ALPHABET}]")


class CouponRejected(Conflict):
    """The coupon exists but cannot be used for this request; the message says why."""


def normalize_code(code: str) -> str:
    """What a customer typed ("abcd-efgh 2345") as stored ("ABCDEFGH2345")."""
    return re.sub(r"[\s\-]", "", code).upper()


def looks_like_code(code: str) -> bool:
    value = normalize_code(code)
    return len(value) == CODE_LENGTH and not _NOT_CODE.search(value)


@dataclass(frozen=True)
class OrderItem:
    """One order line as a product-limited code sees it."""

    sku: str | None
    category: str | None
    amount_minor: int


def is_product_limited(coupon: Coupon) -> bool:
    return bool(coupon.product_skus or coupon.categories)


def eligible_amount(coupon: Coupon, lines: Sequence[OrderItem]) -> int:
    """Pure: the part of the order the code applies to (lines of its skus or categories)."""
    skus = set(coupon.product_skus or ())
    categories = {c.casefold() for c in coupon.categories or ()}
    return sum(
        line.amount_minor
        for line in lines
        if (line.sku is not None and line.sku in skus)
        or (line.category is not None and line.category.casefold() in categories)
    )


def discount_for(
    coupon: Coupon, order_total_minor: int | None, eligible_minor: int | None = None
) -> int:
    """Pure: what the coupon takes off an order of this total (0 if unknown or shipping).

    `eligible_minor`: the part a product-limited code applies to. A percent code never
    takes more than its cap (max_discount_minor); a gift card at most its balance."""
    if order_total_minor is None:
        return 0
    base = order_total_minor if eligible_minor is None else min(eligible_minor, order_total_minor)
    if coupon.kind == "percent":
        off = base * (coupon.percent_off or 0) // 100
        if coupon.max_discount_minor is not None:
            off = min(off, coupon.max_discount_minor)
        return off
    if coupon.kind == "fixed":
        return min(coupon.amount_off_minor or 0, base)
    if coupon.kind == "gift_card":
        return min(coupon.balance_minor or 0, base)
    return 0


def issue_coupon(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer | None,
    percent_off: int | None = None,
    amount_off_minor: int | None = None,
    valid_days: int = 30,
    reason: str,
    idempotency_key: str,
    free_shipping: bool = False,
    max_uses: int | None = 1,
    min_order_minor: int = 0,
    source: str = "journey",
    max_discount_minor: int | None = None,
    product_skus: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    gift_card_minor: int | None = None,
) -> Coupon:
    """Issue a coupon (a customer's own, or shareable when `customer` is None).

    One of percent_off, amount_off_minor, gift_card_minor (a balance used up across orders)
    or free_shipping alone; free_shipping may also accompany a percent or amount. A percent
    code takes at most `max_discount_minor`. `product_skus`/`categories` limit the code to
    those order lines. The same idempotency_key returns the coupon issued the first time."""
    existing = session.scalar(
        select(Coupon).where(Coupon.shop_id == shop.id, Coupon.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    kind = _validate(
        percent_off,
        amount_off_minor,
        gift_card_minor,
        free_shipping,
        valid_days,
        max_uses,
        min_order_minor,
        max_discount_minor,
    )
    limits = _clean_limits(product_skus, "product_skus"), _clean_limits(categories, "categories")
    # The program row marks from when order discount codes are checked against coupons.
    ensure_program(session, clock, shop.id)
    now = clock.now()
    for _attempt in range(5):
        coupon = Coupon(
            shop_id=shop.id,
            code=human_code(CODE_LENGTH),
            kind=kind,
            percent_off=percent_off,
            amount_off_minor=gift_card_minor if kind == "gift_card" else amount_off_minor,
            balance_minor=gift_card_minor,
            max_discount_minor=max_discount_minor if kind == "percent" else None,
            free_shipping=free_shipping,
            product_skus=limits[0],
            categories=limits[1],
            currency=shop.currency,
            customer_id=customer.id if customer else None,
            max_uses=None if kind == "gift_card" else max_uses,
            used_count=0,
            min_order_minor=min_order_minor,
            expires_at=now + timedelta(days=valid_days) if valid_days else None,
            source=source,
            reason=reason[:300],
            idempotency_key=idempotency_key,
            created_at=now,
        )
        # Shops with store API access get the code created there before it is sent.
        plan_store_code(session, clock, coupon)
        try:
            with session.begin_nested():
                session.add(coupon)
        except IntegrityError:
            raced = session.scalar(
                select(Coupon).where(
                    Coupon.shop_id == shop.id, Coupon.idempotency_key == idempotency_key
                )
            )
            if raced is not None:
                return raced
            continue  # the random code collided: draw another
        if customer is not None:
            record_event(
                session=session,
                clock=clock,
                shop_id=shop.id,
                customer_id=customer.id,
                type=events.COUPON_ISSUED,
                event_key=f"coupon:{coupon.code}:issued",
                payload={**coupon_payload(coupon), "reason": reason},
                summary=f"{describe(coupon)} · {reason}",
            )
        return coupon
    raise RuntimeError("could not allocate a unique coupon code")


def _clean_limits(values: Sequence[str] | None, field: str) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    cleaned = [str(v).strip() for v in values if str(v).strip()]
    if not cleaned:
        raise ValidationFailed([FieldError(field, "give at least one value or leave it out")])
    if any(len(v) > 128 for v in cleaned):
        raise ValidationFailed([FieldError(field, "each value must be at most 128 characters")])
    return cleaned


def _validate(
    percent_off: int | None,
    amount_off_minor: int | None,
    gift_card_minor: int | None,
    free_shipping: bool,
    valid_days: int,
    max_uses: int | None,
    min_order_minor: int,
    max_discount_minor: int | None,
) -> str:
    errors: list[FieldError] = []
    given = [percent_off is not None, amount_off_minor is not None, gift_card_minor is not None]
    if sum(given) > 1 or (sum(given) == 0 and not free_shipping):
        errors.append(
            FieldError(
                "percent_off",
                "give exactly one of percent_off, amount_off, gift card balance "
                "(free_shipping may go with a percent or amount, or alone)",
            )
        )
    if gift_card_minor is not None and (gift_card_minor < 1 or free_shipping):
        errors.append(FieldError("gift_card", "a gift card needs a positive balance only"))
    if max_discount_minor is not None and max_discount_minor < 1:
        errors.append(FieldError("max_discount", f"must be positive (got {max_discount_minor})"))
    if percent_off is not None and not 1 <= percent_off <= 100:
        errors.append(FieldError("percent_off", f"must be 1-100 (got {percent_off})"))
    if amount_off_minor is not None and amount_off_minor < 1:
        errors.append(FieldError("amount_off", f"must be positive (got {amount_off_minor})"))
    if valid_days < 0:
        errors.append(FieldError("valid_days", f"must not be negative (got {valid_days})"))
    if max_uses is not None and max_uses < 1:
        errors.append(FieldError("max_uses", f"must be at least 1 (got {max_uses})"))
    if min_order_minor < 0:
        errors.append(FieldError("min_order", "must not be negative"))
    if errors:
        raise ValidationFailed(errors)
    if percent_off is not None:
        return "percent"
    if gift_card_minor is not None:
        return "gift_card"
    return "fixed" if amount_off_minor is not None else "free_shipping"


def describe(coupon: Coupon) -> str:
    """What the code gives, all of it (a name never promises more than this)."""
    from careloop.core.money import format_money

    if coupon.kind == "free_shipping":
        return "free shipping"
    if coupon.kind == "gift_card":
        left = format_money(coupon.balance_minor or 0, coupon.currency)
        return f"gift card, {left} left"
    if coupon.kind == "percent":
        text = f"{coupon.percent_off}% off"
        if coupon.max_discount_minor is not None:
            text += f" (up to {format_money(coupon.max_discount_minor, coupon.currency)})"
    else:
        text = f"{format_money(coupon.amount_off_minor or 0, coupon.currency)} off"
    if is_product_limited(coupon):
        text += " on " + ", ".join([*(coupon.product_skus or ()), *(coupon.categories or ())])
    if coupon.free_shipping:
        text += " + free shipping"
    return text


def coupon_payload(coupon: Coupon) -> dict[str, object]:
    return {
        "code": coupon.code,
        "kind": coupon.kind,
        "percent_off": coupon.percent_off,
        "amount_off_minor": coupon.amount_off_minor,
        "max_discount_minor": coupon.max_discount_minor,
        "min_order_minor": coupon.min_order_minor,
        "free_shipping": coupon.free_shipping,
        "product_skus": coupon.product_skus,
        "categories": coupon.categories,
        "balance_minor": coupon.balance_minor,
        "expires_at": coupon.expires_at.isoformat() if coupon.expires_at else None,
        "source": coupon.source,
        "currency": coupon.currency,
    }


def get_coupon(session: Session, shop_id: int, code: str) -> Coupon:
    coupon = session.scalar(
        select(Coupon).where(Coupon.shop_id == shop_id, Coupon.code == normalize_code(code))
    )
    if coupon is None:
        raise NotFound("coupon", normalize_code(code))
    return coupon


@dataclass(frozen=True)
class Redemption:
    coupon: Coupon
    discount_minor: int
    # False when this request repeated one already recorded (same idempotency key).
    new: bool


def redeem_coupon(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    code: str,
    customer: Customer | None,
    order_ref: str | None = None,
    order_total_minor: int | None = None,
    idempotency_key: str | None = None,
    source: str = "api",
    lines: Sequence[OrderItem] | None = None,
) -> Redemption:
    """Use a coupon once. Atomic: the use counter only moves through a conditional UPDATE, so
    concurrent requests for a single-use coupon succeed exactly once; a retry with the same
    key (default: one use per order) answers as the first time did."""
    coupon = get_coupon(session, shop.id, code)
    key = idempotency_key or (f"order:{order_ref}" if order_ref else None)
    if key is not None:
        previous = session.scalar(
            select(CouponRedemption).where(
                CouponRedemption.shop_id == shop.id,
                CouponRedemption.coupon_id == coupon.id,
                CouponRedemption.idempotency_key == f"{coupon.id}:{key}",
            )
        )
        if previous is not None:
            return Redemption(coupon, previous.discount_minor, new=False)
    _check_usable(coupon, clock, customer, order_total_minor)
    eligible = _check_products(coupon, lines)
    discount = discount_for(coupon, order_total_minor, eligible)
    if coupon.kind == "gift_card" and discount < 1:
        raise CouponRejected(f"gift card {coupon.code} needs an order total to take from")
    now = clock.now()
    try:
        with session.begin_nested():
            won = session.execute(_use_once(coupon, discount))
            if getattr(won, "rowcount", 0) != 1:
                if coupon.kind == "gift_card":
                    raise CouponRejected(
                        f"gift card {coupon.code}'s balance changed while redeeming; try again"
                    )
                raise CouponRejected(f"coupon {coupon.code} has already been used")
            session.add(
                CouponRedemption(
                    shop_id=shop.id,
                    coupon_id=coupon.id,
                    customer_id=customer.id if customer else None,
                    order_ref=order_ref,
                    discount_minor=discount,
                    idempotency_key=f"{coupon.id}:{key or 'use:' + secrets.token_hex(8)}",
                    source=source,
                    redeemed_at=now,
                )
            )
    except IntegrityError:
        # The same order redeemed it concurrently: the first one counts.
        return Redemption(coupon, discount, new=False)
    session.refresh(coupon)
    if source != "order":
        # Used up here (API, POS, staff): used up in the store too. A code the store's own
        # checkout used needs nothing there.
        mark_used_up(coupon, now)
    if customer is not None:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=customer.id,
            type=events.COUPON_REDEEMED,
            event_key=f"coupon:{coupon.code}:redeemed:{key or coupon.used_count}",
            payload={**coupon_payload(coupon), "order_id": order_ref, "discount_minor": discount},
            summary=f"{coupon.code} · {describe(coupon)}",
        )
    return Redemption(coupon, discount, new=True)


def _use_once(coupon: Coupon, discount: int) -> Any:
    """The conditional UPDATE that makes a use atomic: a use counter under max_uses, and for
    a gift card a balance that still covers the discount (kept equal to the amount loaded
    minus the redemptions' discounts, like used_count to their number)."""
    stmt = update(Coupon).where(
        Coupon.id == coupon.id,
        or_(Coupon.max_uses.is_(None), Coupon.used_count < Coupon.max_uses),
    )
    values: dict[str, Any] = {"used_count": Coupon.used_count + 1}
    if coupon.kind == "gift_card":
        stmt = stmt.where(Coupon.balance_minor >= discount)
        values["balance_minor"] = Coupon.balance_minor - discount
    return stmt.values(**values).execution_options(synchronize_session=False)


def _check_products(coupon: Coupon, lines: Sequence[OrderItem] | None) -> int | None:
    """The eligible amount of a product-limited code (None: the whole order counts)."""
    if not is_product_limited(coupon):
        return None
    wanted = ", ".join([*(coupon.product_skus or ()), *(coupon.categories or ())])
    eligible = eligible_amount(coupon, lines or ())
    if eligible <= 0:
        raise CouponRejected(
            f"coupon {coupon.code} applies only to {wanted}, and the order has none of them"
        )
    return eligible


def _check_usable(
    coupon: Coupon, clock: Clock, customer: Customer | None, order_total_minor: int | None
) -> None:
    if coupon.revoked_at is not None:
        raise CouponRejected(f"coupon {coupon.code} was revoked")
    if coupon.expires_at is not None and coupon.expires_at <= clock.now():
        raise CouponRejected(f"coupon {coupon.code} expired on {coupon.expires_at:%Y-%m-%d}")
    if coupon.customer_id is not None and (customer is None or customer.id != coupon.customer_id):
        raise CouponRejected(f"coupon {coupon.code} belongs to another customer")
    if coupon.max_uses is not None and coupon.used_count >= coupon.max_uses:
        raise CouponRejected(f"coupon {coupon.code} has already been used")
    if coupon.kind == "gift_card" and (coupon.balance_minor or 0) <= 0:
        raise CouponRejected(f"gift card {coupon.code} has no balance left")
    if coupon.min_order_minor and (order_total_minor or 0) < coupon.min_order_minor:
        from careloop.core.money import format_money

        raise CouponRejected(
            f"coupon {coupon.code} needs an order of at least "
            f"{format_money(coupon.min_order_minor, coupon.currency)}"
        )


def revoke_coupon(*, session: Session, clock: Clock, shop: Shop, code: str) -> Coupon:
    coupon = get_coupon(session, shop.id, code)
    if coupon.revoked_at is None:
        coupon.revoked_at = clock.now()
        mark_used_up(coupon, clock.now())
    return coupon


def coupons_of(session: Session, shop_id: int, customer_id: int | None = None) -> list[Coupon]:
    stmt = select(Coupon).where(Coupon.shop_id == shop_id).order_by(Coupon.id.desc())
    if customer_id is not None:
        stmt = stmt.where(Coupon.customer_id == customer_id)
    return list(session.scalars(stmt.limit(500)))
