"""Platform order deliveries in the inbox's set-based write (careloop.connectors.bulk,
careloop.orders.inbox_bulk, docs/decisions/0029): a round of signed Shopify deliveries
applied in bulk leaves exactly what applying them one at a time leaves, delivery log and
parking included.

Published sample: `tests/fixtures/shopify/order.json` is verbatim `test/fixtures/order.json`
of Shopify's official Python SDK (Shopify/shopify_python_api, MIT; see its SOURCE.md); an
`orders/create` or `orders/updated` webhook carries the Order resource unwrapped (shopify.dev,
Admin REST API > Order; Webhooks > topics). Copies of it change only what a later state of
the same order says (`financial_status`, `fulfillments`, as the REST resource documents
them), or drop the customer's deprecated `accepts_marketing` flag (a consent: such customers
go one at a time). Signature: base64 HMAC-SHA256 of the raw body in `X-Shopify-Hmac-Sha256`,
event identity in `X-Shopify-Webhook-Id` (shopify.dev, Webhooks > "Verify the webhook")."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from careloop.connectors.models import WebhookDelivery
from careloop.connectors.service import Verified, add_connector, verify_delivery
from careloop.context import AppContext
from careloop.orders import inbox, inbox_bulk
from careloop.shops.models import Shop

from ..conftest import ShopFactory
from ..orders.test_inbox_bulk import drain, snapshot
from .conftest import SECRET, sign_base64

SDK_ORDER = Path(__file__).parent.parent / "fixtures" / "shopify" / "order.json"


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SDK_ORDER.read_text(encoding="utf-8"))["order"]
    return data


def variant(order_id: int, customer_id: int, **changes: Any) -> dict[str, Any]:
    """The SDK order under another id, customer, email and phone, without the deprecated
    consent flag."""
    data = copy.deepcopy(sample())
    data["id"] = order_id
    data["customer"]["id"] = customer_id
    data["customer"].pop("accepts_marketing")
    data["email"] = f"buyer{customer_id}@example.vn"
    data["customer"]["email"] = data["email"]
    data["phone"] = f"+84 90 {customer_id:07d}"  # the sample's buyers would share one phone
    data.update(changes)
    return data


def renamed(data: dict[str, Any]) -> dict[str, Any]:
    data["customer"]["first_name"] = "Robert"
    return data


PAID = {"financial_status": "paid", "processed_at": "2026-10-02T09:00:00-05:00"}
SHIPPED = {
    **PAID,
    "fulfillment_status": "fulfilled",
    "fulfillments": [{"created_at": "2026-10-03T09:00:00-05:00", "status": "success"}],
}
# (topic, webhook id, body): new buyers, a repeat buyer, the same order's later states
# (full snapshots, one of them redelivered), the published sample as is (a consent flag:
# one at a time), an order without its total (parked), a cancellation, a refund, a
# renamed customer, the sample paid (its buyer's consent unchanged: in bulk).
DELIVERIES: list[tuple[str, str, dict[str, Any]]] = [
    ("orders/create", "w-1", variant(1001, 501)),
    ("orders/create", "w-2", variant(1002, 502)),
    ("orders/create", "w-3", variant(1003, 501)),
    ("orders/updated", "w-4", variant(1001, 501, **PAID)),
    ("orders/create", "w-5", sample()),
    ("orders/updated", "w-6", variant(1001, 501, **SHIPPED)),
    ("orders/updated", "w-6", variant(1001, 501, **SHIPPED)),
    ("orders/updated", "w-7", variant(1002, 502, **PAID)),
    ("orders/create", "w-8", {**variant(1004, 503), "total_price": None}),
    ("orders/updated", "w-9", variant(1003, 501, **PAID, cancelled_at="2026-10-04T09:00:00Z")),
    ("refunds/create", "w-10", {"order_id": 1002, "created_at": "2026-10-05T09:00:00Z"}),
    ("orders/create", "w-11", variant(1005, 504)),
    ("orders/updated", "w-12", renamed(variant(1005, 504, **PAID))),
    ("orders/updated", "w-13", {**sample(), **PAID}),
]


def deliver_all(ctx: AppContext, shop: Shop) -> None:
    """What the webhook route stores for each delivery (connectors.ingest.accept_webhook)."""
    for topic, webhook_id, payload in DELIVERIES:
        body = json.dumps(payload).encode()
        headers = {
            "x-shopify-hmac-sha256": sign_base64(body),
            "x-shopify-topic": topic,
            "x-shopify-webhook-id": webhook_id,
        }
        with ctx.sessions() as s, s.begin():
            verified = verify_delivery(
                session=s, shop_slug=shop.slug, platform="shopify", headers=headers, body=body
            )
            assert isinstance(verified, Verified)
            inbox.append(
                session=s,
                clock=ctx.clock,
                shop_id=verified.shop_id,
                source="shopify",
                topic=verified.topic,
                external_id=verified.delivery_id,
                order_key=verified.order_key,
                payload=body.decode(),
            )


def delivery_log(ctx: AppContext, shop: Shop) -> list[tuple[Any, ...]]:
    with ctx.sessions() as s:
        return [
            (d.delivery_id, d.topic, d.status, d.result, d.body, d.attempts, d.processed_at)
            for d in s.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.shop_id == shop.id)
                .order_by(WebhookDelivery.delivery_id)
            )
        ]


def connected(ctx: AppContext, make_shop: ShopFactory, slug: str) -> Shop:
    shop = make_shop(slug)
    with ctx.sessions() as s, s.begin():
        add_connector(
            session=s, clock=ctx.clock, shop=s.merge(shop), platform="shopify", secret=SECRET
        )
    return shop


def test_shopify_deliveries_applied_in_bulk_leave_what_applying_them_one_at_a_time_leaves(
    ctx: AppContext, make_shop: ShopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk_shop = connected(ctx, make_shop, "bulk")
    single_shop = connected(ctx, make_shop, "single")
    handed: list[int] = []
    real = inbox_bulk.apply_planned

    def counted(*args: Any) -> Any:
        applied, rest = real(*args)
        handed.append(len(applied))
        return applied, rest

    monkeypatch.setattr(inbox_bulk, "apply_planned", counted)
    deliver_all(ctx, bulk_shop)
    drain(ctx)
    monkeypatch.setattr(inbox, "BULK_MIN_ROWS", 10**9)
    deliver_all(ctx, single_shop)
    drain(ctx)

    assert sum(handed) >= 7  # w-1, w-2, w-4, w-6, w-7, w-11, w-13 at least
    with ctx.sessions() as s:
        bulk, single = snapshot(s, bulk_shop.id), snapshot(s, single_shop.id)
    for part in single:
        assert bulk[part] == single[part], part
    log = delivery_log(ctx, bulk_shop)
    assert log == delivery_log(ctx, single_shop)
    statuses = {d[0].split(":")[0]: d[2] for d in log}
    assert statuses["w-8"] == "parked" and statuses["w-1"] == "processed"
    assert [state for _, state, _, _ in bulk["inbox"]].count("applied") == len(DELIVERIES) - 1
