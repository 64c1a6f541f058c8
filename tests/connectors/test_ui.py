from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.connectors.result_text import result_text
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

from .conftest import SECRET, Deliver, fixture


def test_the_owner_connects_shopify_and_sees_the_url_and_only_the_secrets_last_characters(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/connectors")
    assert "No connector yet" in page.text
    saved = app_client.post(
        "/settings/connectors",
        data={"platform": "shopify", "secret": SECRET, "csrf_token": csrf_from(page)},
    )
    assert saved.status_code == 200
    assert "http://127.0.0.1:8000/api/v1/webhooks/shopify/acme" in saved.text
    assert SECRET not in saved.text
    assert f"••••{SECRET[-4:]}" in saved.text
    with ctx.sessions() as s:
        assert s.scalars(select(AuditEntry.action)).all() == ["connector.saved"]


def test_a_bad_mapping_is_shown_next_to_the_form_and_saves_nothing(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/connectors")
    answer = app_client.post(
        "/settings/connectors",
        data={"platform": "generic", "mapping": "{not json", "csrf_token": csrf_from(page)},
    )
    assert answer.status_code == 422
    assert "mapping: not valid JSON" in answer.text
    assert "No connector yet" in answer.text


def test_an_agent_sees_parked_deliveries_with_their_reason_but_not_secrets_and_retries_one(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    connect: Callable[..., None],
    deliver: Deliver,
) -> None:
    connect("shopify")
    deliver("shopify", "refunds/create", fixture("shopify_refunds_create.json"))
    deliver("shopify", "orders/create", fixture("shopify_orders_create.json"))
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get("/settings/connectors")
    assert SECRET not in page.text
    assert "Only the owner can see secrets" in page.text
    assert 'data-testid="attention-1"' in page.text and "Retry" in page.text
    assert "not found" in page.text  # the reason staff read
    replayed = app_client.post(
        "/settings/connectors/deliveries/1/replay", data={"csrf_token": csrf_from(page)}
    )
    assert replayed.status_code == 200
    assert "Retry" not in replayed.text
    assert "Nothing waiting" in replayed.text


def test_another_shops_delivery_cannot_be_replayed(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
    connect: Callable[..., None],
    deliver: Deliver,
) -> None:
    connect("shopify")
    deliver("shopify", "refunds/create", fixture("shopify_refunds_create.json"))
    other = make_shop("other")
    sign_in(app_client, ctx, make_staff(other, email="owner@other.test"), other)
    page = app_client.get("/settings/connectors")
    answer = app_client.post(
        "/settings/connectors/deliveries/1/replay", data={"csrf_token": csrf_from(page)}
    )
    assert answer.status_code == 404


def test_needs_attention_lists_a_parked_delivery_with_its_reason_in_vietnamese(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    connect: Callable[..., None],
    deliver: Deliver,
) -> None:
    connect("woocommerce")
    payload = fixture("woocommerce_order_created.json") | {"status": "wc-awaiting-pickup"}
    deliver("woocommerce", "order.updated", payload)
    page = sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/settings/connectors")
    assert "Cần xử lý" in page.text and "Thử lại" in page.text
    # The stored English reason, read in Vietnamese (connectors/result_text.py).
    assert "status: trạng thái WooCommerce không xác định: &#39;wc-awaiting-pickup" in page.text
    assert "unknown WooCommerce status" not in page.text
    english = sign_in(app_client, ctx, make_staff(shop, email="o2@acme.test"), shop)
    english = app_client.get("/settings/connectors")
    assert "Needs attention" in english.text and "Retry" in english.text
    assert "status: unknown WooCommerce status" in english.text


def test_the_owner_sets_a_haravan_verify_token_and_sees_a_disabled_connector(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    connect: Callable[..., None],
    deliver: Deliver,
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/connectors")
    saved = app_client.post(
        "/settings/connectors",
        data={
            "platform": "haravan",
            "secret": SECRET,
            "verify_token": "tok-from-haravan",
            "csrf_token": csrf_from(page),
        },
    )
    assert 'data-testid="verify-token">tok-from-haravan<' in saved.text
    connect("shopify")
    deliver("shopify", "app/uninstalled", {"id": 548380009})
    page = app_client.get("/settings/connectors")
    assert 'data-testid="connector-disabled"' in page.text
    assert "save this connector again to switch it back on" in page.text


def test_parked_webhooks_appear_in_the_apps_needs_attention_list_one_line_per_cause(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    connect: Callable[..., None],
    deliver: Deliver,
) -> None:
    """Two WooCommerce deliveries with an order status WooCommerce's REST API docs do not
    list (woocommerce.github.io/woocommerce-rest-api-docs, "Order properties" > status) are
    parked for the same cause: the dashboard shows one line with their count and the link to
    the connectors page, in the viewer's language."""
    connect("woocommerce")
    payload = fixture("woocommerce_order_created.json") | {"status": "wc-awaiting-pickup"}
    deliver("woocommerce", "order.updated", payload, delivery_id="d-1")
    deliver("woocommerce", "order.updated", payload | {"id": 999001}, delivery_id="d-2")
    sign_in(app_client, ctx, make_staff(shop), shop)
    home = app_client.get("/")
    line = 'data-testid="attention-connectors.parked:woocommerce:status" data-count="2"'
    assert line in home.text
    assert "2 woocommerce webhooks parked: status" in home.text
    assert 'href="/settings/connectors"' in home.text
    sign_in(app_client, ctx, make_staff(shop, email="o2@acme.test"), shop, locale="vi")
    assert "2 webhook woocommerce đang chờ xử lý: status" in app_client.get("/").text


def test_a_parked_webhook_is_an_urgent_alert_for_the_shops_owners(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    connect: Callable[..., None],
    deliver: Deliver,
) -> None:
    from careloop.alerts.service import due_alerts

    make_staff(shop, email="owner@acme.test")
    connect("woocommerce")
    payload = fixture("woocommerce_order_created.json") | {"status": "wc-awaiting-pickup"}
    deliver("woocommerce", "order.updated", payload)
    with ctx.sessions() as s:
        letters = due_alerts(s, s.merge(shop), ctx.clock.now(), "https://care.acme.test")
        told = [(le.user.email, le.key, le.text) for le in letters]
    assert told == [
        (
            "owner@acme.test",
            "connectors.parked:woocommerce:status",
            "- 1 webhook woocommerce đang chờ xử lý: status: Sửa và thử lại "
            "https://care.acme.test/settings/connectors",
        )
    ]


def test_a_vietnamese_owner_reads_the_connectors_page_and_its_deliveries_in_vietnamese(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    connect: Callable[..., None],
    deliver: Deliver,
) -> None:
    """Platform names are brands; "any platform", where to set it up, a delivery's state and a
    bad mapping are words of the reader's language (the JSON example is shown as code)."""
    connect("shopify")
    deliver("shopify", "orders/create", fixture("shopify_orders_create.json"))
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/settings/connectors")
    assert '<option value="generic">Nền tảng khác (ánh xạ trường)</option>' in page.text
    assert "Cài đặt &gt; Thông báo &gt; Webhook" in page.text
    assert 'data-status="processed">đã áp dụng</span>' in page.text
    generic = app_client.get("/settings/connectors?platform=generic")
    assert '<code>{"order_id": "id"' in generic.text
    refused = app_client.post(
        "/settings/connectors",
        data={"platform": "generic", "mapping": "{not json", "csrf_token": csrf_from(page)},
    )
    assert refused.status_code == 422
    assert "Ánh xạ trường không phải JSON hợp lệ (dòng 1, cột 2)" in refused.text


def test_a_vietnamese_agent_reads_a_parked_orders_missing_customer_reason_in_vietnamese(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    connect: Callable[..., None],
    deliver: Deliver,
) -> None:
    """Haravan's orders/create sample without its customer, email and phone (a POS sale, as
    in test_protocols) is parked with connectors' English reason; the page renders it in
    Vietnamese."""
    connect("haravan")
    payload = fixture("haravan_orders_create.json")
    payload.update(customer=None, email=None, phone=None, shipping_address=None)
    payload.update(billing_address=None, source="pos")
    assert deliver("haravan", "orders/create", payload).json()["status"] == "parked"
    sign_in(app_client, ctx, make_staff(shop, role="agent"), shop, locale="vi")
    page = app_client.get("/settings/connectors")
    assert "đơn không có khách hàng, email hay số điện thoại (đơn bán tại quầy?)" in page.text
    assert "a POS sale" not in page.text


def test_a_result_line_connectors_did_not_write_shows_as_stored() -> None:
    assert result_text("order 1001 (paid)", "vi") == "order 1001 (paid)"
    assert result_text("", "vi") == ""
