"""Privileges that act in the store (issue 24, item 3): pending store actions are carried out
by the `loyalty.store_actions` worker task against a local HTTP server speaking Shopify's
documented Customer API (Admin REST 2024-01, shopify.dev/docs/api/admin-rest/2024-01/
resources/customer: "Retrieve a single customer" GET /customers/{id}.json, "Update a
customer's tags" PUT /customers/{id}.json with `{"customer": {"id", "tags"}}`, tags one
comma-separated string replacing the old one). Its answers are the official Ruby SDK's
samples (Shopify/shopify-api-ruby test/rest/2024_01/customer_test.rb test_12 and test_15,
tests/fixtures/shopify/SOURCE.md)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.connectors.discounts import save_credentials
from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.core.attention import needs_attention
from careloop.core.clock import VirtualClock
from careloop.customers.identity import link_identity
from careloop.customers.models import Customer
from careloop.loyalty.models import StoreAction
from careloop.loyalty.rewards import redeem_reward
from careloop.loyalty.service import add_points, enable_program
from careloop.loyalty.store_action_sync import (
    changed_tags,
    split_tags,
    sync_due,
    unsupported_reason,
)
from careloop.loyalty.store_actions import record_store_actions
from careloop.shops.models import Shop
from careloop.worker import registered_tasks
from tests.loyalty.factories import make_customer
from tests.loyalty.stores import TOKEN, sample
from tests.web.helpers import csrf_from, sign_in

SHOPIFY_ID = "207119551"  # Bob Norman of the SDK samples
CUSTOMER_PATH = f"/admin/api/2024-01/customers/{SHOPIFY_ID}.json"
FREE_SHIPPING_TAG = "careloop-free-shipping"


@dataclass
class FakeShopify:
    """Keeps one customer's tags; GET and PUT answer the SDK's published samples."""

    tags: str = "L\u00e9on, No\u00ebl"  # the sample customer's own tags
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    refuse: list[tuple[int, Any]] = field(default_factory=list)

    def puts(self) -> list[Any]:
        return [body for method, _path, body in self.calls if method == "PUT"]

    def answer(self, method: str, path: str, token: str | None, body: Any) -> tuple[int, Any]:
        if token != TOKEN:
            return 401, {"errors": "[API] Invalid API key or access token"}
        if path.split("?")[0] != CUSTOMER_PATH:
            return 404, {"errors": "Not Found"}
        if self.refuse:
            return self.refuse.pop(0)
        if method == "GET":
            answer = sample("shopify", "customer_show_response.json")
            answer["customer"]["tags"] = self.tags
            return 200, answer
        if method == "PUT":
            customer = (body or {}).get("customer") or {}
            if not isinstance(customer.get("tags"), str):
                return 422, {"errors": {"tags": ["is invalid"]}}
            self.tags = customer["tags"]
            answer = sample("shopify", "customer_update_tags_response.json")
            answer["customer"]["tags"] = self.tags
            return 200, answer
        return 405, {"errors": "Method Not Allowed"}


@pytest.fixture
def shopify() -> Iterator[tuple[FakeShopify, str]]:
    fake = FakeShopify()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            body = json.loads(raw) if raw else None
            fake.calls.append((self.command, self.path, body))
            status, answer = fake.answer(
                self.command, self.path, self.headers.get("x-shopify-access-token"), body
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _connect(ctx: AppContext, shop: Shop, platform: str, creds: dict[str, str] | None) -> None:
    with ctx.sessions() as s, s.begin():
        connector = add_connector(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            platform=platform,
            secret="a-long-enough-test-secret",
        )
        if creds:
            assert save_credentials(connector, creds)


def _member(ctx: AppContext, shop: Shop, *, linked: bool = True) -> Customer:
    customer = make_customer(ctx, shop, email="bob.norman@mail.example.com")
    if linked:
        with ctx.sessions() as s, s.begin():
            link_identity(
                session=s,
                now=ctx.clock.now(),
                shop_id=shop.id,
                customer_id=customer.id,
                source="shopify",
                external_id=SHOPIFY_ID,
                matched_on="id",
            )
    return customer


def _change(ctx: AppContext, shop: Shop, customer: Customer, cause: str, *, gained: bool) -> None:
    with ctx.sessions() as s, s.begin():
        record_store_actions(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=customer.id,
            gained=["free_shipping"] if gained else [],
            lost=[] if gained else ["free_shipping"],
            cause=cause,
        )


def _rows(ctx: AppContext, shop: Shop) -> list[StoreAction]:
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(StoreAction).where(StoreAction.shop_id == shop.id).order_by(StoreAction.id)
            )
        )


def _sync(ctx: AppContext) -> int:
    return sync_due(ctx.sessions, ctx.clock)


def _shopify(ctx: AppContext, shop: Shop, url: str) -> None:
    _connect(ctx, shop, "shopify", {"base_url": url, "token": TOKEN})


def test_tags_are_read_as_shopifys_comma_separated_string_and_changed_only_when_needed() -> None:
    """Shopify Customer `tags`: "A string of comma-separated values" (shopify.dev REST
    Customer properties); the SDK sample "L\u00e9on, No\u00ebl"; tags are not case sensitive
    (help.shopify.com Flow "Add customer tags")."""
    current = split_tags("L\u00e9on, No\u00ebl")
    assert current == ["L\u00e9on", "No\u00ebl"]
    assert changed_tags(current, "vip", add=True) == ["L\u00e9on", "No\u00ebl", "vip"]
    assert changed_tags([*current, "VIP"], "vip", add=True) is None
    assert changed_tags([*current, "vip"], "vip", add=False) == current
    assert changed_tags(current, "vip", add=False) is None
    assert split_tags("") == [] and split_tags(None) == []


def test_gained_free_shipping_tags_the_shopify_customer_keeping_their_other_tags(
    ctx: AppContext, shop: Shop, shopify: tuple[FakeShopify, str]
) -> None:
    """Read first (GET customers/{id}.json, SDK test_12), then PUT the whole list (test_15)."""
    fake, url = shopify
    _shopify(ctx, shop, url)
    customer = _member(ctx, shop)
    _change(ctx, shop, customer, "grant-1", gained=True)

    assert _sync(ctx) == 1

    assert fake.tags == "L\u00e9on, No\u00ebl, careloop-free-shipping"
    assert fake.puts() == [
        {"customer": {"id": 207119551, "tags": "L\u00e9on, No\u00ebl, careloop-free-shipping"}}
    ]
    [row] = _rows(ctx, shop)
    assert (row.status, row.error, row.done_at) == ("done", None, ctx.clock.now())
    assert _sync(ctx) == 0  # done is done: nothing is sent again


def test_a_repeated_grant_does_not_add_the_tag_twice_and_a_loss_removes_it_once(
    ctx: AppContext, shop: Shop, shopify: tuple[FakeShopify, str]
) -> None:
    fake, url = shopify
    _shopify(ctx, shop, url)
    customer = _member(ctx, shop)
    _change(ctx, shop, customer, "grant-1", gained=True)
    _sync(ctx)
    _change(ctx, shop, customer, "grant-2", gained=True)
    _change(ctx, shop, customer, "grant-2", gained=True)  # a retried event records nothing
    assert len(_rows(ctx, shop)) == 2

    _sync(ctx)
    assert fake.tags == "L\u00e9on, No\u00ebl, careloop-free-shipping"
    assert len(fake.puts()) == 1  # already tagged: read, nothing written

    _change(ctx, shop, customer, "lost-1", gained=False)
    _sync(ctx)
    _change(ctx, shop, customer, "lost-2", gained=False)
    _sync(ctx)
    assert fake.tags == "L\u00e9on, No\u00ebl"
    assert len(fake.puts()) == 2
    assert [r.status for r in _rows(ctx, shop)] == ["done"] * 4


def test_a_grant_then_a_loss_before_the_worker_runs_ends_untagged(
    ctx: AppContext, shop: Shop, shopify: tuple[FakeShopify, str]
) -> None:
    """The latest intent for a tag wins; the earlier one is settled without a call."""
    fake, url = shopify
    _shopify(ctx, shop, url)
    customer = _member(ctx, shop)
    _change(ctx, shop, customer, "grant-1", gained=True)
    _change(ctx, shop, customer, "lost-1", gained=False)
    _sync(ctx)
    assert fake.tags == "L\u00e9on, No\u00ebl"
    assert fake.puts() == []
    assert [r.status for r in _rows(ctx, shop)] == ["done", "done"]


def test_store_refusal_is_shown_and_retried_with_backoff_until_it_succeeds(
    ctx: AppContext, shop: Shop, shopify: tuple[FakeShopify, str]
) -> None:
    """A 4xx answer is the store's refusal (Shopify REST "Status and error codes": 402/403/
    422 with an `errors` body); it is kept for staff and retried 1, 2 ... minutes later."""
    clock = ctx.clock
    assert isinstance(clock, VirtualClock)
    fake, url = shopify
    _shopify(ctx, shop, url)
    customer = _member(ctx, shop)
    _change(ctx, shop, customer, "grant-1", gained=True)
    fake.refuse = [
        (403, {"errors": "This action requires merchant approval for write_customers scope."})
    ]

    assert _sync(ctx) == 1
    [row] = _rows(ctx, shop)
    assert row.status == "refused" and row.attempts == 1
    assert row.error and "shopify refused: 403" in row.error and "write_customers" in row.error
    assert row.next_at == clock.now() + timedelta(minutes=1)
    with ctx.sessions() as s:
        items = [
            i for i in needs_attention(s, s.merge(shop), clock.now()) if "store_actions" in i.key
        ]
    assert items and "write_customers" in items[0].say("en")

    assert _sync(ctx) == 0  # not before its retry time
    clock.advance(timedelta(minutes=1))
    assert _sync(ctx) == 1
    [row] = _rows(ctx, shop)
    assert (row.status, row.error, row.attempts) == ("done", None, 0)
    assert fake.tags.endswith(", careloop-free-shipping")


def test_a_customer_without_a_shopify_id_waits_with_the_reason(
    ctx: AppContext, shop: Shop, shopify: tuple[FakeShopify, str]
) -> None:
    fake, url = shopify
    _shopify(ctx, shop, url)
    customer = _member(ctx, shop, linked=False)
    _change(ctx, shop, customer, "grant-1", gained=True)
    _sync(ctx)
    [row] = _rows(ctx, shop)
    assert row.status == "refused" and row.next_at is not None
    assert row.error == "the customer is not linked to a shopify customer id yet"
    assert fake.calls == []


@pytest.mark.parametrize("platform", ["haravan", "sapo", "woocommerce"])
def test_platforms_without_a_documented_customer_tags_api_refuse_for_good_without_a_call(
    ctx: AppContext, shop: Shop, platform: str
) -> None:
    _connect(ctx, shop, platform, None)
    customer = _member(ctx, shop, linked=False)
    _change(ctx, shop, customer, "grant-1", gained=True)
    assert _sync(ctx) == 0
    [row] = _rows(ctx, shop)
    assert row.status == "refused" and row.next_at is None
    assert row.error == unsupported_reason(platform, row.action)
    assert row.error is not None and row.error.startswith(f"not supported by {platform}")


def test_member_page_shows_why_the_store_refused(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    _connect(ctx, shop, "haravan", None)
    customer = _member(ctx, shop, linked=False)
    _change(ctx, shop, customer, "grant-1", gained=True)
    _sync(ctx)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get(f"/loyalty/members/{customer.id}")
    assert page.status_code == 200
    assert "chưa thực hiện được trên cửa hàng" in page.text
    assert "not supported by haravan" in page.text


def test_redeeming_express_shipping_tags_the_customer_in_shopify_through_the_worker_task(
    ctx: AppContext, shop: Shop, shopify: tuple[FakeShopify, str]
) -> None:
    """From the reward to the store: the redemption records the action, the registered
    `loyalty.store_actions` task carries it out."""
    fake, url = shopify
    _shopify(ctx, shop, url)
    customer = _member(ctx, shop)
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        add_points(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            points=2000,
            reason="test balance",
            idempotency_key="seed",
        )
        redeem_reward(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            reward_key="express_shipping",
            idempotency_key="r:express",
        )
    assert fake.calls == []  # nothing is sent inside the business transaction

    assert registered_tasks()["loyalty.store_actions"](ctx) == 1

    assert split_tags(fake.tags)[-1] == "careloop-free-express-shipping"
    assert [r.status for r in _rows(ctx, shop)] == ["done"]


def test_staff_fix_the_link_and_try_the_store_again_from_the_member_page(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    shopify: tuple[FakeShopify, str],
) -> None:
    clock = ctx.clock
    assert isinstance(clock, VirtualClock)
    fake, url = shopify
    _shopify(ctx, shop, url)
    customer = _member(ctx, shop, linked=False)
    _change(ctx, shop, customer, "grant-1", gained=True)
    _sync(ctx)
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get(f"/loyalty/members/{customer.id}")
    assert "not linked to a shopify customer id" in page.text
    [row] = _rows(ctx, shop)
    retry_url = f"/loyalty/members/{customer.id}/store-actions/{row.id}/retry"
    assert retry_url in page.text

    with ctx.sessions() as s, s.begin():
        link_identity(
            session=s,
            now=clock.now(),
            shop_id=shop.id,
            customer_id=customer.id,
            source="shopify",
            external_id=SHOPIFY_ID,
            matched_on="id",
        )
    clock.advance(timedelta(seconds=10))
    retried = app_client.post(retry_url, data={"csrf_token": csrf_from(page)})
    assert retried.status_code == 200
    assert _rows(ctx, shop)[0].next_at == clock.now()
    assert _sync(ctx) == 1
    assert _rows(ctx, shop)[0].status == "done"
    assert fake.tags.endswith(", careloop-free-shipping")


def test_another_shops_store_action_cannot_be_retried(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get("/loyalty")
    answer = app_client.post(
        "/loyalty/members/1/store-actions/999/retry", data={"csrf_token": csrf_from(page)}
    )
    assert answer.status_code == 404
