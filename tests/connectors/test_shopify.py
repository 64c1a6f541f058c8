from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.connectors.models import WebhookDelivery
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.orders.models import Order

from .conftest import Deliver, fixture


def order_seen_by_api(api: TestClient, order_id: str) -> dict[str, object]:
    response = api.get(f"/api/v1/orders/{order_id}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_shopify_order_becomes_a_careloop_order_with_its_customer_and_consent(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    connect("shopify")
    response = deliver(
        "shopify", "orders/create", fixture("shopify_orders_create.json"), delivery_id="w-1"
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "processed"

    order = order_seen_by_api(api, "5830227345483")
    assert order["status"] == "paid"
    assert order["customer_id"] == "7412365098571"
    assert order["discount_codes"] == ["CAMON10"]
    assert [line["sku"] for line in order["lines"]] == ["CF-ARABICA-500", "FILTER-PHIN"]  # type: ignore[union-attr]
    customer = api.get("/api/v1/customers/7412365098571").json()
    assert customer["name"] == "Lan Nguyễn Thị"
    assert customer["phone"] == "+84901234567"
    assert {c["channel"]: c["state"] for c in customer["consents"]}["email"] == "granted"


def test_fulfilment_and_refund_move_the_order_to_delivered_then_returned(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    connect("shopify")
    deliver("shopify", "orders/create", fixture("shopify_orders_create.json"))
    deliver("shopify", "orders/fulfilled", fixture("shopify_orders_fulfilled.json"))
    assert order_seen_by_api(api, "5830227345483")["status"] == "delivered"

    deliver("shopify", "refunds/create", fixture("shopify_refunds_create.json"))
    order = order_seen_by_api(api, "5830227345483")
    assert order["status"] == "returned"
    assert order["delivered_at"] is not None


def test_the_same_delivery_twice_is_stored_once(
    connect: Callable[..., None], deliver: Deliver, ctx: AppContext
) -> None:
    connect("shopify")
    payload = fixture("shopify_orders_create.json")
    first = deliver("shopify", "orders/create", payload, delivery_id="w-7")
    second = deliver("shopify", "orders/create", payload, delivery_id="w-7")
    assert first.json()["status"] == "processed"
    assert second.status_code == 200
    assert second.json()["status"] == "duplicate"
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
        assert s.scalar(select(func.count()).select_from(Order)) == 1


def test_a_bad_signature_is_401_and_stores_nothing(
    connect: Callable[..., None], deliver: Deliver, ctx: AppContext
) -> None:
    connect("shopify")
    response = deliver(
        "shopify", "orders/create", fixture("shopify_orders_create.json"), secret="not-the-secret"
    )
    assert response.status_code == 401
    assert "X-Shopify-Hmac-Sha256" in response.json()["detail"]
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        assert s.scalar(select(func.count()).select_from(Customer)) == 0


def test_a_signed_order_missing_required_fields_is_parked_naming_them_and_answered_200(
    connect: Callable[..., None], deliver: Deliver, ctx: AppContext
) -> None:
    """A signed delivery is stored and acknowledged; a 4xx would get the webhook removed
    (shopify.dev, Webhooks > "Troubleshooting webhooks": failed deliveries are retried and
    the subscription is removed after repeated failures)."""
    connect("shopify")
    payload = fixture("shopify_orders_create.json")
    del payload["created_at"]
    del payload["total_price"]
    response = deliver("shopify", "orders/create", payload)
    assert response.status_code == 200
    assert response.json()["status"] == "parked"
    assert "created_at: required" in response.json()["result"]
    assert "total_price: required" in response.json()["result"]
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
        assert s.scalar(select(func.count()).select_from(Order)) == 0


def test_a_refund_before_its_order_is_parked_and_can_be_retried(
    connect: Callable[..., None], deliver: Deliver, api: TestClient, ctx: AppContext
) -> None:
    connect("shopify")
    early = deliver("shopify", "refunds/create", fixture("shopify_refunds_create.json"))
    assert early.status_code == 200
    assert early.json()["status"] == "parked"
    assert "not found" in early.json()["result"]

    deliver("shopify", "orders/create", fixture("shopify_orders_create.json"))
    with ctx.sessions() as s:
        failed = s.scalar(select(WebhookDelivery.id).where(WebhookDelivery.status == "parked"))
    from careloop.connectors.service import replay_delivery
    from careloop.shops.service import get_shop

    with ctx.sessions() as s, s.begin():
        receipt = replay_delivery(
            session=s, clock=ctx.clock, shop=get_shop(s, "acme"), delivery_pk=int(failed or 0)
        )
    assert receipt.status == "processed"
    assert order_seen_by_api(api, "5830227345483")["status"] == "returned"


def test_a_customer_update_withdraws_email_consent(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    connect("shopify")
    deliver("shopify", "orders/create", fixture("shopify_orders_create.json"))
    deliver("shopify", "customers/update", fixture("shopify_customers_update.json"))
    customer = api.get("/api/v1/customers/7412365098571").json()
    assert {c["channel"]: c["state"] for c in customer["consents"]}["email"] == "denied"


def test_unknown_shop_or_platform_is_404_or_422(deliver: Deliver, app_client: TestClient) -> None:
    assert deliver("shopify", "orders/create", {}, shop="nobody").status_code == 404
    response = app_client.post("/api/v1/webhooks/magento/acme", content=b"{}")
    assert response.status_code == 422
    assert "magento" in response.json()["detail"][0]["msg"]
