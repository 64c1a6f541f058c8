"""Signed webhooks go through the ingest inbox (careloop.connectors.ingest,
careloop.orders.inbox): stored and acknowledged first, applied by the worker exactly once.

Published sample: `tests/fixtures/shopify/order.json` is verbatim `test/fixtures/order.json`
of Shopify's official Python SDK (Shopify/shopify_python_api, MIT; see its SOURCE.md); an
`orders/create` webhook carries the object unwrapped. Signature: base64 HMAC-SHA256 of the
raw body in `X-Shopify-Hmac-Sha256`, event identity in `X-Shopify-Webhook-Id` (shopify.dev,
Webhooks > "Verify the webhook"). `Prefer: respond-async`: RFC 7240 section 4.1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from careloop.connectors.attention import inbox_items
from careloop.connectors.models import Connector, WebhookDelivery
from careloop.context import AppContext
from careloop.orders import inbox
from careloop.orders.models import IngestInboxRow, Order
from careloop.shops.models import Shop

from .conftest import sign_base64

SDK_ORDER = Path(__file__).parent.parent / "fixtures" / "shopify" / "order.json"
URL = "/api/v1/webhooks/shopify/acme"


def sdk_order_body() -> bytes:
    return json.dumps(json.loads(SDK_ORDER.read_text(encoding="utf-8"))["order"]).encode()


def post_shopify(
    client: TestClient, body: bytes, *, webhook_id: str, topic: str = "orders/create"
) -> httpx.Response:
    headers = {
        "X-Shopify-Hmac-Sha256": sign_base64(body),
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": webhook_id,
        "Content-Type": "application/json",
        "Prefer": "respond-async",
    }
    return client.post(URL, content=body, headers=headers)


def count(ctx: AppContext, model: type) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def inbox_states(ctx: AppContext) -> list[str]:
    with ctx.sessions() as s:
        return list(s.scalars(select(IngestInboxRow.state).order_by(IngestInboxRow.id)))


def test_the_published_shopify_order_sample_is_queued_and_applied_once_when_delivered_twice(
    connect: Callable[..., None], app_client: TestClient, api: TestClient, ctx: AppContext
) -> None:
    connect("shopify")
    body = sdk_order_body()

    first = post_shopify(app_client, body, webhook_id="b54557e4-1")
    again = post_shopify(app_client, body, webhook_id="b54557e4-1")

    assert first.status_code == again.status_code == 200
    assert (first.json()["status"], again.json()["status"]) == ("queued", "duplicate")
    assert first.json()["inbox_id"] == again.json()["inbox_id"]
    assert inbox_states(ctx) == ["pending"] and count(ctx, Order) == 0

    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 1
    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 0

    assert inbox_states(ctx) == ["applied"]
    assert count(ctx, Order) == 1 and count(ctx, WebhookDelivery) == 1
    stored = api.get("/api/v1/orders/450789469").json()
    assert (stored["customer_id"], stored["total"]) == ("207119551", "409.94")


def test_a_webhook_with_nothing_waiting_is_applied_before_it_is_answered(
    connect: Callable[..., None], app_client: TestClient, ctx: AppContext
) -> None:
    connect("shopify")
    body = sdk_order_body()
    headers = {
        "X-Shopify-Hmac-Sha256": sign_base64(body),
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Webhook-Id": "inline-1",
    }

    response = app_client.post(URL, content=body, headers=headers)

    assert response.json()["status"] == "processed", response.text
    assert inbox_states(ctx) == ["applied"] and count(ctx, Order) == 1


def test_a_webhook_behind_a_backlog_is_queued_for_the_worker(
    connect: Callable[..., None], app_client: TestClient, ctx: AppContext
) -> None:
    connect("shopify")
    post_shopify(app_client, sdk_order_body(), webhook_id="backlog-1")
    later = json.dumps({"id": 999, "note": "a later product"}).encode()
    headers = {
        "X-Shopify-Hmac-Sha256": sign_base64(later),
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Webhook-Id": "backlog-2",
    }

    response = app_client.post(URL, content=later, headers=headers)

    assert response.json()["status"] == "queued"
    assert inbox_states(ctx) == ["pending", "pending"]


def test_a_malformed_body_is_parked_with_its_error_and_the_others_in_the_batch_apply(
    connect: Callable[..., None], app_client: TestClient, ctx: AppContext
) -> None:
    connect("shopify")
    order = json.loads(SDK_ORDER.read_text(encoding="utf-8"))["order"]
    second = dict(order, id=450789470, name="#1002")
    post_shopify(app_client, json.dumps(order).encode(), webhook_id="m-1")
    post_shopify(app_client, b'{"id": 1, "line_items": [', webhook_id="m-2")
    post_shopify(app_client, json.dumps(second).encode(), webhook_id="m-3")

    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 3

    assert inbox_states(ctx) == ["applied", "applied", "applied"]
    assert count(ctx, Order) == 2
    with ctx.sessions() as s:
        parked = s.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "parked")).one()
    assert parked.result.startswith("body: not valid JSON")


def test_a_delivery_that_cannot_be_applied_is_marked_failed_with_its_error_and_shown_to_staff(
    connect: Callable[..., None], app_client: TestClient, ctx: AppContext, shop: Shop
) -> None:
    connect("shopify")
    post_shopify(app_client, sdk_order_body(), webhook_id="p-1")
    with ctx.sessions() as s, s.begin():
        # A connector deleted after the delivery was accepted: the applier cannot find it.
        s.execute(delete(Connector))

    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 1

    with ctx.sessions() as s:
        row = s.scalars(select(IngestInboxRow)).one()
        assert (row.state, row.attempts) == ("failed", 1)
        assert row.error is not None and "connector" in row.error.lower()
        items = inbox_items(s, shop, ctx.clock.now())
    assert [item.count for item in items] == [1]
    assert "shopify" in items[0].say("en")
