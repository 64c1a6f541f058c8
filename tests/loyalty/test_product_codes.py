"""Product-aware codes and gift cards (issue 24, item 5): a code limited to products or
categories is checked against the order lines; a gift card's balance is used across orders."""

from __future__ import annotations

import pytest

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import Customer
from careloop.loyalty.coupons import (
    CouponRejected,
    OrderItem,
    get_coupon,
    issue_coupon,
    redeem_coupon,
)
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer

BEANS = OrderItem(sku="BEAN-1KG", category="Coffee beans", amount_minor=400_000)
MUG = OrderItem(sku="MUG-1", category="Mugs", amount_minor=150_000)


def _issue(ctx: AppContext, shop: Shop, customer: Customer, **fields: object) -> str:
    with ctx.sessions() as s, s.begin():
        coupon = issue_coupon(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            reason="test",
            idempotency_key="test:1",
            **fields,  # type: ignore[arg-type]
        )
        return coupon.code


def _redeem(
    ctx: AppContext,
    shop: Shop,
    customer: Customer,
    code: str,
    order: str,
    total: int,
    lines: list[OrderItem] | None = None,
) -> int:
    with ctx.sessions() as s, s.begin():
        return redeem_coupon(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            code=code,
            customer=s.merge(customer),
            order_ref=order,
            order_total_minor=total,
            lines=lines,
        ).discount_minor


def test_product_limited_code_is_rejected_on_an_order_without_that_product(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    code = _issue(ctx, shop, customer, percent_off=20, product_skus=["BEAN-1KG"])
    with pytest.raises(CouponRejected, match="applies only to BEAN-1KG"):
        _redeem(ctx, shop, customer, code, "O-1", 150_000, [MUG])
    with ctx.sessions() as s:
        assert get_coupon(s, shop.id, code).used_count == 0


def test_product_limited_code_takes_its_percent_off_that_product_only(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    code = _issue(ctx, shop, customer, percent_off=20, product_skus=["BEAN-1KG"])
    assert _redeem(ctx, shop, customer, code, "O-2", 550_000, [BEANS, MUG]) == 80_000


def test_category_limited_code_matches_the_category_whatever_its_case(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    code = _issue(ctx, shop, customer, amount_off_minor=50_000, categories=["coffee BEANS"])
    assert _redeem(ctx, shop, customer, code, "O-3", 550_000, [BEANS, MUG]) == 50_000


def test_product_limited_code_without_order_lines_is_rejected(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    code = _issue(ctx, shop, customer, percent_off=10, categories=["Mugs"])
    with pytest.raises(CouponRejected, match="the order has none of them"):
        _redeem(ctx, shop, customer, code, "O-4", 550_000)


def test_gift_card_is_used_in_part_and_its_balance_carries_to_the_next_order(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    code = _issue(ctx, shop, customer, gift_card_minor=500_000)
    assert _redeem(ctx, shop, customer, code, "G-1", 200_000) == 200_000
    with ctx.sessions() as s:
        assert get_coupon(s, shop.id, code).balance_minor == 300_000
    assert _redeem(ctx, shop, customer, code, "G-2", 450_000) == 300_000
    # The same order again answers as the first time and takes nothing more.
    assert _redeem(ctx, shop, customer, code, "G-2", 450_000) == 300_000
    with ctx.sessions() as s:
        card = get_coupon(s, shop.id, code)
        assert (card.balance_minor, card.used_count) == (0, 2)
    with pytest.raises(CouponRejected, match="has no balance left"):
        _redeem(ctx, shop, customer, code, "G-3", 100_000)


def test_gift_card_with_a_percent_is_refused_naming_the_field(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    with pytest.raises(ValidationFailed, match="percent_off"):
        _issue(ctx, shop, customer, gift_card_minor=500_000, percent_off=10)


def test_empty_product_limit_is_refused_naming_the_field(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    with pytest.raises(ValidationFailed, match="product_skus"):
        _issue(ctx, shop, customer, percent_off=10, product_skus=[" "])
