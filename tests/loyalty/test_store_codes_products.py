"""Product-aware codes in the store (issue 24 items 1, 5, 6): a coupon limited to skus or
categories is created in the store limited to the store's own product ids, learnt from the
platform's product webhooks; a sku the store's ids are unknown for holds the code (and its
message) with the reason, never creating a code that applies to everything. Also: the
customer's redeem on the loyalty page creates the store code before the message is sent.

Against the local server of tests/loyalty/stores.py (each platform's documented discount
API, answering with the published samples)."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.core.attention import needs_attention
from careloop.core.clock import VirtualClock
from careloop.loyalty.models import CouponRedemption
from careloop.loyalty.page import loyalty_link
from careloop.loyalty.processing import process_pending
from careloop.loyalty.service import add_points, enable_program
from careloop.loyalty.tasks import process_events
from careloop.orders.models import Product
from careloop.products.platform import products_from_payload
from careloop.products.schemas import ProductIn
from careloop.products.service import save_product
from careloop.shops.models import Shop
from tests.channels.helpers import configure, dispatch
from tests.connectors.conftest import fixture, sign_base64
from tests.journeys.factories import install_playbook, run_journeys
from tests.loyalty.factories import make_customer
from tests.loyalty.stores import FakeStores, sample, stores
from tests.loyalty.test_store_codes import (
    WEBHOOK_SECRET,
    _enqueue_with_code,
    connect_store,
    coupon_of,
    issue,
    sync,
)

__all__ = ["stores"]

Stores = tuple[FakeStores, str]
# The published Shopify Product sample (tests/fixtures/shopify/product.json, SOURCE.md).
IPOD = sample("shopify", "product.json")["product"]
PINK_SKU, PINK_VARIANT, IPOD_ID = "IPOD2008PINK", 808950810, 632910392


def _catalogue(ctx: AppContext, shop: Shop, *rows: dict[str, Any]) -> None:
    with ctx.sessions() as s, s.begin():
        for row in rows:
            save_product(session=s, clock=ctx.clock, shop=s.merge(shop), data=ProductIn(**row))


def _ipod_from_webhook(ctx: AppContext, shop: Shop) -> None:
    rows, problems = products_from_payload(IPOD)
    assert problems == []
    with ctx.sessions() as s, s.begin():
        for row in rows:
            save_product(session=s, clock=ctx.clock, shop=s.merge(shop), data=row)


def test_the_product_webhook_keeps_the_stores_product_and_variant_ids() -> None:
    """Shopify Admin REST Product: `id` of the product, `variants[].id` and `.sku` (the
    official Python SDK's test/fixtures/product.json, replayed verbatim)."""
    rows, _ = products_from_payload(IPOD)
    ids = {r.sku: (r.store_product_id, r.store_variant_id) for r in rows}
    assert ids[PINK_SKU] == (str(IPOD_ID), str(PINK_VARIANT))
    assert len(ids) == 4 and {p for p, _ in ids.values()} == {str(IPOD_ID)}


def test_sku_limited_code_is_created_in_shopify_for_exactly_that_variant(
    ctx: AppContext, shop: Shop, stores: Stores
) -> None:
    """Shopify REST 2024-01 PriceRule: `entitled_variant_ids` ("can be used only with
    target_type set to line_item and target_selection set to entitled")."""
    fake, url = stores
    connect_store(ctx, shop, "shopify", url)
    _ipod_from_webhook(ctx, shop)
    code = issue(ctx, shop, None, product_skus=[PINK_SKU])

    assert sync(ctx) == 1

    assert coupon_of(ctx, shop, code).store_status == "synced"
    rule = fake.writes()[0].body["price_rule"]
    assert (rule["target_type"], rule["target_selection"]) == ("line_item", "entitled")
    assert rule["entitled_variant_ids"] == [PINK_VARIANT]
    assert "entitled_product_ids" not in rule


def test_category_limited_code_is_limited_to_the_stores_products_of_that_category(
    ctx: AppContext, shop: Shop, stores: Stores
) -> None:
    """A Careloop category is the platform's `product_type` (no collection id arrives with a
    product), so it is sent as the variants of the products of that type."""
    fake, url = stores
    connect_store(ctx, shop, "shopify", url)
    _ipod_from_webhook(ctx, shop)
    _catalogue(ctx, shop, {"sku": "MUG-1", "name": "Mug", "category": "Mugs"})
    code = issue(ctx, shop, None, categories=["cult products"])

    sync(ctx)

    assert coupon_of(ctx, shop, code).store_status == "synced"
    rule = fake.writes()[0].body["price_rule"]
    assert sorted(rule["entitled_variant_ids"]) == sorted(v["id"] for v in IPOD["variants"])


def test_sku_limited_code_is_created_in_woocommerce_and_haravan_for_that_product(
    ctx: AppContext, make_shop: Any, stores: Stores
) -> None:
    """WooCommerce REST v3 coupon `product_ids` (a variation has its own id there);
    Haravan DiscountCode `applies_to_resource` "product" with `applies_to_id`."""
    fake, url = stores
    for platform in ("woocommerce", "haravan"):
        shop = make_shop(f"shop-{platform}")
        connect_store(ctx, shop, platform, url)
        _ipod_from_webhook(ctx, shop)
        issue(ctx, shop, None, product_skus=[PINK_SKU])
    sync(ctx)
    woo, haravan = (c.body for c in fake.writes())
    assert woo["product_ids"] == [PINK_VARIANT]
    assert "maximum_amount" not in woo  # the largest order accepted, not a discount cap
    assert haravan["discount"]["applies_to_resource"] == "product"
    assert haravan["discount"]["applies_to_id"] == IPOD_ID


def test_a_sku_the_store_does_not_know_holds_the_code_and_its_message_with_the_reason(
    ctx: AppContext, clock: VirtualClock, shop: Shop, stores: Stores
) -> None:
    fake, url = stores
    connect_store(ctx, shop, "shopify", url)
    configure(ctx, shop, "email", provider="outbox")
    _catalogue(ctx, shop, {"sku": "BEAN-1KG", "name": "Beans"})  # entered by hand: no store id
    customer = make_customer(ctx, shop, email="mai@example.com", name="Mai")
    code = issue(ctx, shop, customer, product_skus=["BEAN-1KG"])
    message_id = _enqueue_with_code(ctx, shop, customer, code)

    sync(ctx)
    dispatch(ctx)

    assert fake.writes() == []  # never a code that applies to every product
    coupon = coupon_of(ctx, shop, code)
    assert coupon.store_status == "refused" and "BEAN-1KG" in str(coupon.store_error)
    with ctx.sessions() as s:
        message = s.get_one(Message, message_id)
        assert message.status == "queued" and "BEAN-1KG" in str(message.reason)
        said = [i.say("en") for i in needs_attention(s, s.merge(shop), clock.now())]
    assert any("not created in the store" in line and "BEAN-1KG" in line for line in said)

    # The product webhook arrives with the store's ids: the retry creates the limited code.
    _catalogue(ctx, shop, {"sku": "BEAN-1KG", "store_product_id": "77", "store_variant_id": "78"})
    clock.advance(timedelta(minutes=2))
    sync(ctx)
    assert coupon_of(ctx, shop, code).store_status == "synced"
    assert fake.writes()[0].body["price_rule"]["entitled_variant_ids"] == [78]


def test_a_percent_code_with_free_shipping_is_refused_by_shopify_and_sent_whole_to_woocommerce(
    ctx: AppContext, make_shop: Any, stores: Stores
) -> None:
    """Shopify PriceRule `target_type` is line_item or shipping_line and a code belongs to
    one rule, so one code cannot do both (refused, saying so); WooCommerce's coupon takes
    `free_shipping` beside a percent `discount_type` ("Coupon properties")."""
    fake, url = stores
    codes = {}
    for platform in ("shopify", "woocommerce"):
        shop = make_shop(f"shop-{platform}")
        connect_store(ctx, shop, platform, url)
        codes[platform] = (shop, issue(ctx, shop, None, percent_off=25, free_shipping=True))
    sync(ctx)
    shopify = coupon_of(ctx, *codes["shopify"])
    assert shopify.store_status == "refused"
    assert "either the items or the shipping" in str(shopify.store_error)
    assert coupon_of(ctx, *codes["woocommerce"]).store_status == "synced"
    (woo,) = [c.body for c in fake.writes()]
    assert (woo["discount_type"], woo["amount"], woo["free_shipping"]) == ("percent", "25", True)


def test_the_customers_redeem_on_the_loyalty_page_creates_the_store_code_before_it_is_sent(
    ctx: AppContext, clock: VirtualClock, shop: Shop, stores: Stores, app_client: TestClient
) -> None:
    """Shopify REST 2024-01 "Create a price rule" then "Create a discount code" (the
    shopify-api-ruby samples the server answers with): the reward's percentage, minimum order
    and expiry; the message carrying the code waits until the store has it."""
    fake, url = stores
    connect_store(ctx, shop, "shopify", url)
    configure(ctx, shop, "email", provider="outbox")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    install_playbook(ctx, shop, "loyalty_messages.yaml")
    lan = make_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@x.vn", locale="vi")
    with ctx.sessions() as s, s.begin():
        add_points(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(lan),
            points=500,
            reason="welcome",
            idempotency_key="welcome",
        )
    path = loyalty_link(ctx, shop, lan).removeprefix(ctx.settings.base_url)
    nonce = re.search(r'name="nonce" value="([^"]+)"', app_client.get(path).text)
    assert nonce is not None

    page = app_client.post(path + "/redeem", data={"reward": "discount_10", "nonce": nonce[1]})

    shown = re.search(r'data-testid="redeemed-code">([A-Z0-9]+)<', page.text)
    assert page.status_code == 200 and shown is not None
    code = shown[1]
    for _ in range(3):
        process_events(ctx)
        run_journeys(ctx)
    dispatch(ctx)
    sent = _code_messages(ctx, code)
    assert sent and all(m.status == "queued" for m in sent)  # the store has no code yet
    assert fake.writes() == []

    assert sync(ctx) == 1

    coupon = coupon_of(ctx, shop, code)
    expires = coupon.expires_at
    assert coupon.store_status == "synced" and expires is not None
    assert coupon.percent_off == 10 and coupon.min_order_minor
    rule_call, code_call = fake.writes()
    rule = rule_call.body["price_rule"]
    assert (rule["value_type"], rule["value"]) == ("percentage", "-10.0")
    assert rule["prerequisite_subtotal_range"] == {
        "greater_than_or_equal_to": f"{coupon.min_order_minor:.2f}"
    }
    assert rule["ends_at"] == expires.isoformat().replace("+00:00", "Z")
    assert code_call.body == {"discount_code": {"code": code}}
    clock.advance(timedelta(minutes=2))
    dispatch(ctx)
    assert {m.status for m in _code_messages(ctx, code)} == {"delivered"}


def _code_messages(ctx: AppContext, code: str) -> list[Message]:
    with ctx.sessions() as s:
        return [
            m
            for m in s.scalars(select(Message).where(Message.template_key.like("loyalty.%")))
            if code in json.dumps(m.rendered or {}, ensure_ascii=False)
        ]


def test_a_store_order_using_a_product_limited_code_marks_it_redeemed_once_when_repeated(
    ctx: AppContext, shop: Shop, stores: Stores, app_client: TestClient
) -> None:
    """The products/create webhook carries the published Product sample; the orders/create
    sample (tests/fixtures/connectors/shopify_orders_create.json) buys that variant with our
    code in `discount_codes`, delivered twice with one X-Shopify-Webhook-Id (shopify.dev
    Webhooks: "Ignore duplicate webhooks")."""
    fake, url = stores
    connect_store(ctx, shop, "shopify", url)
    _post(app_client, shop, "products/create", IPOD, "0f1e2d3c-0000-4000-8000-000000000001")
    with ctx.sessions() as s:
        pink = s.scalars(select(Product).where(Product.sku == PINK_SKU)).one()
        assert pink.store_variant_id == str(PINK_VARIANT)
    code = issue(ctx, shop, None, min_order_minor=0, product_skus=[PINK_SKU])
    sync(ctx)
    assert fake.writes()[0].body["price_rule"]["entitled_variant_ids"] == [PINK_VARIANT]
    order = copy.deepcopy(fixture("shopify_orders_create.json"))
    order["line_items"][0] |= {"sku": PINK_SKU, "product_id": IPOD_ID, "variant_id": PINK_VARIANT}
    order["discount_codes"] = [{"code": code, "amount": "38000.00", "type": "percentage"}]
    for _ in range(2):
        _post(app_client, shop, "orders/create", order, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        with ctx.sessions() as s, s.begin():
            process_pending(s, ctx.clock)

    coupon = coupon_of(ctx, shop, code)
    with ctx.sessions() as s:
        uses = s.scalar(
            select(func.count())
            .select_from(CouponRedemption)
            .where(CouponRedemption.coupon_id == coupon.id)
        )
    assert coupon.used_count == 1 and uses == 1
    assert coupon.store_status == "synced" and sync(ctx) == 0


def _post(client: TestClient, shop: Shop, topic: str, payload: Any, event_id: str) -> None:
    body = json.dumps(payload).encode()
    response = client.post(
        f"/api/v1/webhooks/shopify/{shop.slug}",
        content=body,
        headers={
            "X-Shopify-Hmac-Sha256": sign_base64(body, WEBHOOK_SECRET),
            "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": event_id,
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200, response.text
