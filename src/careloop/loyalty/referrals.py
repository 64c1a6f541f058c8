"""Referrals: a friend's order carrying an advocate's referral code; fraud holds; rewards.

The friend is rewarded when the referral is recorded (a coupon for their next order), the
advocate when it converts (the friend's order is paid or delivered, per the program).
Suspicious referrals are held for staff, who approve or cancel them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import Conflict, NotFound
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.loyalty import announce, points
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.coupons import issue_coupon, normalize_code
from careloop.loyalty.economics import coupon_terms
from careloop.loyalty.models import Referral
from careloop.loyalty.program import program_config
from careloop.orders.models import Order
from careloop.shops.models import Shop

PENDING: Final = "pending"
HELD: Final = "held"
CONVERTED: Final = "converted"
CANCELLED: Final = "cancelled"

SELF_REFERRAL: Final = "self_referral"
SHARED_PHONE: Final = "shared_phone"
SHARED_EMAIL: Final = "shared_email"
SHARED_DELIVERY_ADDRESS: Final = "shared_delivery_address"
NOT_FIRST_ORDER: Final = "not_first_order"
BURST: Final = "burst"


@dataclass(frozen=True)
class Party:
    id: int
    phone: str | None
    email: str | None
    # Normalised delivery addresses (orders.address.address_key): for the advocate, those of
    # all their orders; for the friend, the referred order's.
    addresses: frozenset[str] = frozenset()


def hold_reasons(
    advocate: Party,
    friend: Party,
    friend_earlier_orders: int,
    advocate_referrals_this_week: int,
    burst_per_week: int,
) -> list[str]:
    """Pure: why a referral looks suspicious (empty: it can go ahead)."""
    reasons = []
    if advocate.id == friend.id:
        reasons.append(SELF_REFERRAL)
    else:
        if advocate.phone and advocate.phone == friend.phone:
            reasons.append(SHARED_PHONE)
        if advocate.email and friend.email and advocate.email.lower() == friend.email.lower():
            reasons.append(SHARED_EMAIL)
        if advocate.addresses & friend.addresses:
            reasons.append(SHARED_DELIVERY_ADDRESS)
    if friend_earlier_orders > 0:
        reasons.append(NOT_FIRST_ORDER)
    if advocate_referrals_this_week + 1 >= burst_per_week:
        reasons.append(BURST)
    return reasons


def _party(customer: Customer, addresses: frozenset[str] = frozenset()) -> Party:
    return Party(customer.id, customer.phone, customer.email, addresses)


def _advocate_addresses(session: Session, shop_id: int, advocate_id: int) -> frozenset[str]:
    """The normalised delivery addresses of every order the advocate placed."""
    keys = session.scalars(
        select(Order.shipping_address_key)
        .where(
            Order.shop_id == shop_id,
            Order.customer_id == advocate_id,
            Order.shipping_address_key.is_not(None),
        )
        .distinct()
    )
    return frozenset(key for key in keys if key)


def advocate_for_code(session: Session, shop_id: int, code: str) -> Customer | None:
    return session.scalar(
        select(Customer).where(
            Customer.shop_id == shop_id, Customer.referral_code == normalize_code(code)
        )
    )


def referral_link(base_url: str, shop: Shop, customer: Customer) -> str:
    """The link an advocate shares; the shop's checkout passes the code on as a discount code."""
    return f"{base_url.rstrip('/')}/loyalty/r/{shop.slug}/{customer.referral_code}"


