from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.orders.models import Order

from .conftest import SECRET, Deliver, fixture

SHAPE_A = {
    "order_id": "data.order.ref",
    "customer_id": "data.order.buyer.uid",
    "placed_at": "data.order.created",
    "total": "data.order.grand_total",
    "currency": "data.order.ccy",
    "status": "data.order.state",
    "status_map": {"NEW": "placed", "PAID": "paid", "DONE": "delivered"},
    "status_at": "data.order.state_changed",
    "customer_name": "data.order.buyer.full_name",
    "email": "data.order.buyer.mail",
    "phone": "data.order.buyer.mobile",
    "lines": "data.order.items",
    "line": {"sku": "code", "product_name": "label", "quantity": "qty", "unit_price": "unit"},
    "discount_codes": "data.order.promo",
    "delivery_id": "event_id",
}
SHAPE_B = {
    "order_id": "orderNumber",
    "customer_id": "customer.customerNumber",
    "placed_at": "placedAt",
    "total": "amount.value",
    "currency": "amount.currency",
    "status": "status",
    "email": "customer.email",
    "lines": "products",
    "line": {"sku": "sku", "product_name": "name", "quantity": "qty", "unit_price": "price"},
}


def post_generic(client: TestClient, payload: Any, secret: str = SECRET) -> Any:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/webhooks/generic/acme", content=body, headers={"X-Careloop-Signature": signature}
    )


def test_a_woocommerce_processing_order_is_paid_and_completed_is_delivered(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    connect("woocommerce")
    payload = fixture("woocommerce_order_created.json")
    assert deliver("woocommerce", "order.created", payload, delivery_id="d1").status_code == 200
    order = api.get("/api/v1/orders/727").json()
    assert order["status"] == "paid"
    assert order["customer_id"] == "wc:26"
    assert order["discount_codes"] == ["chaomung"]

    payload |= {"status": "completed", "date_completed_gmt": "2026-10-24T02:00:00"}
    deliver("woocommerce", "order.updated", payload, delivery_id="d2")
    order = api.get("/api/v1/orders/727").json()
    assert order["status"] == "delivered"
    assert order["delivered_at"].startswith("2026-10-24T02:00:00")


def test_a_deleted_woocommerce_order_is_cancelled(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    connect("woocommerce")
    deliver("woocommerce", "order.created", fixture("woocommerce_order_created.json"))
    deliver("woocommerce", "order.deleted", {"id": 727})
    assert api.get("/api/v1/orders/727").json()["status"] == "cancelled"


def test_the_woocommerce_ping_on_set_up_is_acknowledged(
    connect: Callable[..., None], app_client: TestClient
) -> None:
    connect("woocommerce")
    response = app_client.post("/api/v1/webhooks/woocommerce/acme", content=b"webhook_id=12")
    assert response.status_code == 200
    assert response.json()["status"] == "ping"


def test_haravan_orders_use_its_own_signature_header_and_carrier_status(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    connect("haravan")
    response = deliver("haravan", "orders/create", fixture("haravan_orders_create.json"))
    assert response.status_code == 200, response.text
    assert api.get("/api/v1/orders/1002345678").json()["status"] == "delivered"


def test_sapo_orders_read_its_created_on_times(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    connect("sapo")
    response = deliver("sapo", "orders/create", fixture("sapo_orders_create.json"))
    assert response.status_code == 200, response.text
    order = api.get("/api/v1/orders/30012345").json()
    assert order["status"] == "placed"
    assert order["placed_at"].startswith("2026-10-20T03:15:04")


def test_a_shopify_signature_does_not_open_the_sapo_door(
    connect: Callable[..., None], app_client: TestClient
) -> None:
    connect("sapo")
    body = json.dumps(fixture("sapo_orders_create.json")).encode()
    from .conftest import sign_base64

    response = app_client.post(
        "/api/v1/webhooks/sapo/acme",
        content=body,
        headers={"X-Shopify-Hmac-Sha256": sign_base64(body), "X-Sapo-Topic": "orders/create"},
    )
    assert response.status_code == 401


def test_two_different_shapes_map_onto_orders_through_the_field_mapping(
    connect: Callable[..., None],
    make_shop: Callable[..., Any],
    app_client: TestClient,
    api: TestClient,
) -> None:
    connect("generic", SHAPE_A)
    response = post_generic(app_client, fixture("generic_shape_a.json"))
    assert response.status_code == 200, response.text
    order = api.get("/api/v1/orders/A-77").json()
    assert order["status"] == "delivered"
    assert order["lines"][0]["quantity"] == 5
    assert order["discount_codes"] == ["FREESHIP"]
    assert api.get("/api/v1/customers/u-9").json()["phone"] == "+84987654321"

    connect("generic", SHAPE_B)
    response = post_generic(app_client, fixture("generic_shape_b.json"))
    assert response.status_code == 200, response.text
    order = api.get("/api/v1/orders/99881").json()
    assert (order["status"], order["currency"], order["total"]) == ("paid", "USD", "120.50")


def test_a_generic_payload_missing_a_mapped_field_is_parked_naming_its_path(
    connect: Callable[..., None], app_client: TestClient, ctx: AppContext
) -> None:
    connect("generic", SHAPE_B)
    payload = fixture("generic_shape_b.json")
    del payload["amount"]["value"]
    response = post_generic(app_client, payload)
    assert response.status_code == 200
    assert response.json()["status"] == "parked"
    assert response.json()["result"] == "amount.value: required field is missing"
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0


def test_a_generic_mapping_without_required_paths_is_refused(
    connect: Callable[..., None],
) -> None:
    from careloop.core.errors import ValidationFailed

    try:
        connect("generic", {"order_id": "id", "status_map": {"x": "shipped-ish"}})
    except ValidationFailed as exc:
        fields = [e.field for e in exc.errors]
        assert fields == [
            "mapping.customer_id",
            "mapping.placed_at",
            "mapping.total",
            "mapping.status_map.x",
        ]
    else:
        raise AssertionError("the mapping was accepted")
