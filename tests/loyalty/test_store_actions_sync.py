"""Privileges that act in the store (issue 24, item 3): pending store actions are carried out
by the `loyalty.store_actions` worker task against a local HTTP server speaking Shopify's
documented Customer API (Admin REST 2024-01, shopify.dev/docs/api/admin-rest/2024-01/
resources/customer: "Retrieve a single customer" GET /customers/{id}.json, "Update a
customer's tags" PUT /customers/{id}.json with `{"customer": {"id", "tags"}}`, tags one
comma-separated string replacing the old one). Its answers are the official Ruby SDK's
samples (Shopify/shopify-api-ruby test/rest/2024_01/customer_test.rb test_12 and test_15,
tests/fixtures/shopify/SOURCE.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.connectors.discounts import save_credentials
from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.core.attention import needs_attention
from careloop.core.clock import VirtualClock
from careloop.customers.erasure import erase_customer
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
from careloop.orders.schemas import OrderIn
from careloop.orders.service import upsert_order
from careloop.shops.models import Shop
from careloop.worker import registered_tasks
from tests.loyalty import shopify_customers
from tests.loyalty.factories import make_customer
from tests.loyalty.shopify_customers import SHOPIFY_ID, FakeShopify
from tests.loyalty.stores import TOKEN
from tests.web.helpers import csrf_from, sign_in

shopify = shopify_customers.shopify  # the local Shopify Customer API server (a fixture)

FREE_SHIPPING_TAG = "careloop-free-shipping"


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


@pytest.mark.parametrize("platform", ["haravan", "sapo"])
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


def _shopify_order(ctx: AppContext, shop: Shop, customer_id: str, source: str) -> None:
    with ctx.sessions() as s, s.begin():
        upsert_order(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=OrderIn(
                order_id="450789469",
                customer_id=customer_id,
                placed_at=ctx.clock.now(),
                total="199650",
            ),
            source=source,
        )


def test_a_customer_the_shopify_connector_created_is_tagged_under_their_own_shopify_id(
    ctx: AppContext, shop: Shop, shopify: tuple[FakeShopify, str]
) -> None:
    """A customer first seen in a Shopify order is stored under the order's `customer.id`
    (Admin REST Order resource), with no separate link: that id is the one to tag."""
    fake, url = shopify
    _shopify(ctx, shop, url)
    _shopify_order(ctx, shop, SHOPIFY_ID, "shopify")
    with ctx.sessions() as s:
        customer = s.scalars(select(Customer).where(Customer.external_id == SHOPIFY_ID)).one()
    _change(ctx, shop, customer, "grant-1", gained=True)

    assert _sync(ctx) == 1

    assert [r.status for r in _rows(ctx, shop)] == ["done"]
    assert fake.tags.endswith(", careloop-free-shipping")


def test_a_number_that_came_from_another_source_is_not_taken_for_a_shopify_id(
    ctx: AppContext, shop: Shop, shopify: tuple[FakeShopify, str]
) -> None:
    fake, url = shopify
    _shopify(ctx, shop, url)
    _shopify_order(ctx, shop, SHOPIFY_ID, "api")
    with ctx.sessions() as s:
        customer = s.scalars(select(Customer).where(Customer.external_id == SHOPIFY_ID)).one()
    _change(ctx, shop, customer, "grant-1", gained=True)

    _sync(ctx)

    assert _rows(ctx, shop)[0].error == "the customer is not linked to a shopify customer id yet"
    assert fake.calls == []


def test_erasing_the_customer_stops_their_store_actions_and_scrubs_the_stores_answer(
    ctx: AppContext, shop: Shop, shopify: tuple[FakeShopify, str]
) -> None:
    """DESIGN rule 10: nothing more is done for an erased person; what the store said about
    them (which may quote their email) goes; what was done stays as a state word."""
    fake, url = shopify
    _shopify(ctx, shop, url)
    customer = _member(ctx, shop)
    _change(ctx, shop, customer, "grant-1", gained=True)
    _sync(ctx)
    fake.refuse = [(422, {"errors": {"email": ["bob.norman@mail.example.com is invalid"]}})]
    _change(ctx, shop, customer, "lost-1", gained=False)
    _sync(ctx)
    done, refused = _rows(ctx, shop)
    assert refused.error and "bob.norman@mail.example.com" in refused.error

    with ctx.sessions() as s, s.begin():
        report = erase_customer(
            session=s, clock=ctx.clock, shop=s.merge(shop), external_id="C-1", actor="t"
        )

    assert report.scrubbed["store_actions"] == 1  # the done one says nothing about them
    done, stopped = _rows(ctx, shop)
    assert (done.status, done.error) == ("done", None)
    assert (stopped.status, stopped.next_at, stopped.error) == ("stopped", None, "customer erased")
    clock = ctx.clock
    assert isinstance(clock, VirtualClock)
    clock.advance(timedelta(hours=2))
    calls = len(fake.calls)
    assert _sync(ctx) == 0
    assert len(fake.calls) == calls
    with ctx.sessions() as s:
        items = needs_attention(s, s.merge(shop), clock.now())
    assert not [i for i in items if "store_actions" in i.key]