def record_referral(
    *, session: Session, clock: Clock, shop: Shop, order: Order, code: str
) -> Referral | None:
    """The friend's order carried `code`: record the referral (once per friend)."""
    advocate = advocate_for_code(session, shop.id, code)
    friend = session.get(Customer, order.customer_id)
    if advocate is None or friend is None:
        return None
    existing = session.scalar(
        select(Referral).where(Referral.shop_id == shop.id, Referral.friend_id == friend.id)
    )
    if existing is not None:
        return existing
    config = program_config(session, shop.id)
    now = clock.now()
    earlier = session.scalar(
        select(func.count(Order.id)).where(
            Order.shop_id == shop.id,
            Order.customer_id == friend.id,
            Order.id != order.id,
            Order.placed_at <= order.placed_at,
        )
    )
    this_week = session.scalar(
        select(func.count(Referral.id)).where(
            Referral.advocate_id == advocate.id, Referral.created_at > now - timedelta(days=7)
        )
    )
    friend_address = order.shipping_address_key
    reasons = hold_reasons(
        _party(advocate, _advocate_addresses(session, shop.id, advocate.id)),
        _party(friend, frozenset([friend_address]) if friend_address else frozenset()),
        earlier or 0,
        this_week or 0,
        config.referral_burst_per_week,
    )
    referral = Referral(
        shop_id=shop.id,
        advocate_id=advocate.id,
        friend_id=friend.id,
        code=advocate.referral_code,
        status=HELD if reasons else PENDING,
        hold_reasons=reasons,
        order_ref=order.external_id,
        created_at=now,
    )
    session.add(referral)
    session.flush()
    _event(session, clock, referral, events.REFERRAL_RECORDED)
    if reasons:
        _event(session, clock, referral, events.REFERRAL_HELD)
    else:
        _reward_friend(session, clock, shop, referral, friend, config)
    return referral


def convert_if_due(
    *, session: Session, clock: Clock, shop: Shop, order: Order, granted: bool
) -> Referral | None:
    """The friend's referred order reached the program's grant status: reward the advocate."""
    referral = session.scalar(
        select(Referral).where(
            Referral.shop_id == shop.id,
            Referral.friend_id == order.customer_id,
            Referral.order_ref == order.external_id,
        )
    )
    if referral is None or referral.status != PENDING or not granted:
        return referral
    config = program_config(session, shop.id)
    referral.status = CONVERTED
    referral.converted_at = clock.now()
    advocate = session.get(Customer, referral.advocate_id)
    assert advocate is not None
    coupon = None
    if config.referral_advocate_percent:
        coupon = issue_coupon(
            session=session,
            clock=clock,
            shop=shop,
            customer=advocate,
            percent_off=config.referral_advocate_percent,
            valid_days=config.coupon_valid_days,
            reason="thank you for referring a friend",
            idempotency_key=f"referral:{referral.id}:advocate",
            source="referral",
            max_discount_minor=coupon_terms(config, shop.currency).max_discount_minor,
            min_order_minor=coupon_terms(config, shop.currency).min_order_minor,
        )
    if config.bonus_referral:
        points.credit(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=advocate.id,
            points=config.bonus_referral,
            reason="referral converted",
            idempotency_key=f"referral:{referral.id}:bonus",
            config=config,
        )
    _event(session, clock, referral, events.REFERRAL_CONVERTED)
    announce.referral_rewarded(
        session=session,
        clock=clock,
        shop=shop,
        referral_id=referral.id,
        customer=advocate,
        side=announce.ADVOCATE,
        other=session.get(Customer, referral.friend_id),
        coupon=coupon,
        points=config.bonus_referral,
    )
    return referral


def _reward_friend(
    session: Session,
    clock: Clock,
    shop: Shop,
    referral: Referral,
    friend: Customer,
    config: ProgramConfig,
) -> None:
    if config.referral_friend_percent:
        coupon = issue_coupon(
            session=session,
            clock=clock,
            shop=shop,
            customer=friend,
            percent_off=config.referral_friend_percent,
            valid_days=config.coupon_valid_days,
            reason="welcome, friend",
            idempotency_key=f"referral:{referral.id}:friend",
            source="referral",
            max_discount_minor=coupon_terms(config, shop.currency).max_discount_minor,
            min_order_minor=coupon_terms(config, shop.currency).min_order_minor,
        )
        announce.referral_rewarded(
            session=session,
            clock=clock,
            shop=shop,
            referral_id=referral.id,
            customer=friend,
            side=announce.FRIEND,
            other=session.get(Customer, referral.advocate_id),
            coupon=coupon,
        )


