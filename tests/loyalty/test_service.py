from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import ValidationFailed
from careloop.core.ids import CODE_ALPHABET
from careloop.customers.models import Customer, TimelineEvent
from careloop.loyalty import points
from careloop.loyalty.service import (
    add_points,
    current_tier,
    enable_program,
    issue_coupon,
    points_balance,
)
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer, place_order


def _types(ctx: AppContext, customer: Customer) -> list[str]:
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(TimelineEvent.type)
                .where(TimelineEvent.customer_id == customer.id)
                .order_by(TimelineEvent.id)
            )
        )


def test_add_points_credits_once_per_idempotency_key(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    for _ in range(2):
        with ctx.sessions() as s, s.begin():
            add_points(
                session=s,
                clock=ctx.clock,
                shop=shop,
                customer=customer,
                points=150,
                reason="thank you",
                idempotency_key="journey:welcome:1",
            )
    with ctx.sessions() as s:
        assert points_balance(session=s, shop_id=shop.id, customer_id=customer.id) == 150
    assert _types(ctx, customer).count("points.earned") == 1


def test_add_points_rejects_zero_or_negative_points_naming_the_field(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin(), pytest.raises(ValidationFailed, match="points"):
        add_points(
            session=s,
            clock=ctx.clock,
            shop=shop,
            customer=customer,
            points=0,
            reason="x",
            idempotency_key="k",
        )


def test_issued_coupon_has_an_unguessable_code_and_expiry(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        coupon = issue_coupon(
            session=s,
            clock=ctx.clock,
            shop=shop,
            customer=customer,
            percent_off=10,
            valid_days=30,
            reason="day 7 review thanks",
            idempotency_key="enr:1:review",
        )
        again = issue_coupon(
            session=s,
            clock=ctx.clock,
            shop=shop,
            customer=customer,
            percent_off=10,
            reason="day 7 review thanks",
            idempotency_key="enr:1:review",
        )
    assert again.code == coupon.code
    assert len(coupon.code) == 12 and set(coupon.code) <= set(CODE_ALPHABET)
    assert coupon.expires_at == ctx.clock.now() + timedelta(days=30)
    assert "coupon.issued" in _types(ctx, customer)


def test_issue_coupon_without_a_discount_is_rejected(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin(), pytest.raises(ValidationFailed, match="percent_off"):
        issue_coupon(
            session=s,
            clock=ctx.clock,
            shop=shop,
            customer=customer,
            reason="x",
            idempotency_key="k",
        )


def test_tiers_are_backfilled_from_order_history_when_the_program_starts(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    make_customer(ctx, shop, "C-1")
    make_customer(ctx, shop, "C-2")
    make_customer(ctx, shop, "C-3")
    start = clock.now() - timedelta(days=200)
    place_order(ctx, shop, "O-1", "C-1", total="200000", placed_at=start)
    for i in range(3):
        place_order(ctx, shop, f"O-2{i}", "C-2", total="300000", placed_at=start)
    place_order(ctx, shop, "O-3", "C-3", total="25000000", placed_at=start)
    with ctx.sessions() as s, s.begin():
        assert enable_program(session=s, clock=ctx.clock, shop=s.merge(shop)) == 3
    with ctx.sessions() as s:
        tiers = {
            c.external_id: current_tier(session=s, shop_id=shop.id, customer_id=c.id)
            for c in s.scalars(select(Customer).where(Customer.shop_id == shop.id))
        }
    assert tiers == {"C-1": "silver", "C-2": "gold", "C-3": "platinum"}


def test_a_customer_without_orders_has_no_tier_and_no_points(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s:
        assert current_tier(session=s, shop_id=shop.id, customer_id=customer.id) is None
        assert points_balance(session=s, shop_id=shop.id, customer_id=customer.id) == 0


def test_points_expire_after_twelve_months_and_the_expiry_is_on_the_timeline(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        add_points(
            session=s,
            clock=ctx.clock,
            shop=shop,
            customer=customer,
            points=100,
            reason="bonus",
            idempotency_key="b1",
        )
    clock.advance(timedelta(days=366))
    with ctx.sessions() as s, s.begin():
        assert points.settle_expiries(s, ctx.clock, shop.id, customer.id) == 100
        assert points.settle_expiries(s, ctx.clock, shop.id, customer.id) == 0
    with ctx.sessions() as s:
        assert points_balance(session=s, shop_id=shop.id, customer_id=customer.id) == 0
    assert "points.expired" in _types(ctx, customer)
