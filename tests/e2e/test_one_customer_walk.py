"""Issue 18 item 1 walked as a new shop would: a shop created empty connects Shopify and sets
up eSMS, replies token included, in the browser; the same buyer then arrives by the REST API
(phone 0909 998 877), by a Shopify `orders/create` webhook (+84909998877, same email,
Shopify's own customer id) and by an SMS reply, and staff find one customer carrying the
linked Shopify id; a second buyer with the same phone and another name is listed as a
possible duplicate, not merged; the owner merges the pair and undoes the merge by clicks.

Published behaviour replayed: the Shopify webhook as shopify.dev "Deliver webhooks through
HTTPS" > "Verify the webhook" describes it (base64 HMAC-SHA256 of the raw body in
`X-Shopify-Hmac-Sha256`), body the published `orders/create` sample
(tests/fixtures/connectors/README.md) whose customer phone Shopify formats in E.164
(shopify.dev, Customer `phone`); the eSMS reply (MO) as the token gateway form posts it
(`phone` as 84xxxxxxxxx and `text`, channels/web.py; eSMS "Kết nối đầu số ngắn").

Every wait is on a condition (Playwright `expect`)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from careloop.shops.models import Shop
from tests.connectors.conftest import fixture, sign_base64

pytestmark = pytest.mark.e2e

WEBHOOK_SECRET = "whsec-walk-0123456789"
REPLY_TOKEN = "reply-token-7f3a9c"
EMAIL = "lan.nguyen@example.vn"
SHOPIFY_ID = "7412365098571"


def _set_up_in_the_browser(page: Page) -> None:
    page.goto("/settings/connectors")
    page.locator("select[name=platform]").select_option("shopify")
    page.get_by_test_id("choose-platform").locator("button[type=submit]").click()
    page.get_by_test_id("connector-form-shopify").locator("input[name=secret]").fill(WEBHOOK_SECRET)
    page.get_by_test_id("connector-form-shopify").locator("button[type=submit]").click()
    expect(page.get_by_test_id("webhook-url")).to_contain_text("/api/v1/webhooks/shopify/")

    page.goto("/settings/channels")
    details = page.locator("[data-testid=channel-sms-esms] > details")
    if details.get_attribute("open") is None:
        details.locator("> summary").click()
    form = page.locator("[data-testid=form-sms-esms]")
    form.locator("input[name=api_key]").fill("ek")
    form.locator("input[name=secret_key]").fill("es")
    form.locator("details > summary").click()
    form.locator("input[name=inbound_token]").fill(REPLY_TOKEN)
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=secret-sms-esms-inbound_token]")).to_contain_text("set")
    expect(form.locator("input[name=inbound_token]")).to_have_value("")


def _shopify_order(base: str) -> httpx.Response:
    body: dict[str, Any] = copy.deepcopy(fixture("shopify_orders_create.json"))
    body["email"] = EMAIL
    body["customer"].update(email=EMAIL, phone="+84909998877")
    raw = json.dumps(body).encode()
    return httpx.post(
        f"{base}/api/v1/webhooks/shopify/tiemmoi",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": sign_base64(raw, WEBHOOK_SECRET),
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": "0a5f3c2e-walk-4b37-8a5f-bf7d70bcd043",
        },
        timeout=30,
    )


def test_one_buyer_from_api_shopify_and_an_sms_reply_is_one_customer_and_a_merge_is_undone(
    page: Page,
    log_in: Callable[..., Page],
    live_server: str,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
    make_api_key: Callable[[Shop], str],
) -> None:
    shop = make_shop("tiemmoi", name="Tiệm Mới", timezone="Asia/Ho_Chi_Minh")
    log_in(make_staff(shop, email="owner@tiemmoi.test"))
    _set_up_in_the_browser(page)
    api = httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {make_api_key(shop)}"}
    )

    lan = {"customer_id": "web-77", "name": "Nguyễn Thị Lan", "phone": "0909 998 877"}
    assert api.post("/api/v1/customers", json=lan | {"email": EMAIL}).status_code == 200
    assert _shopify_order(live_server).json()["status"] == "processed"
    reply = httpx.post(
        f"{live_server}/c/hooks/sms/tiemmoi/inbound?token={REPLY_TOKEN}",
        data={"phone": "84909998877", "text": "Cốc em nhận bị vỡ ạ", "message_id": "mo-1"},
    )
    assert reply.status_code == 204

    page.goto("/customers")
    page.wait_for_load_state()  # htmx is a deferred script; type once it is listening
    page.get_by_role("searchbox").fill("0909 998 877")
    expect(page.get_by_test_id("result-count")).to_have_text("1 customer")
    page.get_by_role("link", name="Nguyễn Thị Lan").click()
    expect(page.get_by_test_id("linked-ids")).to_contain_text(SHOPIFY_ID)
    expect(page.get_by_test_id("orders")).to_contain_text("Cà phê Arabica Cầu Đất 500g")
    expect(page.get_by_test_id("timeline")).to_contain_text("bị vỡ")

    # Same phone, another name: listed for staff, not merged.
    minh = {"customer_id": "web-78", "name": "Trần Văn Minh", "phone": "0909998877"}
    assert api.post("/api/v1/customers", json=minh).status_code == 200
    page.goto("/customers")
    page.get_by_test_id("duplicates-link").click()
    expect(page.get_by_test_id("duplicate-pair")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Nguyễn Thị Lan")).click()
    expect(page.get_by_test_id("duplicate-pair")).to_have_count(0)
    expect(page.get_by_test_id("merge-entry")).to_contain_text("Trần Văn Minh")
    assert api.get("/api/v1/customers/web-78").json()["customer_id"] == "web-77"

    # The undo brings the merged customer back, on their own page, and lists the pair again.
    page.get_by_test_id("merge-entry").locator("button[type=submit]").click()
    expect(page.get_by_test_id("customer-name")).to_have_text("Trần Văn Minh")
    page.goto("/customers/duplicates")
    expect(page.get_by_test_id("duplicate-pair")).to_have_count(1)
    expect(page.get_by_test_id("merge-entry").locator("button[type=submit]")).to_have_count(0)
    assert api.get("/api/v1/customers/web-78").json()["name"] == "Trần Văn Minh"
    api.close()
