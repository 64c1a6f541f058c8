"""Each platform's published protocol, and the acknowledgement policy for signed deliveries."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.audit.models import AuditEntry
from careloop.connectors.models import Connector, WebhookDelivery
from careloop.connectors.service import replay_delivery
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.orders.models import Order
from careloop.shops.models import Shop
from careloop.shops.service import get_shop
from careloop.support.models import StaffTask

from .conftest import FIXTURES, SECRET, Deliver, fixture, sign_base64

SAMPLES = FIXTURES.parent


def sample(platform: str, name: str) -> Any:
    return json.loads((SAMPLES / platform / name).read_text(encoding="utf-8"))


def deliveries(ctx: AppContext) -> list[WebhookDelivery]:
    with ctx.sessions() as s:
        return list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def count(ctx: AppContext, model: type[Any]) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


# --- Haravan ----------------------------------------------------------------------------------


def test_haravan_delivery_signed_with_published_header_is_stored(
    connect: Callable[..., None], app_client: TestClient, ctx: AppContext
) -> None:
    """docs.haravan.com, Tutorials > Webhooks > Private webhook, "Authenticate webhook": the
    signature is in `X-Haravan-Hmacsha256` (base64 HMAC-SHA256 of the raw body); the old
    spelling `X-Haravan-Hmac-Sha256` is not a Haravan header and opens nothing."""
    connect("haravan")
    body = json.dumps(fixture("haravan_orders_create.json")).encode()
    wrong = app_client.post(
        "/api/v1/webhooks/haravan/acme",
        content=body,
        headers={"X-Haravan-Hmac-Sha256": sign_base64(body), "X-Haravan-Topic": "orders/create"},
    )
    assert wrong.status_code == 401
    right = app_client.post(
        "/api/v1/webhooks/haravan/acme",
        content=body,
        headers={
            "X-Haravan-Hmacsha256": sign_base64(body),
            "X-Haravan-Topic": "orders/create",
            "X-Haravan-Org-Id": "200001220496",
        },
    )
    assert right.status_code == 200, right.text
    assert right.json()["status"] == "processed"
    assert count(ctx, Order) == 1


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("readytopick", "paid"),
        ("picking", "shipped"),
        ("delivering", "shipped"),
        ("notmeetcustomer", "shipped"),
        ("delivered", "delivered"),
        ("waitingforreturn", "shipped"),
        ("return", "returned"),
        ("cancel", "paid"),
    ],
)
def test_haravan_delivery_state_comes_from_each_fulfillments_carrier_status_code(
    code: str, status: str, connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    """docs.haravan.com, Omni APIs > Fulfillment: `carrier_status_code` per fulfillment
    (readytopick, picking, delivering, delivered, notmeetcustomer, waitingforreturn, return,
    cancel) with its dates; the order-level `fulfillment_status` says only "fulfilled"."""
    connect("haravan")
    payload = fixture("haravan_orders_create.json")
    payload["fulfillments"][0]["carrier_status_code"] = code
    payload["fulfillment_status"] = "notfulfilled"
    response = deliver("haravan", "orders/updated", payload)
    assert response.status_code == 200, response.text
    assert api.get("/api/v1/orders/1002345678").json()["status"] == status


def test_haravan_delivered_time_is_the_fulfillments_delivered_date(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    """Omni APIs > Fulfillment: `delivered_date` is when the carrier delivered the parcel."""
    connect("haravan")
    deliver("haravan", "orders/updated", fixture("haravan_orders_create.json"))
    order = api.get("/api/v1/orders/1002345678").json()
    assert order["delivered_at"].startswith("2026-10-23T09:30:00")


def test_haravan_registration_get_answers_hub_challenge_with_the_verify_token(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    """docs.haravan.com, Tutorials > Webhooks > Connect webhook, Step 3 "Register webhook":
    Haravan calls `GET {callback}?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`
    and the app answers with the challenge when the token is the one configured."""
    from careloop.connectors.service import add_connector

    with ctx.sessions() as s, s.begin():
        add_connector(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            platform="haravan",
            secret=SECRET,
            verify_token="tok-haravan-123",
        )
    url = "/api/v1/webhooks/haravan/acme"
    ok = app_client.get(
        url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "tok-haravan-123",
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200
    assert ok.text == "1158201444"
    bad = app_client.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert bad.status_code == 401
    assert bad.text != "1"


def test_a_haravan_pos_order_with_no_customer_is_parked_never_refused(
    connect: Callable[..., None], deliver: Deliver, ctx: AppContext
) -> None:
    """Haravan POS sales may carry no customer at all; the delivery is stored and answered 200
    (a refusal would count as a failed delivery) and waits for staff with the reason."""
    connect("haravan")
    payload = fixture("haravan_orders_create.json")
    payload.update(customer=None, email=None, phone=None, shipping_address=None)
    payload.update(billing_address=None, source="pos")
    response = deliver("haravan", "orders/create", payload)
    assert response.status_code == 200
    assert response.json()["status"] == "parked"
    assert response.json()["result"].startswith("customer: no customer")
    assert count(ctx, Order) == 0


def test_a_phone_only_guest_order_is_stored_with_a_phone_customer(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    connect("haravan")
    payload = fixture("haravan_orders_create.json")
    payload.update(customer=None, email=None)
    response = deliver("haravan", "orders/create", payload)
    assert response.json()["status"] == "processed", response.text
    assert api.get("/api/v1/orders/1002345678").json()["customer_id"] == "phone:+84901234567"


# --- WooCommerce ------------------------------------------------------------------------------


def test_two_woocommerce_deliveries_in_one_second_share_the_delivery_id_and_both_count(
    connect: Callable[..., None], deliver: Deliver, api: TestClient, ctx: AppContext
) -> None:
    """woocommerce/woocommerce `plugins/woocommerce/includes/class-wc-webhook.php`,
    `get_new_delivery_id()`: `wp_hash( $this->get_id() . strtotime( 'now' ) )`: the id of
    the webhook and the current second, so an update to "completed" sent in the same second
    as the one before carries the same X-WC-Webhook-Delivery-ID."""
    connect("woocommerce")
    payload = fixture("woocommerce_order_created.json")
    same_second = "5f1c0d2e4b7a9c3e1d2f4a6b8c0e1f3a"
    first = deliver("woocommerce", "order.updated", payload, delivery_id=same_second)
    payload |= {"status": "completed", "date_completed_gmt": "2026-10-24T02:00:00"}
    second = deliver("woocommerce", "order.updated", payload, delivery_id=same_second)
    assert (first.json()["status"], second.json()["status"]) == ("processed", "processed")
    assert api.get("/api/v1/orders/727").json()["status"] == "delivered"
    repeat = deliver("woocommerce", "order.updated", payload, delivery_id=same_second)
    assert repeat.status_code == 200
    assert repeat.json()["status"] == "duplicate"
    assert len(deliveries(ctx)) == 2


@pytest.mark.parametrize("platform", ["shopify", "haravan", "sapo"])
def test_every_platform_dedupes_on_its_event_identity_plus_the_body_digest(
    platform: str, connect: Callable[..., None], deliver: Deliver, ctx: AppContext
) -> None:
    connect(platform)
    name = {"shopify": "shopify", "haravan": "haravan", "sapo": "sapo"}[platform]
    payload = fixture(f"{name}_orders_create.json")
    assert deliver(platform, "orders/create", payload, delivery_id="e1").json()["status"] == (
        "processed"
    )
    assert deliver(platform, "orders/create", payload, delivery_id="e1").json()["status"] == (
        "duplicate"
    )
    payload["total_price"] = "1.00"
    changed = deliver(platform, "orders/create", payload, delivery_id="e1")
    assert changed.json()["status"] == "processed"
    assert len(deliveries(ctx)) == 2


def test_a_woocommerce_order_with_an_unknown_plugin_status_is_parked_then_retried(
    connect: Callable[..., None], deliver: Deliver, api: TestClient, ctx: AppContext
) -> None:
    """WooCommerce disables a webhook after more than 5 consecutive failed deliveries
    (`WC_Webhook::failed_delivery()`, class-wc-webhook.php): a plugin status Careloop does not
    know is answered 200 and parked naming the field."""
    connect("woocommerce")
    payload = fixture("woocommerce_order_created.json") | {"status": "wc-awaiting-pickup"}
    response = deliver("woocommerce", "order.updated", payload)
    assert response.status_code == 200
    assert response.json()["status"] == "parked"
    assert response.json()["result"].startswith("status: unknown WooCommerce status")
    assert count(ctx, Order) == 0


def test_a_woocommerce_phone_only_guest_is_stored_and_a_guest_with_no_contact_is_parked(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    connect("woocommerce")
    payload = fixture("woocommerce_order_created.json") | {"customer_id": 0}
    payload["billing"] = payload["billing"] | {"email": ""}
    assert deliver("woocommerce", "order.created", payload).json()["status"] == "processed"
    assert api.get("/api/v1/orders/727").json()["customer_id"] == "phone:+84912345678"
    payload["id"] = 728
    payload["billing"] = payload["billing"] | {"phone": ""}
    parked = deliver("woocommerce", "order.created", payload)
    assert (parked.status_code, parked.json()["status"]) == (200, "parked")
    assert parked.json()["result"].startswith("billing: a guest order")


# --- Acknowledgement policy: malformed but signed -----------------------------------------

ORDER_SAMPLES = {
    "shopify": ("orders/create", "shopify_orders_create.json", "total_price", "line_items"),
    "haravan": ("orders/create", "haravan_orders_create.json", "total_price", "line_items"),
    "sapo": ("orders/create", "sapo_orders_create.json", "total_price", "line_items"),
    "woocommerce": ("order.created", "woocommerce_order_created.json", "total", "line_items"),
}


def _malformed(kind: str, payload: dict[str, Any], total: str, lines: str) -> bytes:
    if kind == "nan_total":
        payload[total] = float("nan")
    elif kind == "string_quantity":
        payload[lines][0]["quantity"] = "two"
    elif kind == "lines_not_a_list":
        payload[lines] = {"0": payload[lines][0]}
    elif kind == "year_9999":
        for key in ("created_at", "created_on", "date_created_gmt"):
            if key in payload:
                payload[key] = "9999-12-31T23:59:59Z"
    elif kind == "deeply_nested":
        return b'{"id": 1, "note": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    elif kind == "not_json":
        return b"<xml>order</xml>"
    elif kind == "json_array":
        return b"[1, 2, 3]"
    return json.dumps(payload, allow_nan=True).encode()


EXPECTED_FIELD = {
    "nan_total": "{total}: must be zero or more",
    "string_quantity": "{lines}.0.quantity: not a whole number",
    "lines_not_a_list": "{lines}: must be a list of objects",
    "year_9999": "year 9999 is outside",
    "deeply_nested": "body:",
    "not_json": "body: not valid JSON",
    "json_array": "body: a JSON object is required",
}


@pytest.mark.parametrize("kind", list(EXPECTED_FIELD))
@pytest.mark.parametrize("platform", list(ORDER_SAMPLES))
def test_a_signed_but_malformed_delivery_is_stored_answered_200_and_parked_naming_the_field(
    platform: str, kind: str, connect: Callable[..., None], deliver: Deliver, ctx: AppContext
) -> None:
    """DESIGN rule 8 and the issue's acknowledgement policy: a correctly signed delivery is
    always stored and acknowledged; never a 5xx, whatever the body says."""
    connect(platform)
    topic, name, total, lines = ORDER_SAMPLES[platform]
    body = _malformed(kind, fixture(name), total, lines)
    response = deliver(platform, topic, body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "parked"
    assert EXPECTED_FIELD[kind].format(total=total, lines=lines) in response.json()["result"]
    assert count(ctx, Order) == 0
    assert [d.status for d in deliveries(ctx)] == ["parked"]


def test_a_generic_delivery_parked_for_a_missing_status_mapping_applies_after_the_fix(
    connect: Callable[..., None], app_client: TestClient, api: TestClient, ctx: AppContext
) -> None:
    from .test_other_platforms import SHAPE_A, post_generic

    mapping = SHAPE_A | {"status_map": {"NEW": "placed", "PAID": "paid"}}
    connect("generic", mapping)
    parked = post_generic(app_client, fixture("generic_shape_a.json"))
    assert parked.json()["status"] == "parked"
    assert "status 'DONE' is not in the mapping's status_map" in parked.json()["result"]
    connect("generic", SHAPE_A)  # staff fix the mapping
    parked_pk = deliveries(ctx)[0].id
    with ctx.sessions() as s, s.begin():
        receipt = replay_delivery(
            session=s, clock=ctx.clock, shop=get_shop(s, "acme"), delivery_pk=parked_pk
        )
    assert receipt.status == "processed"
    assert api.get("/api/v1/orders/A-77").json()["status"] == "delivered"


def test_only_a_bad_signature_an_unknown_shop_or_an_oversized_body_is_refused(
    connect: Callable[..., None], deliver: Deliver, app_client: TestClient, ctx: AppContext
) -> None:
    connect("shopify")
    payload = fixture("shopify_orders_create.json")
    assert deliver("shopify", "orders/create", payload, secret="not-the-secret").status_code == 401
    assert deliver("shopify", "orders/create", payload, shop="nobody").status_code == 404
    huge = b'{"id": 1, "pad": "' + b"x" * 1_100_000 + b'"}'
    assert deliver("shopify", "orders/create", huge).status_code == 413
    assert deliver("shopify", "", payload).json()["status"] == "parked"
    assert deliveries(ctx)[0].result == "header X-Shopify-Topic: missing"


# --- Shopify compliance webhooks ------------------------------------------------------------


def _known_customer(connect: Callable[..., None], deliver: Deliver) -> None:
    """An order from customer 191167 (john@example.com), the customer of Shopify's samples."""
    connect("shopify")
    order = fixture("shopify_orders_create.json")
    order["customer"] = order["customer"] | {"id": 191167, "email": "john@example.com"}
    assert deliver("shopify", "orders/create", order).json()["status"] == "processed"


