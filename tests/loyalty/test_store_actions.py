"""Privileges that act in the store (issue 24, item 3): free or express shipping and early
access become pending store actions for the connector: a customer tag on platforms whose
Customer resource has `tags` (Shopify Admin API "Customer"; Haravan and Sapo's
Shopify-shaped customers), a free-shipping rule on WooCommerce (REST API v3 coupon
properties `free_shipping` and `email_restrictions`; customers there have no tags)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.loyalty.rewards import redeem_reward
from careloop.loyalty.service import add_points, enable_program
from careloop.loyalty.store_actions import plan_store_actions, store_actions_of
from careloop.loyalty.tasks import process_events
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer, place_order, set_status
from tests.web.helpers import sign_in


def _connect(ctx: AppContext, shop: Shop, platform: str) -> None:
    with ctx.sessions() as s, s.begin():
        add_connector(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            platform=platform,
            secret="a-long-enough-test-secret",
        )


def _redeem(ctx: AppContext, shop: Shop, customer: Customer, reward: str, points: int) -> None:
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        add_points(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            points=points,
            reason="test balance",
            idempotency_key=f"seed:{reward}",
        )
        redeem_reward(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            reward_key=reward,
            idempotency_key=f"r:{reward}",
        )


def _actions(ctx: AppContext, shop: Shop, customer: Customer) -> list[tuple[str, str, str]]:
    with ctx.sessions() as s:
        return [
            (a.note or "", a.action, a.value)
            for a in store_actions_of(s, shop.id, customer.id, status="pending")
        ]


def test_express_shipping_reward_asks_a_shopify_store_to_tag_the_customer(
    ctx: AppContext, shop: Shop
) -> None:
    _connect(ctx, shop, "shopify")
    customer = make_customer(ctx, shop)
    _redeem(ctx, shop, customer, "express_shipping", 2000)
    assert _actions(ctx, shop, customer) == [
        ("shopify", "tag_customer", "careloop-free-express-shipping")
    ]


def test_free_shipping_on_woocommerce_is_a_shipping_rule_and_early_access_is_not_asked() -> None:
    plan = plan_store_actions(
        gained=["free_shipping", "early_access"], lost=[], platforms=["woocommerce"]
    )
    assert [(p.action, p.entitlement) for p in plan] == [("shipping_rule", "free_shipping")]


def test_without_a_store_connection_no_store_action_is_recorded(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    _redeem(ctx, shop, customer, "early_access", 500)
    assert _actions(ctx, shop, customer) == []


def test_reaching_gold_tags_the_customer_for_free_shipping_in_haravan(
    ctx: AppContext, shop: Shop
) -> None:
    _connect(ctx, shop, "haravan")
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    place_order(ctx, shop, "G-1", total="6000000", status="paid")
    set_status(ctx, shop, "G-1", "delivered")
    process_events(ctx)
    values = {value for _platform, _action, value in _actions(ctx, shop, customer)}
    assert "careloop-free-shipping" in values


def test_member_page_shows_the_pending_store_action(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _connect(ctx, shop, "shopify")
    customer = make_customer(ctx, shop)
    _redeem(ctx, shop, customer, "express_shipping", 2000)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get(f"/loyalty/members/{customer.id}")
    assert page.status_code == 200
    assert "Gắn thẻ khách hàng careloop-free-express-shipping" in page.text
    assert "đang chờ cửa hàng" in page.text
