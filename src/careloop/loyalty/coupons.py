"""Coupons: issuing (journeys, staff, rewards, referrals, occasions) and atomic redemption."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

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
KINDS = ("percent", "fixed", "free_shipping")
_NOT_CODE = re.compile(f"[^{CODE_ALPHABET}]")


class CouponRejected(Conflict):
    """The coupon exists but cannot be used for this request; the message says why."""


def normalize_code(code: str) -> str:
    """What a customer typed ("abcd-efgh 2345") as stored ("ABCDEFGH2345")."""
    return re.sub(r"[\s\-]", "", code).upper()


def looks_like_code(code: str) -> bool:
    value = normalize_code(code)
    return len(value) == CODE_LENGTH and not _NOT_CODE.search(value)


def discount_for(coupon: Coupon, order_total_minor: int | None) -> int:
    """Pure: what the coupon takes off an order of this total (0 if unknown or shipping)."""
    if order_total_minor is None:
        return 0
    if coupon.kind == "percent":
        return order_total_minor * (coupon.percent_off or 0) // 100
    if coupon.kind == "fixed":
        return min(coupon.amount_off_minor or 0, order_total_minor)
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
) -> Coupon:
    """Issue a coupon (a customer's own, or shareable when `customer` is None).

    Exactly one of percent_off, amount_off_minor or free_shipping. The same
    idempotency_key returns the coupon issued the first time."""
    existing = session.scalar(
        select(Coupon).where(Coupon.shop_id == shop.id, Coupon.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    kind = _validate(
        percent_off, amount_off_minor, free_shipping, valid_days, max_uses, min_order_minor
    )
    # The program row marks from when order discount codes are checked against coupons.
    ensure_program(session, clock, shop.id)
    now = clock.now()
    for _attempt in range(5):
        coupon = Coupon(
            shop_id=shop.id,
            code=human_code(CODE_LENGTH),
            kind=kind,
            percent_off=percent_off,
            amount_off_minor=amount_off_minor,
            currency=shop.currency,
            customer_id=customer.id if customer else None,
            max_uses=max_uses,
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
                payload=coupon_payload(coupon),
                summary=f"{describe(coupon)} · {reason}",
            )
        return coupon
    raise RuntimeError("could not allocate a unique coupon code")


def _validate(
    percent_off: int | None,
    amount_off_minor: int | None,
    free_shipping: bool,
    valid_days: int,
    max_uses: int | None,
    min_order_minor: int,
) -> str:
    errors: list[FieldError] = []
    given = [percent_off is not None, amount_off_minor is not None, free_shipping]
    if sum(given) != 1:
        errors.append(
            FieldError("percent_off", "give exactly one of percent_off, amount_off, free_shipping")
        )
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
    return "fixed" if amount_off_minor is not None else "free_shipping"


def describe(coupon: Coupon) -> str:
    if coupon.kind == "percent":
        return f"{coupon.percent_off}% off"
    if coupon.kind == "fixed":
        from careloop.core.money import format_money

        return f"{format_money(coupon.amount_off_minor or 0, coupon.currency)} off"
    return "free shipping"


def coupon_payload(coupon: Coupon) -> dict[str, object]:
    return {
        "code": coupon.code,
        "kind": coupon.kind,
        "percent_off": coupon.percent_off,
        "amount_off_minor": coupon.amount_off_minor,
        "expires_at": coupon.expires_at.isoformat() if coupon.expires_at else None,
        "source": coupon.source,
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
    discount = discount_for(coupon, order_total_minor)
    now = clock.now()
    try:
        with session.begin_nested():
            won = session.execute(
                update(Coupon)
                .where(
                    Coupon.id == coupon.id,
                    or_(Coupon.max_uses.is_(None), Coupon.used_count < Coupon.max_uses),
                )
                .values(used_count=Coupon.used_count + 1)
                .execution_options(synchronize_session=False)
            )
            if getattr(won, "rowcount", 0) != 1:
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