def _audit_actions(ctx: AppContext) -> list[str]:
    with ctx.sessions() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_shopify_customers_data_request_puts_the_export_in_front_of_the_owner(
    connect: Callable[..., None],
    deliver: Deliver,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    """shopify.dev, Privacy law compliance, "customers/data_request": the app provides the
    store owner with the customer's data. Payload: Shopify's published sample, verbatim."""
    make_staff(shop)
    _known_customer(connect, deliver)
    response = deliver(
        "shopify", "customers/data_request", sample("shopify", "customers_data_request.json")
    )
    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    with ctx.sessions() as s:
        task = s.scalars(select(StaffTask)).one()
    assert "9999" in task.title
    assert task.assignee_id is not None
    assert '"email": "john@example.com"' in task.body
    assert "customer.data_requested" in _audit_actions(ctx)


def test_shopify_customers_redact_erases_the_customer_and_logs_it(
    connect: Callable[..., None], deliver: Deliver, ctx: AppContext
) -> None:
    """shopify.dev, Privacy law compliance, "customers/redact": delete the customer's
    personal data. Erasure is careloop.customers.erasure.erase_customer."""
    _known_customer(connect, deliver)
    response = deliver("shopify", "customers/redact", sample("shopify", "customers_redact.json"))
    assert response.json()["status"] == "processed", response.text
    with ctx.sessions() as s:
        customer = s.scalars(select(Customer)).one()
    assert customer.erased_at is not None and customer.email is None
    assert {"customer.erased", "customer.redact_requested"} <= set(_audit_actions(ctx))


def test_shopify_shop_redact_deletes_the_shops_data_48_hours_later_through_the_worker(
    connect: Callable[..., None], deliver: Deliver, ctx: AppContext, clock: VirtualClock
) -> None:
    """shopify.dev, Privacy law compliance, "shop/redact" (sent 48 hours after uninstall):
    erase the shop's data. The due time is stored, so a restart loses nothing."""
    from careloop.connectors.tasks import shop_data_deletion_pass

    _known_customer(connect, deliver)
    response = deliver("shopify", "shop/redact", sample("shopify", "shop_redact.json"))
    assert response.json()["status"] == "processed"
    assert shop_data_deletion_pass(ctx) == 0
    assert count(ctx, Order) == 1
    clock.advance(timedelta(hours=48))
    assert shop_data_deletion_pass(ctx) == 1
    assert (count(ctx, Order), count(ctx, Customer)) == (0, 0)
    assert count(ctx, Connector) == 1
    assert {"shop.redact_scheduled", "shop.redacted"} <= set(_audit_actions(ctx))
    assert shop_data_deletion_pass(ctx) == 0


def test_shopify_app_uninstalled_disables_the_connector_and_tells_the_owner(
    connect: Callable[..., None],
    deliver: Deliver,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    make_staff(shop)
    connect("shopify")
    response = deliver("shopify", "app/uninstalled", {"id": 548380009, "name": "Super Toys"})
    assert response.json()["status"] == "processed"
    with ctx.sessions() as s:
        connector = s.scalars(select(Connector)).one()
        task = s.scalars(select(StaffTask)).one()
    assert connector.disabled_at is not None
    assert task.assignee_id is not None and "Shopify" in task.title
    assert "connector.disabled" in _audit_actions(ctx)
    order = deliver("shopify", "orders/create", fixture("shopify_orders_create.json"))
    assert (order.status_code, order.json()["status"]) == (200, "parked")
    assert order.json()["result"].startswith("connector: disabled")
    connect("shopify")  # saved again after reinstalling: on again
    with ctx.sessions() as s:
        assert s.scalars(select(Connector)).one().disabled_at is None


# --- Sapo GO ------------------------------------------------------------------------------


def test_a_sapo_go_orders_update_for_a_new_order_creates_it_with_the_phone_customer(
    connect: Callable[..., None], deliver: Deliver, api: TestClient
) -> None:
    """A Sapo GO delivery as captured (tests/fixtures/sapo/SOURCE.md): topic `orders/update`,
    the buyer in `customer_data` with `phone_number`. Once 422; now the order is created."""
    connect("sapo")
    response = deliver("sapo", "orders/update", sample("sapo", "go_orders_update.json"))
    assert response.status_code == 200
    assert response.json()["status"] == "processed", response.text
    order = api.get("/api/v1/orders/1776792165").json()
    assert order["customer_id"] == "858172303"
    assert api.get("/api/v1/customers/858172303").json()["phone"] == "+84349588789"

    done = sample("sapo", "go_orders_update.json") | {
        "status": "completed",
        "modified_on": "2025-12-07T09:00:00Z",
    }
    assert deliver("sapo", "orders/update", done).json()["status"] == "processed"
    assert api.get("/api/v1/orders/1776792165").json()["status"] == "delivered"


def test_shopify_retries_with_the_same_event_id_are_stored_once(
    connect: Callable[..., None], app_client: TestClient, ctx: AppContext
) -> None:
    """shopify.dev, Webhooks > "Ignore duplicate webhooks": the same X-Shopify-Event-Id on
    more than one webhook indicates a duplicate (the Webhook-Id may differ per delivery)."""
    connect("shopify")
    body = json.dumps(fixture("shopify_orders_create.json")).encode()
    headers = {"X-Shopify-Hmac-Sha256": sign_base64(body), "X-Shopify-Topic": "orders/create"}
    url = "/api/v1/webhooks/shopify/acme"
    first = app_client.post(
        url,
        content=body,
        headers=headers | {"X-Shopify-Event-Id": "ev-1", "X-Shopify-Webhook-Id": "a"},
    )
    again = app_client.post(
        url,
        content=body,
        headers=headers | {"X-Shopify-Event-Id": "ev-1", "X-Shopify-Webhook-Id": "b"},
    )
    assert (first.json()["status"], again.json()["status"]) == ("processed", "duplicate")
    assert len(deliveries(ctx)) == 1


def test_haravan_app_uninstalled_disables_the_haravan_connector_and_tells_the_owner(
    connect: Callable[..., None],
    deliver: Deliver,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    make_staff(shop)
    connect("haravan")
    response = deliver("haravan", "app/uninstalled", {"org_id": 200001220496})
    assert response.json()["status"] == "processed"
    with ctx.sessions() as s:
        assert s.scalars(select(Connector)).one().disabled_at is not None
        assert "Haravan" in s.scalars(select(StaffTask.title)).one()
