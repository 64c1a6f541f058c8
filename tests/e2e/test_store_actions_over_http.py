"""A privilege acts in the store, end to end (issue 24, item 3): the real app served over
HTTP receives a Shopify shop's signed `orders/create` webhooks; the worker turns the third
order into the Gold tier, whose free shipping becomes the customer tag
`careloop-free-shipping` on the customer in a local server speaking Shopify's documented
Customer API, exactly once, however often the store repeats its webhooks; the member page
then says it is done in the store.

Shopify behaviour replayed: webhooks as shopify.dev "Deliver webhooks through HTTPS" >
"Verify the webhook" describes them (base64 HMAC-SHA256 of the raw body in
`X-Shopify-Hmac-Sha256`, `X-Shopify-Topic`, `X-Shopify-Webhook-Id` the same on a retried
delivery); the order body is the Order resource of tests/fixtures/connectors (README); the
Customer API (GET, then PUT `{"customer": {"id", "tags"}}` with the whole comma-separated
list) answers the official Ruby SDK's samples (tests/loyalty/shopify_customers.py,
tests/fixtures/shopify/SOURCE.md).

Every wait is on a condition (the worker's passes until the store holds the tag)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from careloop.connectors.discounts import save_credentials
from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.loyalty.models import StoreAction
from careloop.loyalty.service import enable_program
from careloop.loyalty.store_action_sync import split_tags
from careloop.shops.models import Shop
from careloop.worker import run_once
from tests.connectors.conftest import SECRET, fixture, sign_base64
from tests.loyalty.shopify_customers import FakeShopify, serve
from tests.loyalty.stores import TOKEN
from tests.web.helpers import login

TAG = "careloop-free-shipping"


@pytest.fixture
def store() -> Iterator[tuple[FakeShopify, str]]:
    """The customer of the order sample (customer.id 7412365098571), with a tag of the shop's."""
    fake = FakeShopify(
        tags="wholesale", customer_id=str(fixture("shopify_orders_create.json")["customer"]["id"])
    )
    with serve(fake) as url:
        yield fake, url


def _order(ctx: AppContext, n: int) -> dict[str, Any]:
    """The published order sample as the n-th order, placed now on the test's clock."""
    body = copy.deepcopy(fixture("shopify_orders_create.json"))
    now = ctx.clock.now().isoformat()
    body |= {
        "id": 5830227345483 + n,
        "admin_graphql_api_id": f"gid://shopify/Order/{5830227345483 + n}",
        "name": f"#{1041 + n}",
        "order_number": 1041 + n,
        "created_at": now,
        "processed_at": now,
        "updated_at": now,
    }
    return body


def _deliver(live_server: str, body: dict[str, Any], delivery_id: str) -> httpx.Response:
    raw = json.dumps(body).encode()
    return httpx.post(
        f"{live_server}/api/v1/webhooks/shopify/acme",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": sign_base64(raw, SECRET),
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": delivery_id,
        },
        timeout=30,
    )


def _work_until(ctx: AppContext, done: Callable[[], bool], passes: int = 10) -> None:
    """Run the worker pass by pass until `done` (a condition), at most `passes` times."""
    for _ in range(passes):
        if done():
            return
        run_once(ctx)
    assert done(), "the worker did not get there"


def _actions(ctx: AppContext, shop: Shop) -> list[StoreAction]:
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(StoreAction).where(StoreAction.shop_id == shop.id).order_by(StoreAction.id)
            )
        )


def _tagged_with_free_shipping(fake: FakeShopify) -> list[Any]:
    return [body for body in fake.puts() if TAG in split_tags(body["customer"]["tags"])]


def test_a_member_reaching_gold_is_tagged_for_free_shipping_in_shopify_exactly_once(
    ctx: AppContext,
    shop: Shop,
    live_server: str,
    store: tuple[FakeShopify, str],
    make_staff: Callable[..., str],
) -> None:
    clock = ctx.clock
    assert isinstance(clock, VirtualClock)
    fake, url = store
    with ctx.sessions() as s, s.begin():
        connector = add_connector(
            session=s, clock=clock, shop=s.merge(shop), platform="shopify", secret=SECRET
        )
        assert save_credentials(connector, {"base_url": url, "token": TOKEN})
        enable_program(session=s, clock=clock, shop=s.merge(shop))
    clock.advance(timedelta(minutes=1))

    for n in (1, 2, 3):
        assert _deliver(live_server, _order(ctx, n), f"delivery-{n}").status_code == 200
        clock.advance(timedelta(days=1))
    _work_until(ctx, lambda: bool(_tagged_with_free_shipping(fake)))

    # The store repeats its deliveries (the same webhook id) and sends a fourth order.
    for n in (1, 2, 3):
        assert _deliver(live_server, _order(ctx, n), f"delivery-{n}").status_code == 200
    assert _deliver(live_server, _order(ctx, 4), "delivery-4").status_code == 200
    for _ in range(3):
        run_once(ctx)
        clock.advance(timedelta(minutes=5))

    assert len(_tagged_with_free_shipping(fake)) == 1
    assert fake.puts()[-1]["customer"]["id"] == int(fake.customer_id)
    # Silver (the first order) brought early access, Gold added free shipping; the shop's own
    # tag is kept.
    assert split_tags(fake.tags) == ["wholesale", "careloop-early-access", TAG]
    assert [(a.action, a.value, a.status) for a in _actions(ctx, shop)] == [
        ("tag_customer", "careloop-early-access", "done"),
        ("tag_customer", TAG, "done"),
    ]

    make_staff(shop, email="agent@acme.test", role="agent")
    with ctx.sessions() as s:
        customer = s.scalars(select(Customer).where(Customer.external_id == fake.customer_id)).one()
    with httpx.Client(base_url=live_server, timeout=30, follow_redirects=True) as staff:
        assert login(staff, "agent@acme.test").status_code == 200  # type: ignore[arg-type]
        page = staff.get(f"/loyalty/members/{customer.id}")
    assert page.status_code == 200
    assert TAG in page.text and "done in the store" in page.text
