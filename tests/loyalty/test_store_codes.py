"""Coupons created in the shop's store before their message is sent, used up there when
redeemed in Careloop, and redeemed once when the store's order uses them. Against a local
server speaking each platform's documented discount API (tests/loyalty/stores.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from careloop.channels.models import Message
from careloop.connectors.discounts import StoreCode, price_rule, save_credentials
from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.core.attention import needs_attention
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.loyalty.coupons import issue_coupon, redeem_coupon
from careloop.loyalty.models import Coupon, CouponRedemption
from careloop.loyalty.processing import process_pending
from careloop.loyalty.store_codes import claim_due, sync_due
from careloop.shops.models import Shop
from tests.channels.helpers import configure, dispatch
from tests.loyalty.factories import make_customer
from tests.loyalty.stores import HARAVAN_TOKEN, KEY, SECRET, TOKEN, FakeStores, sample, stores

__all__ = ["stores"]

WEBHOOK_SECRET = "whsec-test-0123456789"
Stores = tuple[FakeStores, str]


def creds(platform: str, url: str) -> dict[str, str]:
    return {
        "shopify": {"base_url": url, "token": TOKEN},
        "woocommerce": {"base_url": url, "key": KEY, "secret": SECRET},
        "haravan": {"base_url": url, "token": HARAVAN_TOKEN},
        "sapo": {"base_url": url, "key": KEY, "secret": SECRET},
    }[platform]


def connect_store(ctx: AppContext, shop: Shop, platform: str, url: str) -> None:
    with ctx.sessions() as s, s.begin():
        connector = add_connector(
            session=s, clock=ctx.clock, shop=s.merge(shop), platform=platform, secret=WEBHOOK_SECRET
        )
        assert save_credentials(connector, creds(platform, url))


def issue(
    ctx: AppContext, shop: Shop, customer: Customer | None, key: str = "k1", **kw: Any
) -> str:
    params: dict[str, Any] = {"percent_off": 10, "valid_days": 30, "min_order_minor": 200_000}
    with ctx.sessions() as s, s.begin():
        coupon = issue_coupon(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer) if customer else None,
            reason="golden_hours_feedback",
            idempotency_key=key,
            **(params | kw),
        )
        return coupon.code


def coupon_of(ctx: AppContext, shop: Shop, code: str) -> Coupon:
    with ctx.sessions() as s:
        return s.scalars(select(Coupon).where(Coupon.shop_id == shop.id, Coupon.code == code)).one()


def sync(ctx: AppContext) -> int:
    return sync_due(ctx.sessions, ctx.clock)


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "haravan", "sapo"])
def test_code_issued_with_store_access_is_created_in_the_store_with_value_limit_expiry_and_minimum(
    ctx: AppContext, shop: Shop, stores: Stores, platform: str
) -> None:
    """Shopify Admin REST 2024-01 PriceRule + DiscountCode (shopify-api-ruby
    test/rest/2024_01/price_rule_test.rb, discount_code_test.rb); WooCommerce REST v3 "Create
    a coupon" (woocommerce-rest-api-docs wp-api-v3/_coupons.md); Haravan POST
    /com/discounts.json (docs.haravan.com Discount > DiscountCode); Sapo /admin/price_rules.json
    (Shopify's shape). Answers are the published samples."""
    fake, url = stores
    connect_store(ctx, shop, platform, url)
    customer = make_customer(ctx, shop, email="mai@example.com")
    code = issue(ctx, shop, customer)
    assert coupon_of(ctx, shop, code).store_status == "pending"

    assert sync(ctx) == 1

    coupon = coupon_of(ctx, shop, code)
    assert (coupon.store_status, coupon.store_error) == ("synced", None)
    assert coupon.store_ref
    expires = coupon.expires_at
    assert expires is not None
    writes = fake.writes()
    if platform in ("shopify", "sapo"):
        rule = writes[0].body["price_rule"]
        assert rule["value_type"] == "percentage" and rule["value"] == "-10.0"
        assert rule["usage_limit"] == 1
        assert rule["prerequisite_subtotal_range"] == {"greater_than_or_equal_to": "200000.00"}
        assert rule["ends_at"] == expires.isoformat().replace("+00:00", "Z")
        assert writes[1].body == {"discount_code": {"code": code}}
        rule_id, code_id = str(coupon.store_ref).split("/")
        assert writes[1].path.endswith(f"/price_rules/{rule_id}/discount_codes.json")
        assert int(code_id) == fake.codes[code]["id"]
    elif platform == "woocommerce":
        body = writes[0].body
        assert (body["code"], body["discount_type"], body["amount"]) == (code, "percent", "10")
        assert (body["usage_limit"], body["minimum_amount"]) == (1, "200000.00")
        assert body["date_expires_gmt"] == expires.strftime("%Y-%m-%dT%H:%M:%S")
        assert body["email_restrictions"] == ["mai@example.com"]
    else:
        discount = writes[0].body["discount"]
        assert (discount["discount_type"], discount["value"]) == ("percentage", 10.0)
        assert (discount["usage_limit"], discount["minimum_order_amount"]) == (1, 200000.0)
        assert discount["ends_at"] == expires.isoformat().replace("+00:00", "Z")
    assert sync(ctx) == 0  # nothing left to do: created once


def test_free_shipping_code_is_the_published_freeshipping_price_rule() -> None:
    """shopify-api-ruby test/rest/2024_01/price_rule_test.rb test_4 (FREESHIPPING): a
    shipping_line rule, all, each, percentage -100.0, with a minimum subtotal."""
    from datetime import UTC, datetime

    body = price_rule(
        StoreCode(
            code="FREESHIPPING",
            kind="free_shipping",
            currency="USD",
            starts_at=datetime(2017, 1, 19, 17, 59, 10, tzinfo=UTC),
            min_order=Decimal("50"),
            usage_limit=20,
        )
    )["price_rule"]
    published = {
        "title": "FREESHIPPING",
        "target_type": "shipping_line",
        "target_selection": "all",
        "allocation_method": "each",
        "value_type": "percentage",
        "value": "-100.0",
        "usage_limit": 20,
        "customer_selection": "all",
        "prerequisite_subtotal_range": {"greater_than_or_equal_to": "50.00"},
        "starts_at": "2017-01-19T17:59:10Z",
    }
    assert {k: body[k] for k in published} == published


def test_store_refusal_holds_the_message_with_the_reason_then_sends_once_the_code_exists(
    ctx: AppContext, clock: VirtualClock, shop: Shop, stores: Stores
) -> None:
    """A 422 as Shopify words it ({"errors": {field: [...]}}, shopify.dev REST status
    codes): the message stays queued with the reason, staff see it under Needs attention,
    and it goes out after the retry created the code."""
    fake, url = stores
    connect_store(ctx, shop, "shopify", url)
    configure(ctx, shop, "email", provider="outbox")
    customer = make_customer(ctx, shop, email="mai@example.com", name="Mai")
    code = issue(ctx, shop, customer)
    fake.refuse = [(422, {"errors": {"title": ["must be unique"]}})]
    message_id = _enqueue_with_code(ctx, shop, customer, code)

    sync(ctx)
    dispatch(ctx)

    coupon = coupon_of(ctx, shop, code)
    assert coupon.store_status == "refused"
    assert "422" in str(coupon.store_error) and "must be unique" in str(coupon.store_error)
    with ctx.sessions() as s:
        message = s.get_one(Message, message_id)
        assert message.status == "queued"
        assert f"waiting for code {code}" in str(message.reason)
        assert "must be unique" in str(message.reason)
        said = [i.say("en") for i in needs_attention(s, s.merge(shop), clock.now())]
    assert any("not created in the store" in line and "must be unique" in line for line in said)

    clock.advance(timedelta(minutes=2))
    assert sync(ctx) == 1
    assert coupon_of(ctx, shop, code).store_status == "synced"
    clock.advance(timedelta(minutes=2))
    dispatch(ctx)
    with ctx.sessions() as s:
        assert s.get_one(Message, message_id).status == "delivered"
        said = [i.say("en") for i in needs_attention(s, s.merge(shop), clock.now())]
    assert not any("not created in the store" in line for line in said)


def test_a_message_whose_code_the_store_refuses_shows_the_refusal_after_one_worker_pass(
    ctx: AppContext, shop: Shop, stores: Stores
) -> None:
    """The worker's pass creates codes in the store before channels sends (the manifests'
    WorkerTask order, decision 0028): after ONE pass the held message already says why the
    store refused (Shopify's 422 wording, shopify.dev REST status codes), not "waiting"
    alone until the next recheck."""
    from careloop.worker import run_once

    fake, url = stores
    connect_store(ctx, shop, "shopify", url)
    configure(ctx, shop, "email", provider="outbox")
    customer = make_customer(ctx, shop, email="mai@example.com", name="Mai")
    code = issue(ctx, shop, customer)
    fake.refuse = [(422, {"errors": {"title": ["must be unique"]}})]
    message_id = _enqueue_with_code(ctx, shop, customer, code)

    run_once(ctx)

    with ctx.sessions() as s:
        message = s.get_one(Message, message_id)
        assert message.status == "queued"
        assert f"waiting for code {code}" in str(message.reason)
        assert "must be unique" in str(message.reason)


def _enqueue_with_code(ctx: AppContext, shop: Shop, customer: Customer, code: str) -> int:
    from tests.channels.helpers import enqueue

    return enqueue(
        ctx,
        shop,
        customer.id,
        channels=["email"],
        template_key="anniversary.thank_you",
        context={
            "years": 1,
            "first_order_date": "2025-11-02",
            "coupon": {"code": code, "expires_at": "2026-12-02"},
        },
    )


def test_store_order_using_the_code_marks_it_redeemed_once_when_the_webhook_repeats(
    ctx: AppContext, shop: Shop, stores: Stores, app_client: Any
) -> None:
    """The Shopify orders/create sample (tests/fixtures/connectors/shopify_orders_create.json)
    with its `discount_codes` naming our code, delivered twice with the same
    X-Shopify-Webhook-Id (shopify.dev Webhooks: "Ignore duplicate webhooks")."""
    from tests.connectors.conftest import fixture, sign_base64

    fake, url = stores
    connect_store(ctx, shop, "shopify", url)
    code = issue(ctx, shop, None, percent_off=10, min_order_minor=0)
    sync(ctx)
    payload = fixture("shopify_orders_create.json")
    payload["discount_codes"] = [{"code": code.lower(), "amount": "48000.00", "type": "percentage"}]
    body = json.dumps(payload).encode()
    for _ in range(2):
        response = app_client.post(
            f"/api/v1/webhooks/shopify/{shop.slug}",
            content=body,
            headers={
                "X-Shopify-Hmac-Sha256": sign_base64(body, WEBHOOK_SECRET),
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
                "Content-Type": "application/json",
            },
        )
        assert response.status_code == 200
        with ctx.sessions() as s, s.begin():
            process_pending(s, ctx.clock)

    coupon = coupon_of(ctx, shop, code)
    assert coupon.used_count == 1
    with ctx.sessions() as s:
        uses = s.scalar(
            select(func.count())
            .select_from(CouponRedemption)
            .where(CouponRedemption.coupon_id == coupon.id)
        )
    assert uses == 1
    # The store's own checkout used it: nothing to use up there.
    assert coupon.store_status == "synced"
    assert sync(ctx) == 0 and fake.deleted == []


@pytest.mark.parametrize(
    ("platform", "method"),
    [("shopify", "DELETE"), ("woocommerce", "DELETE"), ("haravan", "PUT"), ("sapo", "DELETE")],
)
def test_code_redeemed_in_careloop_is_used_up_in_the_store(
    ctx: AppContext, shop: Shop, stores: Stores, platform: str, method: str
) -> None:
    """Shopify/Sapo: DELETE .../price_rules/{id}/discount_codes/{id}.json (discount_code_test.rb
    test_5); WooCommerce: DELETE /wp-json/wc/v3/coupons/<id>?force=true ("Delete a coupon");
    Haravan: PUT /com/discounts/{id}/disable.json."""
    fake, url = stores
    connect_store(ctx, shop, platform, url)
    customer = make_customer(ctx, shop)
    code = issue(ctx, shop, customer, min_order_minor=0)
    sync(ctx)
    with ctx.sessions() as s, s.begin():
        redeem_coupon(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            code=code,
            customer=s.merge(customer),
            order_ref="POS-1",
            order_total_minor=500_000,
            source="api",
        )
    assert coupon_of(ctx, shop, code).store_status == "use_up"

    assert sync(ctx) == 1

    coupon = coupon_of(ctx, shop, code)
    assert coupon.store_status == "used_up"
    last = fake.writes()[-1]
    assert last.method == method
    ref = str(coupon.store_ref)
    assert fake.deleted == [ref]


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "haravan"])
def test_a_code_whose_create_answer_was_lost_is_found_not_created_twice(
    ctx: AppContext, clock: VirtualClock, shop: Shop, stores: Stores, platform: str
) -> None:
    """A 500 after the store handled the request: the retry asks the store first (Shopify
    discount_codes/lookup.json answers 303 See Other to the code; WooCommerce GET
    /coupons?code=; Haravan GET /com/discounts.json?code=) and keeps the code it has."""
    fake, url = stores
    connect_store(ctx, shop, platform, url)
    code = issue(ctx, shop, None)
    fake.lose_answer = True
    sync(ctx)
    assert coupon_of(ctx, shop, code).store_status == "refused"
    assert code in fake.codes

    clock.advance(timedelta(minutes=2))
    sync(ctx)

    coupon = coupon_of(ctx, shop, code)
    assert coupon.store_status == "synced"
    assert str(coupon.store_ref).endswith(str(fake.codes[code]["id"]))
    code_posts = [c for c in fake.writes() if c.body and code in json.dumps(c.body)]
    assert (
        len([c for c in code_posts if "price_rules" not in c.path or "discount_codes" in c.path])
        == 1
    )


