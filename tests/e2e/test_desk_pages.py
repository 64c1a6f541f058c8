"""Browser tests of the support desk, templates and journeys pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.journeys.test_ui import load_golden_hours
from tests.support.test_ui import open_a_ticket

pytestmark = pytest.mark.e2e


def test_an_agent_answers_a_ticket(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    ticket_id = open_a_ticket(ctx, shop)
    log_in(make_staff(shop, email="agent@acme.test", role="agent"))
    page.goto("/tickets")
    expect(page.get_by_test_id(f"ticket-{ticket_id}")).to_contain_text("Bình bị vỡ")
    screenshot(page, "inbox")
    page.get_by_test_id(f"ticket-{ticket_id}").get_by_role("link").first.click()
    expect(page.get_by_test_id("customer-360")).to_contain_text("Nguyễn Thị Lan")
    page.locator("form[data-testid=reply-form] textarea").fill("Shop gửi bình mới cho chị ngay.")
    page.locator("form[data-testid=reply-form] button[type=submit]").click()
    # No email channel is set up yet: the page warns first, keeps the draft, offers "anyway".
    expect(page.get_by_test_id("channel-not-ready")).to_contain_text("Email")
    expect(page.locator("form[data-testid=reply-form] input[name=anyway]")).to_have_count(1)
    page.locator("form[data-testid=reply-form] button[type=submit]").click()
    expect(page.get_by_test_id("conversation")).to_contain_text("Shop gửi bình mới cho chị ngay.")
    page.get_by_test_id("step-acknowledge").click()
    expect(page.get_by_test_id("step-acknowledge")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "ticket")


def test_the_owner_edits_and_previews_a_template(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    log_in(make_staff(shop))
    page.goto("/templates")
    page.get_by_role("link", name="Usage guide", exact=True).click()
    page.locator("select[name=channel]").select_option("sms")
    page.wait_for_url(re.compile(r"channel=sms"))
    text = page.locator("#template-form textarea[name=text]")
    text.fill("Chào {{ customer.first_name }}, đây là hướng dẫn dùng sản phẩm.")
    expect(page.get_by_test_id("preview-text")).to_contain_text(", đây là hướng dẫn dùng")
    text.fill("Chào {{ khach }}")
    expect(page.get_by_test_id("preview-error")).to_contain_text("unknown field")
    screenshot(page, "template-error")
    text.fill("Chào {{ customer.first_name }}, cảm ơn bạn!")
    expect(page.get_by_test_id("preview-text")).to_contain_text("cảm ơn bạn!")
    page.get_by_test_id("save-template").click()
    expect(page.get_by_test_id("notice")).to_have_text("Saved.")
    screenshot(page, "template")


def test_the_owner_activates_a_journey(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    load_golden_hours(ctx, shop)
    log_in(make_staff(shop))
    page.goto("/journeys")
    expect(page.get_by_test_id("journey-golden_hours")).to_contain_text("draft")
    page.get_by_role("link", name="Golden Hours 0-3-7").click()
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("journey-preview")).to_contain_text("usage_guide")
    # No channel is set up yet: the activation card warns with a link, then "turn on anyway".
    expect(page.get_by_test_id("channels-not-ready")).to_be_visible()
    page.get_by_test_id("turn-on").click()
    expect(page.locator("form input[name=anyway]")).to_have_count(1)
    page.get_by_test_id("turn-on").click()
    expect(page.get_by_test_id("journey-status")).to_have_text("active")
    page.get_by_test_id("simulate").click()
    expect(page.get_by_test_id("simulation")).to_contain_text("nothing was sent")
    screenshot(page, "journey")
