"""A real shop from nothing, in the browser: on a freshly initialised install (no shop, no
account) the owner opens Careloop, is sent to the set-up page, gets the form's errors in
Vietnamese, creates the shop and their account, and lands signed in on the get-started
checklist of their own empty shop. Then, signed in, they add a second shop from the top bar
and switch between the two. No terminal anywhere. Every wait is on a condition."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e


def test_the_first_owner_creates_their_shop_in_the_browser_and_adds_a_second(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(base_url=live_server, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto("/")
        page.wait_for_url(re.compile(r"/setup$"))
        expect(page.locator("h1")).to_have_text("Tạo cửa hàng của bạn")

        page.get_by_test_id("shop-name").fill("Nhà Mộc")
        page.get_by_test_id("owner-name").fill("Nguyễn Thị Lan")
        page.get_by_test_id("owner-email").fill("lan@nhamoc.vn")
        page.get_by_test_id("owner-password").fill("tra-o-long-500g")
        page.get_by_test_id("owner-password-again").fill("tra-o-long")
        page.get_by_test_id("setup-submit").click()
        expect(page.get_by_text("Nhập lại mật khẩu: không khớp với mật khẩu")).to_be_visible()
        expect(page.get_by_test_id("shop-name")).to_have_value("Nhà Mộc")

        page.get_by_test_id("owner-password").fill("tra-o-long-500g")
        page.get_by_test_id("owner-password-again").fill("tra-o-long-500g")
        page.get_by_test_id("setup-submit").click()
        page.wait_for_url(re.compile(r"/get-started$"))
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        expect(page.locator(".shop-name")).to_have_text("Nhà Mộc")

        page.get_by_test_id("new-shop-link").click()
        page.wait_for_url(re.compile(r"/shops/new$"))
        page.get_by_test_id("shop-name").fill("Nhà Mộc Hà Nội")
        page.get_by_test_id("new-shop-submit").click()
        page.wait_for_url(re.compile(r"/get-started$"))
        shops = page.locator("#shop-select")
        expect(shops.locator("option:checked")).to_have_text("Nhà Mộc Hà Nội")
        expect(shops.locator("option")).to_have_text(["Nhà Mộc", "Nhà Mộc Hà Nội"])

        # Closed for good now that an account exists: the address leads to the sign-in page.
        page.goto("/setup")
        page.wait_for_url(re.compile(r"/(get-started)?$"))
    finally:
        context.close()
