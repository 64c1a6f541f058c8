"""Shop B's API key and staff against shop A's ids: 404 on every route, never A's data.

The routes are read from the app itself, so a route added later is covered (or, if it
takes a path parameter this file cannot fill, fails the coverage test below)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests.conftest import ShopFactory
from tests.web.helpers import add_customer, add_order, sign_in

SECRET_NAME = "Alice Tenant-A Secret"
SECRET_EMAIL = "alice.secret@acme.test"
SECRET_SUBJECT = "Tenant-A private ticket subject"
SECRET_TASK = "Tenant-A private task title"
# Public pages reached by a signed token or a shop slug, not by a staff session or API key.
PUBLIC_PREFIXES = ("/c/", "/survey/", "/early/", "/rsvp/", "/loyalty/")
API_BODIES: dict[str, dict[str, Any]] = {
    "POST /api/v1/orders/{order_id}/status": {"status": "paid"},
    "POST /api/v1/coupons/{code}/redeem": {},
    "POST /api/v1/customers/{customer_id}/rewards/{reward_key}": {"idempotency_key": "b-1"},
    "POST /api/v1/tickets/{ticket_id}/replies": {"body": "from shop B"},
    "POST /api/v1/tickets/{ticket_id}/notes": {"body": "from shop B"},
    "POST /api/v1/customers/{customer_id}/merge": {"duplicate_id": "C1"},
    "PATCH /api/v1/products/{sku}": {"name": "from shop B"},
}


@dataclass
class ShopAData:
    ids: dict[str, str]  # path parameter name -> a value that is shop A's
    secrets: list[str]


def route_list(app: FastAPI) -> Iterator[tuple[str, str]]:
    for route in iter_route_contexts(app.routes):
        if route.path is None or not route.methods:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route.path


@pytest.fixture
def shop_a(ctx: AppContext, shop: Shop) -> ShopAData:
    customer = add_customer(ctx, shop, "C1", name=SECRET_NAME, email=SECRET_EMAIL)
    order = add_order(ctx, shop, "C1", "O1", "450000")
    ids = {
        "customer_id": "C1",
        "order_id": "O1",
        "customer_pk": str(customer.id),
        "order_pk": str(order.id),
        "reward_key": "birthday",
        "platform": "shopify",
        "shop": shop.slug,
    }
    secrets = [SECRET_NAME, SECRET_EMAIL]
    with ctx.sessions() as s, s.begin():
        a = s.merge(shop)
        try:
            from careloop.support.service import create_task, open_ticket
        except ImportError:
            pass
        else:
            ticket = open_ticket(
                session=s,
                clock=ctx.clock,
                shop=a,
                customer_id=customer.id,
                subject=SECRET_SUBJECT,
                body="the parcel never came",
            )
            task = create_task(
                session=s,
                clock=ctx.clock,
                shop=a,
                customer_id=customer.id,
                kind="call",
                title=SECRET_TASK,
                due_at=ctx.clock.now() + timedelta(days=1),
                source="test",
                idempotency_key="task-a",
            )
            ids |= {"ticket_id": str(ticket.id), "task_id": str(task.id)}
            secrets += [SECRET_SUBJECT, SECRET_TASK]
        try:
            from careloop.customers.models import Customer
            from careloop.loyalty.coupons import issue_coupon
        except ImportError:
            pass
        else:
            coupon = issue_coupon(
                session=s,
                clock=ctx.clock,
                shop=a,
                customer=s.get(Customer, customer.id),
                percent_off=10,
                reason="test",
                idempotency_key="coupon-a",
            )
            ids["code"] = coupon.code
    return ShopAData(ids=ids, secrets=secrets)


@pytest.fixture
def shop_b(make_shop: ShopFactory) -> Shop:
    return make_shop("bravo", name="Bravo Tea")


def fill(path: str, ids: dict[str, str]) -> str:
    """The path with shop A's ids. A parameter this file does not know yet (a route added
    later) gets 1: every table's first row is shop A's, made before shop B existed."""
    return re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), "1"), path)


def test_shop_b_api_key_gets_404_for_every_id_of_shop_a(
    ctx: AppContext,
    shop_a: ShopAData,
    shop_b: Shop,
    make_api_key: Callable[[Shop], str],
) -> None:
    app = create_app(ctx)
    key_b = make_api_key(shop_b)
    checked = []
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {key_b}"
        for method, path in route_list(app):
            if not path.startswith("/api/v1/") or "{" not in path or "/webhooks/" in path:
                continue
            url = fill(path, shop_a.ids)
            body = API_BODIES.get(f"{method} {path}")
            response = client.request(method, url, json=body)
            assert response.status_code == 404, (method, url, response.status_code, response.text)
            assert not any(s in response.text for s in shop_a.secrets), (method, url)
            checked.append(f"{method} {path}")
    assert "GET /api/v1/customers/{customer_id}" in checked
    assert "GET /api/v1/customers/{customer_id}/export" in checked


def test_shop_b_api_key_never_sees_shop_a_in_lists_or_reports(
    ctx: AppContext, shop_a: ShopAData, shop_b: Shop, make_api_key: Callable[[Shop], str]
) -> None:
    app = create_app(ctx)
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {make_api_key(shop_b)}"
        for method, path in route_list(app):
            if method != "GET" or not path.startswith("/api/v1/") or "{" in path:
                continue
            response = client.get(path)
            assert response.status_code < 500, path
            assert not any(s in response.text for s in shop_a.secrets), path


def test_every_api_route_refuses_a_request_without_a_valid_key(
    ctx: AppContext, shop_a: ShopAData
) -> None:
    app = create_app(ctx)
    with TestClient(app) as client:
        for method, path in route_list(app):
            if not path.startswith("/api/v1/") or "/webhooks/" in path:
                continue
            url = fill(path, shop_a.ids)
            for headers in ({}, {"Authorization": "Bearer cl_not-a-real-key"}):
                response = client.request(method, url, headers=headers, json={})
                assert response.status_code == 401, (method, url, headers, response.text)


def test_a_webhook_for_shop_a_signed_with_another_secret_is_refused(
    ctx: AppContext, shop_a: ShopAData, shop_b: Shop
) -> None:
    from careloop.connectors.service import add_connector
    from tests.connectors.conftest import sign_base64

    with ctx.sessions() as s, s.begin():
        for owner, secret in ((shop_b, "secret-of-shop-b"),):
            add_connector(
                session=s, clock=ctx.clock, shop=s.merge(owner), platform="shopify", secret=secret
            )
    body = b'{"id": 1, "created_at": "2026-10-01T00:00:00Z", "total_price": "1"}'
    with TestClient(create_app(ctx)) as client:
        response = client.post(
            "/api/v1/webhooks/shopify/acme",
            content=body,
            headers={
                "X-Shopify-Hmac-Sha256": sign_base64(body, "secret-of-shop-b"),
                "X-Shopify-Topic": "orders/create",
            },
        )
    assert response.status_code in (401, 404)


def test_shop_b_staff_gets_404_on_every_staff_page_of_shop_a_ids(
    ctx: AppContext,
    shop_a: ShopAData,
    shop_b: Shop,
    make_staff: Callable[..., str],
) -> None:
    app = create_app(ctx)
    email = make_staff(shop_b, email="owner@bravo.test")
    # The staff UI addresses customers and orders by their internal ids.
    ids = {**shop_a.ids, "customer_id": shop_a.ids["customer_pk"]}
    checked = []
    with TestClient(app) as client:
        assert sign_in(client, ctx, email, shop_b).status_code == 200
        for method, path in route_list(app):
            if method != "GET" or path.startswith(("/api/", "/static", *PUBLIC_PREFIXES)):
                continue
            if "{" not in path:
                page = client.get(path)
                assert page.status_code < 500, path
                assert not any(s in page.text for s in shop_a.secrets), path
                continue
            url = fill(path, ids)
            page = client.get(url)
            assert page.status_code == 404, (url, page.status_code)
            assert not any(s in page.text for s in shop_a.secrets), url
            checked.append(path)
    assert "/customers/{customer_id}" in checked
