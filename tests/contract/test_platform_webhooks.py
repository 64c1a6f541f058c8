"""Published samples from Shopify, WooCommerce, Sapo and Haravan, replayed verbatim.

A wrong header name, a wrong signature base string (hex instead of base64, a re-encoded
body) or a wrong status code makes these fail."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.channels.render_context import build_context
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.shops.models import Shop

from .conftest import SECRET, base64_hmac, raw

SHOPIFY_COMPLIANCE = [
    ("customers/data_request", "customers_data_request.json", "customer.data_requested"),
    ("customers/redact", "customers_redact.json", "customer.redact_requested"),
    ("shop/redact", "shop_redact.json", "shop.redact_scheduled"),
]


def shopify_headers(body: bytes, topic: str, webhook_id: str) -> dict[str, str]:
    """shopify.dev, Apps > Webhooks > "Deliver webhooks through HTTPS": headers
    X-Shopify-Topic, X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body with the
    app's client secret), X-Shopify-Shop-Domain, X-Shopify-API-Version, X-Shopify-Webhook-Id,
    Content-Type application/json."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": base64_hmac(body),
        "X-Shopify-Shop-Domain": "acme.myshopify.com",
        "X-Shopify-API-Version": "2025-10",
        "X-Shopify-Webhook-Id": webhook_id,
    }


