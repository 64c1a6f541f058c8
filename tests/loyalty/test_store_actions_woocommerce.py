"""Free shipping as a privilege in a WooCommerce store (issue 24, item 3): WooCommerce
customers have no tags, so the member gets their own coupon, created by the
`loyalty.store_actions` task against a local server speaking the documented coupons API
(tests/loyalty/stores.py; woocommerce/woocommerce-rest-api-docs
source/includes/wp-api-v3/_coupons.md):

- "Coupon properties": `free_shipping` "If true and if the free shipping method requires a
  coupon, this coupon will enable free shipping"; `email_restrictions` "List of email
  addresses that can use this coupon"; the "List all coupons" sample's free-shipping coupon
  is `discount_type: fixed_cart`, `amount: 0.00`;
- "List all coupons" parameter `code` finds a coupon by its code (so a retry never creates a
  second); "Delete a coupon" is `DELETE /wp-json/wc/v3/coupons/<id>?force=true`;
- authentication: HTTP Basic consumer_key:consumer_secret (`_authentication.md`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.connectors.discounts import save_credentials
from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.loyalty.models import StoreAction
from careloop.loyalty.page import loyalty_link
from careloop.loyalty.store_action_sync import free_shipping_coupon, sync_due
from careloop.loyalty.store_actions import coupon_code, record_store_actions
from careloop.shops.models import Shop
from tests.loyalty import stores as store_servers
from tests.loyalty.factories import make_customer
from tests.loyalty.stores import KEY, SECRET, FakeStores
from tests.web.helpers import sign_in

stores = store_servers.stores  # the local store API server (a fixture)
EMAIL = "lan.nguyen@example.vn"
COUPONS = "/wp-json/wc/v3/coupons"


def _woocommerce(ctx: AppContext, shop: Shop, url: str) -> None:
    with ctx.sessions() as s, s.begin():
        connector = add_connector(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            platform="woocommerce",
            secret="a-long-enough-test-secret",
        )
        assert save_credentials(connector, {"base_url": url, "key": KEY, "secret": SECRET})


def _change(
    ctx: AppContext, shop: Shop, customer: Customer, cause: str, *, gained: bool, key: str
) -> None:
    with ctx.sessions() as s, s.begin():
        record_store_actions(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=customer.id,
            gained=[key] if gained else [],
            lost=[] if gained else [key],
            cause=cause,
        )


def _rows(ctx: AppContext, shop: Shop) -> list[StoreAction]:
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(StoreAction).where(StoreAction.shop_id == shop.id).order_by(StoreAction.id)
            )
        )


def _posts(fake: FakeStores) -> list[dict[str, object]]:
    return [c.body for c in fake.calls if c.method == "POST" and c.path == COUPONS]


def test_the_free_shipping_coupon_is_the_documented_free_shipping_coupon_for_one_email() -> None:
    body = free_shipping_coupon("careloop-free-shipping-ab12cd34", EMAIL)
    assert body["discount_type"] == "fixed_cart" and body["amount"] == "0"
    assert body["free_shipping"] is True
    assert body["email_restrictions"] == [EMAIL]
    assert "usage_limit" not in body and "date_expires_gmt" not in body  # the privilege lasts
    assert coupon_code("careloop-free-shipping", "AB12CD34") == "careloop-free-shipping-ab12cd34"


def test_gained_free_shipping_creates_the_members_own_coupon_once(
    ctx: AppContext, shop: Shop, stores: tuple[FakeStores, str]
) -> None:
    fake, url = stores
    _woocommerce(ctx, shop, url)
    customer = make_customer(ctx, shop, email=EMAIL)
    _change(ctx, shop, customer, "grant-1", gained=True, key="free_shipping")
    _change(ctx, shop, customer, "grant-2", gained=True, key="free_shipping")

    assert sync_due(ctx.sessions, ctx.clock) == 1  # the earlier grant is settled by the later

    code = coupon_code("careloop-free-shipping", customer.referral_code)
    assert [r.value for r in _rows(ctx, shop)] == [code, code]
    [created] = _posts(fake)
    assert created == free_shipping_coupon(code, EMAIL)
    assert code in fake.codes
    assert [r.status for r in _rows(ctx, shop)] == ["done", "done"]

    _change(ctx, shop, customer, "grant-3", gained=True, key="free_shipping")
    assert sync_due(ctx.sessions, ctx.clock) == 1
    assert len(_posts(fake)) == 1  # the store has it: looked up, not created again


def test_a_store_refusal_is_kept_and_the_retry_creates_the_coupon(
    ctx: AppContext, shop: Shop, stores: tuple[FakeStores, str]
) -> None:
    clock = ctx.clock
    assert isinstance(clock, VirtualClock)
    fake, url = stores
    _woocommerce(ctx, shop, url)
    customer = make_customer(ctx, shop, email=EMAIL)
    _change(ctx, shop, customer, "grant-1", gained=True, key="free_shipping")
    fake.refuse = [
        (
            401,
            {
                "code": "woocommerce_rest_cannot_create",
                "message": "Sorry, you are not allowed to create resources.",
                "data": {"status": 401},
            },
        )
    ]

    sync_due(ctx.sessions, clock)
    [row] = _rows(ctx, shop)
    assert row.status == "refused"
    assert row.error == "woocommerce refused: 401: Sorry, you are not allowed to create resources."

    clock.advance(timedelta(minutes=1))
    assert sync_due(ctx.sessions, clock) == 1
    [row] = _rows(ctx, shop)
    assert (row.status, row.error) == ("done", None)
    assert row.value in fake.codes


def test_losing_free_shipping_deletes_the_members_coupon(
    ctx: AppContext, shop: Shop, stores: tuple[FakeStores, str]
) -> None:
    fake, url = stores
    _woocommerce(ctx, shop, url)
    customer = make_customer(ctx, shop, email=EMAIL)
    _change(ctx, shop, customer, "grant-1", gained=True, key="free_shipping")
    sync_due(ctx.sessions, ctx.clock)
    coupon_id = str(fake.codes[_rows(ctx, shop)[0].value]["id"])

    _change(ctx, shop, customer, "lost-1", gained=False, key="free_shipping")
    assert sync_due(ctx.sessions, ctx.clock) == 1

    assert fake.deleted == [coupon_id]
    [delete] = [c for c in fake.calls if c.method == "DELETE"]
    assert delete.path == f"{COUPONS}/{coupon_id}?force=true"
    assert [(r.action, r.status) for r in _rows(ctx, shop)] == [
        ("shipping_rule", "done"),
        ("remove_shipping_rule", "done"),
    ]


def test_free_express_shipping_is_refused_as_not_supported_by_woocommerce(
    ctx: AppContext, shop: Shop, stores: tuple[FakeStores, str]
) -> None:
    fake, url = stores
    _woocommerce(ctx, shop, url)
    customer = make_customer(ctx, shop, email=EMAIL)
    _change(ctx, shop, customer, "grant-1", gained=True, key="free_express_shipping")

    assert sync_due(ctx.sessions, ctx.clock) == 0

    [row] = _rows(ctx, shop)
    assert (row.status, row.next_at) == ("refused", None)
    assert row.error and row.error.startswith("not supported by woocommerce")
    assert "express" in row.error
    assert fake.calls == []


def test_a_member_without_an_email_waits_with_the_reason(
    ctx: AppContext, shop: Shop, stores: tuple[FakeStores, str]
) -> None:
    fake, url = stores
    _woocommerce(ctx, shop, url)
    customer = make_customer(ctx, shop, phone="+84901234567")
    _change(ctx, shop, customer, "grant-1", gained=True, key="free_shipping")

    sync_due(ctx.sessions, ctx.clock)

    [row] = _rows(ctx, shop)
    assert row.status == "refused" and row.next_at is not None
    assert row.error == "the customer has no email address for the WooCommerce coupon"
    assert fake.calls == []


def test_member_page_shows_the_members_woocommerce_coupon_code(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    stores: tuple[FakeStores, str],
) -> None:
    _fake, url = stores
    _woocommerce(ctx, shop, url)
    customer = make_customer(ctx, shop, email=EMAIL)
    _change(ctx, shop, customer, "grant-1", gained=True, key="free_shipping")
    sync_due(ctx.sessions, ctx.clock)
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get(f"/loyalty/members/{customer.id}")

    assert page.status_code == 200
    assert coupon_code("careloop-free-shipping", customer.referral_code) in page.text
    assert "done in the store" in page.text
    assert "A valid free shipping coupon" in page.text  # what the store must be set to


def test_the_members_own_loyalty_page_tells_them_their_free_shipping_code_until_they_lose_it(
    app_client: TestClient, ctx: AppContext, shop: Shop, stores: tuple[FakeStores, str]
) -> None:
    _fake, url = stores
    _woocommerce(ctx, shop, url)
    customer = make_customer(ctx, shop, email=EMAIL, locale="en")
    code = coupon_code("careloop-free-shipping", customer.referral_code)
    _change(ctx, shop, customer, "grant-1", gained=True, key="free_shipping")
    with ctx.sessions() as s:
        link = urlsplit(loyalty_link(ctx, s.merge(shop), s.merge(customer))).path
    assert code not in app_client.get(link).text  # not before the store has it

    sync_due(ctx.sessions, ctx.clock)
    page = app_client.get(link)
    assert page.status_code == 200
    assert f'enter this code at checkout with your email: <span class="code">{code}' in page.text

    _change(ctx, shop, customer, "lost-1", gained=False, key="free_shipping")
    sync_due(ctx.sessions, ctx.clock)
    assert code not in app_client.get(link).text


def test_a_coupon_whose_answer_was_lost_is_found_by_its_code_and_not_created_twice(
    ctx: AppContext, shop: Shop, stores: tuple[FakeStores, str]
) -> None:
    clock = ctx.clock
    assert isinstance(clock, VirtualClock)
    fake, url = stores
    _woocommerce(ctx, shop, url)
    customer = make_customer(ctx, shop, email=EMAIL)
    _change(ctx, shop, customer, "grant-1", gained=True, key="free_shipping")
    fake.lose_answer = True  # the store creates it, the answer does not arrive

    sync_due(ctx.sessions, clock)
    [row] = _rows(ctx, shop)
    assert row.status == "refused" and row.value in fake.codes

    clock.advance(timedelta(minutes=1))
    sync_due(ctx.sessions, clock)

    assert len(_posts(fake)) == 1
    assert _rows(ctx, shop)[0].status == "done"
