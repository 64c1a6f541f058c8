"""Birthday-month and first-purchase-anniversary rewards; tiered repeat-purchase discounts."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.occasions import occasion_key
from careloop.customers.models import Customer
from careloop.loyalty import announce, points
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.coupons import issue_coupon
from careloop.loyalty.economics import coupon_terms
from careloop.loyalty.models import LoyaltyMember
from careloop.orders.models import Order
from careloop.shops.models import Shop


def is_birthday_month(birthday: date, today: date) -> bool:
    return birthday.month == today.month


def anniversary_years(first_order: date, today: date) -> int:
    """Whole years since the first order if today is its anniversary, else 0
    (29 February anniversaries fall on 28 February in other years)."""
    years = today.year - first_order.year
    if years < 1:
        return 0
    day = min(first_order.day, calendar.monthrange(today.year, first_order.month)[1])
    return years if (today.month, today.day) == (first_order.month, day) else 0


def repeat_discount(orders_so_far: int, steps: Sequence[int]) -> int:
    """The percent off the next order after `orders_so_far` orders (seeds: 2nd 10%, 3rd 15%,
    4th 20%); 0 when the ladder is done."""
    index = orders_so_far - 1
    return steps[index] if 0 <= index < len(steps) else 0


def reward_birthdays(
    *, session: Session, clock: Clock, shop: Shop, today: date, config: ProgramConfig
) -> int:
    """Members whose birthday month it is get bonus points and a coupon, once a year."""
    rows = session.scalars(
        select(Customer)
        .join(LoyaltyMember, LoyaltyMember.customer_id == Customer.id)
        .where(
            LoyaltyMember.shop_id == shop.id,
            Customer.birthday.is_not(None),
            Customer.erased_at.is_(None),
        )
    )
    count = 0
    for customer in rows:
        assert customer.birthday is not None
        if not is_birthday_month(customer.birthday, today):
            continue
        key = f"birthday:{today.year}:{customer.id}"
        if config.bonus_birthday:
            points.credit(
                session=session,
                clock=clock,
                shop_id=shop.id,
                customer_id=customer.id,
                points=config.bonus_birthday,
                reason="happy birthday",
                idempotency_key=key,
                config=config,
            )
        if config.birthday_percent:
            issue_coupon(
                session=session,
                clock=clock,
                shop=shop,
                customer=customer,
                percent_off=config.birthday_percent,
                valid_days=config.coupon_valid_days,
                reason="birthday month",
                # Shared with the birthday journey: one coupon per birthday, whoever grants it.
                idempotency_key=occasion_key("birthday", customer.id, today.year),
                source="birthday",
                max_discount_minor=coupon_terms(config, shop.currency).max_discount_minor,
                min_order_minor=coupon_terms(config, shop.currency).min_order_minor,
            )
        count += 1
    return count


def reward_anniversaries(
    *, session: Session, clock: Clock, shop: Shop, today: date, config: ProgramConfig
) -> int:
    """On the anniversary of a member's first order, a coupon (seeds: 25% off)."""
    if not config.anniversary_percent:
        return 0
    firsts = session.execute(
        select(Order.customer_id, func.min(Order.placed_at))
        .join(LoyaltyMember, LoyaltyMember.customer_id == Order.customer_id)
        .where(Order.shop_id == shop.id, LoyaltyMember.shop_id == shop.id)
        .group_by(Order.customer_id)
    )
    count = 0
    for customer_id, first in firsts:
        years = anniversary_years(first.date(), today)
        if not years:
            continue
        customer = session.get(Customer, customer_id)
        if customer is None or customer.erased_at is not None:
            continue
        issue_coupon(
            session=session,
            clock=clock,
            shop=shop,
            customer=customer,
            percent_off=config.anniversary_percent,
            valid_days=config.coupon_valid_days,
            reason=f"{years} year(s) since your first order",
            idempotency_key=occasion_key("anniversary", customer_id, today.year),
            source="anniversary",
            max_discount_minor=coupon_terms(config, shop.currency).max_discount_minor,
            min_order_minor=coupon_terms(config, shop.currency).min_order_minor,
        )
        count += 1
    return count


def offer_repeat_discount(
    *, session: Session, clock: Clock, shop: Shop, customer_id: int, config: ProgramConfig
) -> None:
    """After the customer's n-th counted order, a coupon for order n+1 (if switched on)."""
    if not config.repeat_discounts:
        return
    orders = session.scalar(
        select(func.count(Order.id)).where(
            Order.shop_id == shop.id,
            Order.customer_id == customer_id,
            Order.cancelled_at.is_(None),
            Order.returned_at.is_(None),
        )
    )
    percent = repeat_discount(orders or 0, config.repeat_discount_steps)
    customer = session.get(Customer, customer_id)
    if not percent or customer is None:
        return
    coupon = issue_coupon(
        session=session,
        clock=clock,
        shop=shop,
        customer=customer,
        percent_off=percent,
        valid_days=config.coupon_valid_days,
        reason=f"for your order no. {(orders or 0) + 1}",
        idempotency_key=f"repeat:{customer_id}:{(orders or 0) + 1}",
        source="repeat",
        max_discount_minor=coupon_terms(config, shop.currency).max_discount_minor,
        min_order_minor=coupon_terms(config, shop.currency).min_order_minor,
    )
    announce.repeat_discount(
        session=session, clock=clock, shop=shop, customer=customer, coupon=coupon
    )