def _event(session: Session, clock: Clock, referral: Referral, type: str) -> None:
    record_event(
        session=session,
        clock=clock,
        shop_id=referral.shop_id,
        customer_id=referral.advocate_id,
        type=type,
        event_key=f"referral:{referral.id}:{type}",
        payload={
            "referral_id": referral.id,
            "friend_id": referral.friend_id,
            "order_id": referral.order_ref,
            "status": referral.status,
            "hold_reasons": list(referral.hold_reasons),
        },
        summary=f"#{referral.order_ref}",
    )


def _get(session: Session, shop_id: int, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None or referral.shop_id != shop_id:
        raise NotFound("referral", referral_id)
    return referral


def approve_referral(
    *, session: Session, clock: Clock, shop: Shop, referral_id: int, actor: str
) -> Referral:
    """Staff cleared a held referral: the friend is rewarded, and if the order already
    counts, the advocate too."""
    referral = _get(session, shop.id, referral_id)
    if referral.status != HELD:
        raise Conflict(f"referral {referral_id} is {referral.status}, not held")
    referral.status = PENDING
    referral.reviewed_at, referral.reviewed_by = clock.now(), actor
    friend = session.get(Customer, referral.friend_id)
    assert friend is not None
    _reward_friend(session, clock, shop, referral, friend, program_config(session, shop.id))
    order = session.scalar(
        select(Order).where(Order.shop_id == shop.id, Order.external_id == referral.order_ref)
    )
    if order is not None:
        config = program_config(session, shop.id)
        granted = (order.paid_at if config.grant_on == "paid" else order.delivered_at) is not None
        granted = granted and order.returned_at is None and order.cancelled_at is None
        convert_if_due(session=session, clock=clock, shop=shop, order=order, granted=granted)
    return referral


def cancel_referral(
    *, session: Session, clock: Clock, shop: Shop, referral_id: int, actor: str
) -> Referral:
    referral = _get(session, shop.id, referral_id)
    if referral.status == CONVERTED:
        raise Conflict(f"referral {referral_id} already converted; it cannot be cancelled")
    if referral.status != CANCELLED:
        referral.status = CANCELLED
        referral.reviewed_at, referral.reviewed_by = clock.now(), actor
        _event(session, clock, referral, events.REFERRAL_CANCELLED)
    return referral


def referrals_of(
    session: Session, shop_id: int, status: str | None = None, limit: int = 200
) -> Sequence[Referral]:
    stmt = select(Referral).where(Referral.shop_id == shop_id)
    if status:
        stmt = stmt.where(Referral.status == status)
    return session.scalars(stmt.order_by(Referral.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class ReferralStats:
    customers: int
    advocates_converted: int
    referrals: int
    converted: int

    @property
    def referral_rate(self) -> float:
        """KPI: customers with 1+ converted referral / customers."""
        return self.advocates_converted / self.customers if self.customers else 0.0

    @property
    def conversion_rate(self) -> float:
        return self.converted / self.referrals if self.referrals else 0.0


def referral_stats(
    session: Session, shop_id: int, since: datetime | None = None, until: datetime | None = None
) -> ReferralStats:
    """Counts for the referral_rate KPI (over referrals created in [since, until))."""
    stmt = select(Referral.advocate_id, Referral.status).where(Referral.shop_id == shop_id)
    if since is not None:
        stmt = stmt.where(Referral.created_at >= since)
    if until is not None:
        stmt = stmt.where(Referral.created_at < until)
    rows = session.execute(stmt).all()
    customers = session.scalar(
        select(func.count(Customer.id)).where(
            Customer.shop_id == shop_id, Customer.erased_at.is_(None)
        )
    )
    return ReferralStats(
        customers=customers or 0,
        advocates_converted=len({a for a, s in rows if s == CONVERTED}),
        referrals=sum(1 for _, s in rows if s != CANCELLED),
        converted=sum(1 for _, s in rows if s == CONVERTED),
    )
