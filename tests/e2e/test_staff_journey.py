from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE
from tests.web.helpers import add_customer, add_order

pytestmark = pytest.mark.e2e


def _a_shop_with_customers(ctx: AppContext, shop: Shop) -> None:
    now = ctx.clock.now()
    people = [
        ("C-1", "Nguyễn Thị Lan", "0901234567", "lan.nguyen@example.vn"),
        ("C-2", "Trần Văn Minh", "0912000111", "minh.tran@example.vn"),
        ("C-3", "Lê Hoàng Anh", "0987654321", None),
        ("C-4", "Phạm Thu Hà", None, "ha.pham@example.vn"),
    ]
    for external_id, name, phone, email in people:
        add_customer(
            ctx, shop, external_id, name=name, phone=phone, email=email, accepts_marketing=True
        )
    add_order(
        ctx,
        shop,
        "C-1",
        "O-1001",
        "450000",
        placed_at=now - timedelta(days=40),
        status="delivered",
        delivered_at=now - timedelta(days=37),
        lines=[
            {
                "sku": "CF-ARA",
                "product_name": "Cà phê Arabica 500g",
                "quantity": 2,
                "unit_price": "150000",
            },
            {
                "sku": "CF-FIL",
                "product_name": "Phin lọc inox",
                "quantity": 1,
                "unit_price": "150000",
            },
        ],
    )
    add_order(
        ctx, shop, "C-1", "O-1042", "150000", placed_at=now - timedelta(days=2), status="paid"
    )
    add_order(ctx, shop, "C-2", "O-1010", "890000", placed_at=now - timedelta(days=20))


def test_staff_member_finds_a_customer_by_phone_and_reads_orders_and_timeline(
    page: Page,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    screenshot: Callable[[Page, str], Path],
) -> None:
    _a_shop_with_customers(ctx, shop)
    email = make_staff(shop, email="owner@acme.test", role="owner")

    page.goto("/customers")
    expect(page).to_have_url("/login?next=%2Fcustomers")
    screenshot(page, "login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url("/customers")

    # The shop is Vietnamese: the UI starts in Vietnamese; switch to English.
    expect(page.get_by_role("heading", name="Khách hàng")).to_be_visible()
    page.wait_for_load_state()  # the select submits itself once careloop.js is listening
    page.get_by_label("Ngôn ngữ").select_option("en")
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    screenshot(page, "customers")

    page.wait_for_load_state()  # htmx is a deferred script; type once it is listening
    page.get_by_role("searchbox").fill("090 123 4567")
    expect(page.get_by_test_id("result-count")).to_have_text("1 customer")
    expect(page).to_have_url(re.compile(r"/customers\?q=090(%20|\+)123(%20|\+)4567$"))
    page.get_by_role("link", name="Nguyễn Thị Lan").click()

    expect(page.get_by_test_id("customer-name")).to_have_text("Nguyễn Thị Lan")
    orders = page.get_by_test_id("orders")
    expect(orders).to_contain_text("#O-1001")
    expect(orders).to_contain_text("Cà phê Arabica 500g")
    expect(orders).to_contain_text("450.000 ₫")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Order delivered")
    expect(timeline).to_contain_text("Became a customer")

    page.get_by_label("Add a note").fill("Called her: she loves the Arabica.")
    page.get_by_role("button", name="Add note").click()
    expect(timeline.locator(".tl-item").first).to_contain_text("she loves the Arabica")
    screenshot(page, "customer")

    page.set_viewport_size(PHONE)
    screenshot(page, "customer-phone")
    page.goto("/customers")
    screenshot(page, "customers-phone")
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    expect(page.get_by_test_id("stat-customers")).to_contain_text("4")
    screenshot(page, "home")

    page.get_by_test_id("logout").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/customers")
    expect(page).to_have_url("/login?next=%2Fcustomers")


def test_viewer_reads_a_customer_without_the_note_form(
    page: Page,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    log_in: Callable[..., Page],
) -> None:
    _a_shop_with_customers(ctx, shop)
    log_in(make_staff(shop, email="viewer@acme.test", role="viewer"))

    page.get_by_role("link", name="Customers").click()
    page.get_by_role("link", name="Trần Văn Minh").click()

    expect(page.get_by_test_id("orders")).to_contain_text("#O-1010")
    expect(page.get_by_role("button", name="Add note")).to_have_count(0)
