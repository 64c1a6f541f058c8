"""A shop's first day, in the browser, on what a shop owner sees (findings of the first-day
walk on an empty install). Every wait is on a condition."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from careloop.channels.settings import set_channel_settings
from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.support import service
from tests.web.helpers import add_customer

pytestmark = pytest.mark.e2e


def test_every_text_box_of_the_set_up_form_is_as_wide_as_the_email_box(
    browser: Browser, live_server: str
) -> None:
    """The shop name and owner name boxes (inputs without a type attribute, which HTML treats
    as text) used to render as small unstyled boxes beside their labels."""
    context = browser.new_context(base_url=live_server, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto("/")
        page.wait_for_url(re.compile(r"/setup$"))
        email = page.get_by_test_id("owner-email")
        expect(email).to_be_visible()
        width = email.bounding_box()
        assert width is not None
        for box in ("shop-name", "owner-name"):
            found = page.get_by_test_id(box).bounding_box()
            assert found is not None
            assert found["width"] == width["width"], box
            assert found["x"] == width["x"], box  # under its label, not beside it
    finally:
        context.close()


def test_a_zalo_ticket_is_answered_by_email_without_a_false_channel_warning(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
) -> None:
    """The shop has only email set up; the customer wrote on Zalo and has an email address.
    The reply goes out by email (channels/policy.py routes it to a set-up channel), so the
    form says so and sends at once, and the conversation shows the reply as sent by Email."""
    customer = add_customer(
        ctx, shop, "KH-7", name="Đỗ Minh Thư", email="thu@example.vn", zalo_user_id="8412345"
    )
    with ctx.sessions() as s, s.begin():
        set_channel_settings(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            channel="email",
            values={"host": "smtp.example.com", "from_address": "shop@example.com"},
        )
        ticket_id = service.open_ticket(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer_id=customer.id,
            subject="Ấm bị nứt nắp",
            body="Shop ơi, nắp ấm em nhận bị nứt.",
            channel="zalo",
        ).id
    log_in(make_staff(shop, email="agent@acme.test", role="agent"), locale="vi")

    page.goto(f"/tickets/{ticket_id}")
    expect(page.get_by_test_id("reply-via")).to_have_text(
        "Trả lời sẽ được gửi qua Email (phiếu đến từ Zalo)."
    )
    expect(page.get_by_test_id("channel-not-ready")).to_have_count(0)
    page.locator("form[data-testid=reply-form] textarea").fill("Shop gửi nắp mới cho bạn ngay.")
    page.locator("form[data-testid=reply-form] button[type=submit]").click()

    reply = page.get_by_test_id("conversation").locator("li", has_text="Shop gửi nắp mới")
    expect(reply.locator(".tl-source")).to_contain_text("Email")
    expect(page.locator("form[data-testid=reply-form] input[name=anyway]")).to_have_count(0)