@pytest.mark.parametrize(("topic", "name", "audited"), SHOPIFY_COMPLIANCE)
def test_shopify_compliance_samples_are_acknowledged_200_and_audited(
    topic: str,
    name: str,
    audited: str,
    connect: Callable[..., None],
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    """shopify.dev, Apps > Privacy law compliance, "Mandatory compliance webhooks": the app
    must handle POST requests with a JSON body, answer 200 series, and answer 401 to an
    invalid HMAC. Bodies: the documented example payloads (tests/fixtures/shopify/SOURCE.md)."""
    make_staff(shop)
    connect("shopify")
    body = raw("shopify", name)
    url = "/api/v1/webhooks/shopify/acme"
    response = app_client.post(url, content=body, headers=shopify_headers(body, topic, "b54557e4"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "processed"
    with ctx.sessions() as s:
        assert audited in set(s.scalars(select(AuditEntry.action)))


def test_shopify_rejects_hex_signatures_re_encoded_bodies_and_other_header_names(
    connect: Callable[..., None], app_client: TestClient
) -> None:
    """The signature is base64 (not hex) over the raw bytes (not a re-encoded JSON), in
    X-Shopify-Hmac-Sha256 (shopify.dev, "Verify the webhook"); each variation is a 401."""
    connect("shopify")
    body = raw("shopify", "customers_redact.json")
    url = "/api/v1/webhooks/shopify/acme"
    good = shopify_headers(body, "customers/redact", "w-1")
    hex_signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    reencoded = json.dumps(json.loads(body)).encode()
    other_name = {k: v for k, v in good.items() if k != "X-Shopify-Hmac-Sha256"}
    other_name["X-Shopify-Hmac-Sha1"] = good["X-Shopify-Hmac-Sha256"]
    assert (
        app_client.post(
            url, content=body, headers=good | {"X-Shopify-Hmac-Sha256": hex_signature}
        ).status_code
        == 401
    )
    assert app_client.post(url, content=reencoded, headers=good).status_code == 401
    assert app_client.post(url, content=body, headers=other_name).status_code == 401
    assert app_client.post(url, content=body, headers=good).status_code == 200


def test_the_shopify_sdk_order_fixture_becomes_an_order_with_its_customer(
    connect: Callable[..., None], app_client: TestClient, api: TestClient
) -> None:
    """Shopify/shopify_python_api `test/fixtures/order.json` (MIT): the Order resource an
    `orders/create` webhook carries. Its one fulfillment has status "failure": not shipped."""
    connect("shopify")
    order = json.loads(raw("shopify", "order.json"))["order"]
    body = json.dumps(order).encode()
    url = "/api/v1/webhooks/shopify/acme"
    response = app_client.post(
        url, content=body, headers=shopify_headers(body, "orders/create", "o-1")
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "processed", response.text
    stored = api.get("/api/v1/orders/450789469").json()
    assert (stored["customer_id"], stored["total"], stored["status"]) == (
        "207119551",
        "409.94",
        "placed",
    )
    assert [line["sku"] for line in stored["lines"]] == [
        "IPOD2008GREEN",
        "IPOD2008RED",
        "IPOD2008BLACK",
    ]


def test_a_shopify_order_is_named_to_its_customer_by_its_order_name_not_its_id(
    ctx: AppContext, shop: Shop, connect: Callable[..., None], app_client: TestClient
) -> None:
    """Shopify Admin REST API, Order resource: `name` is "the order name, generated by
    combining the order_number property with the order prefix and suffix that are set in the
    merchant's general settings" ("#1001" in the SDK's order.json); `id` (450789469) is
    Shopify's own. The message a customer reads and the API name the order "#1001"."""
    connect("shopify")
    body = json.dumps(json.loads(raw("shopify", "order.json"))["order"]).encode()
    response = app_client.post(
        "/api/v1/webhooks/shopify/acme",
        content=body,
        headers=shopify_headers(body, "orders/create", "o-1"),
    )
    assert response.json()["status"] == "processed", response.text
    with ctx.sessions() as s:
        buyer = s.scalars(select(Customer).where(Customer.external_id == "207119551")).one()
        values = build_context(
            session=s, shop=s.merge(shop), customer=buyer, extra={"order_id": "450789469"}
        )
    assert values["order"]["number"] == "#1001"


def woocommerce_headers(body: bytes, topic: str, delivery_id: str) -> dict[str, str]:
    """woocommerce/woocommerce-rest-api-docs `source/includes/wp-api-v3/_webhooks.md`,
    "Delivery/payload": the X-WC-Webhook-* headers; Signature is a base64 HMAC-SHA256 of the
    payload (`WC_Webhook::generate_signature()`, class-wc-webhook.php)."""
    resource, event = topic.split(".")
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": "http://example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": base64_hmac(body),
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }


def test_the_woocommerce_docs_order_is_stored_and_a_same_second_update_also_counts(
    connect: Callable[..., None], app_client: TestClient, api: TestClient
) -> None:
    """The "Retrieve an order" example of the WooCommerce REST API docs (v3), verbatim; the
    second delivery has the same X-WC-Webhook-Delivery-ID, as `get_new_delivery_id()` makes
    within one second (`wp_hash( $this->get_id() . strtotime( 'now' ) )`)."""
    connect("woocommerce")
    url = "/api/v1/webhooks/woocommerce/acme"
    ping = app_client.post(
        url, content=b"webhook_id=12", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert ping.status_code == 200
    body = raw("woocommerce", "order_retrieve_response.json")
    same_second = hashlib.sha1(b"12" + b"1765080000").hexdigest()
    first = app_client.post(
        url, content=body, headers=woocommerce_headers(body, "order.created", same_second)
    )
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "processed", first.text
    order = api.get("/api/v1/orders/727").json()
    assert (order["customer_id"], order["status"], order["total"]) == (
        "email:john.doe@example.com",
        "paid",
        "29.35",
    )
    assert order["number"] == "#727"  # `number`, "Order number", shown as WooCommerce does
    completed = json.loads(body) | {
        "status": "completed",
        "date_completed_gmt": "2017-03-25T10:00:00",
    }
    body2 = json.dumps(completed).encode()
    second = app_client.post(
        url, content=body2, headers=woocommerce_headers(body2, "order.updated", same_second)
    )
    assert (second.status_code, second.json()["status"]) == (200, "processed")
    assert api.get("/api/v1/orders/727").json()["status"] == "delivered"
    again = app_client.post(
        url, content=body2, headers=woocommerce_headers(body2, "order.updated", same_second)
    )
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")


def test_the_captured_sapo_go_orders_update_is_stored(
    connect: Callable[..., None], app_client: TestClient, api: TestClient
) -> None:
    """A Sapo GO delivery as captured (tests/fixtures/sapo/SOURCE.md): X-Sapo-Topic
    `orders/update`, X-Sapo-Hmac-Sha256 (base64 HMAC-SHA256 of the body), X-Sapo-Tenant-Domain,
    X-Sapo-Object-Id; the buyer in `customer_data.phone_number`."""
    connect("sapo")
    body = raw("sapo", "go_orders_update.json")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Sapo-Topic": "orders/update",
        "X-Sapo-Hmac-Sha256": base64_hmac(body),
        "X-Sapo-Tenant-Domain": "acme.mysapogo.com",
        "X-Sapo-Object-Id": "1776792165",
        "X-Sapo-Test": "false",
    }
    response = app_client.post("/api/v1/webhooks/sapo/acme", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "processed", response.text
    assert api.get("/api/v1/customers/858172303").json()["phone"] == "+84349588789"
    assert api.get("/api/v1/orders/1776792165").json()["number"] == "SON687457"  # its `code`


def test_haravan_registration_and_delivery_follow_the_published_tutorial(
    connect: Callable[..., None], app_client: TestClient, api: TestClient
) -> None:
    """docs.haravan.com, Connect webhook, Step 3 (GET with hub.mode, hub.verify_token,
    hub.challenge; answer the challenge) and Private webhook, "Authenticate webhook"
    (X-Haravan-Hmacsha256, base64 HMAC-SHA256 of the raw body)."""
    connect("haravan", verify_token="haravan-verify-42")
    url = "/api/v1/webhooks/haravan/acme"
    challenge = app_client.get(
        url + "?hub.mode=subscribe&hub.verify_token=haravan-verify-42&hub.challenge=8127376"
    )
    assert (challenge.status_code, challenge.text) == (200, "8127376")
    body = raw("connectors", "haravan_orders_create.json")
    headers = {
        "Content-Type": "application/json",
        "X-Haravan-Topic": "orders/updated",
        "X-Haravan-Org-Id": "200001220496",
        "X-Haravan-Hmacsha256": base64_hmac(body),
    }
    assert (
        app_client.post(
            url,
            content=body,
            headers=headers
            | {"X-Haravan-Hmacsha256": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()},
        ).status_code
        == 401
    )
    response = app_client.post(url, content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert api.get("/api/v1/orders/1002345678").json()["status"] == "delivered"