def test_a_claimed_code_is_not_claimed_again_while_its_call_is_in_flight(
    ctx: AppContext, clock: VirtualClock, shop: Shop, stores: Stores
) -> None:
    _fake, url = stores
    connect_store(ctx, shop, "woocommerce", url)
    code = issue(ctx, shop, None)
    with ctx.sessions() as s, s.begin():
        first = claim_due(s, clock.now())
    with ctx.sessions() as s, s.begin():
        second = claim_due(s, clock.now())
    assert [j.code.code for j in first] == [code] and second == []
    clock.advance(timedelta(minutes=3))  # the lease lapsed: a crashed worker's job returns
    with ctx.sessions() as s, s.begin():
        assert [j.code.code for j in claim_due(s, clock.now())] == [code]


def test_shop_without_store_access_issues_codes_without_store_sync(
    ctx: AppContext, shop: Shop, stores: Stores
) -> None:
    fake, _url = stores
    with ctx.sessions() as s, s.begin():
        add_connector(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            platform="shopify",
            secret=WEBHOOK_SECRET,
        )
    code = issue(ctx, shop, None)
    assert coupon_of(ctx, shop, code).store_status is None
    assert sync(ctx) == 0 and fake.calls == []


def test_published_samples_are_what_the_test_server_answers() -> None:
    assert (
        sample("shopify", "price_rule_create_response.json")["price_rule"]["title"]
        == "SUMMERSALE10OFF"
    )
    assert sample("woocommerce", "coupon_create_response.json")["code"] == "10off"
    assert sample("haravan", "discount.json")["discount_type"] == "percentage"


def test_reward_redeemed_for_points_creates_its_code_in_the_store(
    ctx: AppContext, shop: Shop, stores: Stores
) -> None:
    """The default reward (points for a percentage code) goes through issue_coupon like every
    other code, so it reaches the store (WooCommerce "Create a coupon")."""
    from careloop.loyalty.points import credit
    from careloop.loyalty.rewards import catalogue, redeem_reward
    from careloop.loyalty.service import enable_program

    fake, url = stores
    connect_store(ctx, shop, "woocommerce", url)
    customer = make_customer(ctx, shop, email="mai@example.com")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        reward = next(r for r in catalogue(s, shop.id) if r.kind == "percent")
        credit(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=customer.id,
            points=reward.cost,
            reason="test",
            idempotency_key="seed",
        )
        result = redeem_reward(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            reward_key=reward.key,
            idempotency_key="r1",
        )
    code = result.coupon_code
    assert code is not None
    sync(ctx)
    assert coupon_of(ctx, shop, code).store_status == "synced"
    body = fake.writes()[0].body
    assert (body["code"], body["discount_type"]) == (code, "percent")
    assert body["amount"] == str(reward.percent_off)
