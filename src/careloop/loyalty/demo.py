"""Demo data: the program running, tiers backfilled, points from recent orders, a few reward
redemptions, converted referrals and one held for review."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import VirtualClock
from careloop.core.errors import CareloopError
from careloop.customers.models import Customer
from careloop.loyalty import ledger, points, referrals
from careloop.loyalty.program import program_config
from careloop.loyalty.rewards import redeem_reward
from careloop.loyalty.service import enable_program
from careloop.orders.models import Order
from careloop.shops.models import Shop

if TYPE_CHECKING:
    from careloop.context import AppContext

MAX_EARNING_ORDERS = 600


def seed_demo(
    *, ctx: AppContext, session: Session, shop: Shop, rng: random.Random, now: datetime
) -> None:
    clock = VirtualClock(now)
    enable_program(session=session, clock=clock, shop=shop, actor="demo")
    config = program_config(session, shop.id)
    recent = list(
        session.scalars(
            select(Order)
            .where(
                Order.shop_id == shop.id,
                Order.delivered_at.is_not(None),
                Order.returned_at.is_(None),
                Order.cancelled_at.is_(None),
                Order.delivered_at > now - timedelta(days=180),
            )
            .order_by(Order.delivered_at)
            .limit(MAX_EARNING_ORDERS)
        )
    )
    for order in recent:
        earned = order.total_minor // config.earn_unit_minor(order.currency)
        if earned > 0:
            points.credit(
                session=session,
                clock=clock,
                shop_id=shop.id,
                customer_id=order.customer_id,
                points=earned * config.points_per_unit,
                reason=f"order #{order.external_id}",
                idempotency_key=f"order:{order.external_id}:earn",
                kind=ledger.EARN,
                order_ref=order.external_id,
                config=config,
                at=order.delivered_at,
            )
    _redeem_some_rewards(session, clock, shop, rng, {o.customer_id for o in recent})
    _refer_some_friends(session, clock, shop, rng)


def _redeem_some_rewards(
    session: Session, clock: VirtualClock, shop: Shop, rng: random.Random, customer_ids: set[int]
) -> None:
    keys = ["double_warranty", "early_access", "discount_10", "free_shipping", "workshop_seat"]
    for n, customer_id in enumerate(sorted(customer_ids)):
        if rng.random() > 0.15:
            continue
        customer = session.get(Customer, customer_id)
        assert customer is not None
        try:
            with session.begin_nested():
                redeem_reward(
                    session=session,
                    clock=clock,
                    shop=shop,
                    customer=customer,
                    reward_key=rng.choice(keys),
                    idempotency_key=f"demo:{n}",
                )
        except CareloopError:
            continue  # not enough points: fine, not everyone redeems


def _refer_some_friends(
    session: Session, clock: VirtualClock, shop: Shop, rng: random.Random
) -> None:
    firsts = session.execute(
        select(Order)
        .where(Order.shop_id == shop.id, Order.cancelled_at.is_(None))
        .order_by(Order.placed_at)
    ).scalars()
    seen: set[int] = set()
    first_orders = []
    for order in firsts:
        if order.customer_id not in seen:
            seen.add(order.customer_id)
            first_orders.append(order)
    customers = list(session.scalars(select(Customer).where(Customer.shop_id == shop.id)))
    if len(customers) < 10:
        return
    for order in rng.sample(first_orders, k=min(len(first_orders) // 12, 150)):
        advocate = rng.choice(customers)
        if advocate.id == order.customer_id:
            continue
        referral = referrals.record_referral(
            session=session, clock=clock, shop=shop, order=order, code=advocate.referral_code
        )
        if referral is not None and order.delivered_at is not None:
            referrals.convert_if_due(
                session=session, clock=clock, shop=shop, order=order, granted=True
            )
