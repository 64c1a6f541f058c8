"""The store parts of the staff pages: API access on the connector (write-only), the coupon
page's notice, store status, retry and CSV of codes to enter by hand, and the checklist line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.connectors.models import Connector
from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.loyalty.models import Coupon
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer
from tests.loyalty.stores import TOKEN, FakeStores, stores
from tests.loyalty.test_store_codes import WEBHOOK_SECRET, connect_store, coupon_of, issue, sync
from tests.web.helpers import csrf_from, sign_in

__all__ = ["stores"]


def _webhook_only(ctx: AppContext, shop: Shop, platform: str = "shopify") -> None:
    with ctx.sessions() as s, s.begin():
        add_connector(
            session=s, clock=ctx.clock, shop=s.merge(shop), platform=platform, secret=WEBHOOK_SECRET
        )


def test_owner_saves_store_api_access_write_only_and_bad_address_changes_nothing(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _webhook_only(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/connectors")
    assert 'data-testid="api-form-shopify"' in page.text
    assert "Off: coupon codes are not in the store" in page.text

    bad = app_client.post(
        "/settings/connectors/shopify/api",
        data={"base_url": "acme.myshopify.com", "token": TOKEN, "csrf_token": csrf_from(page)},
    )
    assert bad.status_code == 422 and "api_base_url" in bad.text
    with ctx.sessions() as s:
        assert s.scalars(select(Connector.api_credentials)).one() is None

    saved = app_client.post(
        "/settings/connectors/shopify/api",
        data={
            "base_url": "https://acme.myshopify.com/",
            "token": TOKEN,
            "csrf_token": csrf_from(page),
        },
    )
    assert saved.status_code == 200 and "On: every coupon code" in saved.text
    assert TOKEN not in saved.text
    # An empty field keeps the saved token.
    again = app_client.post(
        "/settings/connectors/shopify/api",
        data={"base_url": "https://acme.myshopify.com", "token": "", "csrf_token": csrf_from(page)},
    )
    assert again.status_code == 200
    with ctx.sessions() as s:
        assert s.scalars(select(Connector.api_credentials)).one() == {
            "base_url": "https://acme.myshopify.com",
            "token": TOKEN,
        }


def test_coupon_page_without_store_access_says_enter_by_hand_and_exports_the_codes_as_csv(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _webhook_only(ctx, shop)
    customer = make_customer(ctx, shop, email="mai@example.com")
    code = issue(ctx, shop, customer)
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)

    page = app_client.get("/loyalty/coupons")
    assert 'data-testid="store-notice"' in page.text
    assert "Enter them in your store by hand" in page.text
    assert 'href="/loyalty/coupons.csv"' in page.text

    exported = app_client.get("/loyalty/coupons.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [
        (r["code"], r["discount_type"], r["value"], r["minimum_order"], r["usage_limit"])
        for r in rows
    ] == [(code, "percentage", "10", "200000", "1")]
    assert rows[0]["customer_email"] == "mai@example.com"


def test_checklist_says_codes_must_be_entered_by_hand_until_store_api_access_is_given(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    stores: tuple[FakeStores, str],
) -> None:
    _webhook_only(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    assert 'data-testid="step-note-codes_by_hand"' in app_client.get("/get-started").text
    connect_store(ctx, shop, "shopify", stores[1])
    assert 'data-testid="step-note-codes_by_hand"' not in app_client.get("/get-started").text


def test_coupon_page_shows_why_the_store_refused_and_retry_tries_again_now(
    app_client: TestClient,
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
    stores: tuple[FakeStores, str],
) -> None:
    fake, url = stores
    connect_store(ctx, shop, "shopify", url)
    code = issue(ctx, shop, None)
    fake.refuse = [(401, {"errors": "[API] Invalid API key or access token"})]
    sync(ctx)
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get("/loyalty/coupons")
    assert "created in your Shopify store" in page.text
    assert "Invalid API key or access token" in page.text
    assert f"/loyalty/coupons/{code}/store-retry" in page.text

    clock.advance(timedelta(seconds=10))
    retried = app_client.post(
        f"/loyalty/coupons/{code}/store-retry", data={"csrf_token": csrf_from(page)}
    )
    assert retried.status_code == 200
    assert coupon_of(ctx, shop, code).store_next_at == clock.now()
    assert sync(ctx) == 1
    with ctx.sessions() as s:
        assert s.scalars(select(Coupon.store_status)).one() == "synced"
