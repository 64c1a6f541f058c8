"""In a real browser, in Vietnamese: an owner moves Golden Hours' usage guide from Day 3 to
Day 4 and its "not opened" reminder from SMS to Zalo with the journey page's form; the YAML
editor shows the change and the next enrolment schedules the guide on Day 4 (virtual clock)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.journeys.service import activate_journey
from careloop.shops.models import Shop
from tests.journeys.conftest import World, add_templates
from tests.journeys.test_timing_form import (
    SMS_REMINDER,
    day_at_nine,
    latest,
    usage_guide_due_after_delivery,
)

pytestmark = pytest.mark.e2e


def test_an_owner_moves_the_usage_guide_to_day_4_and_its_reminder_to_zalo_in_the_form(
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    page: Page,
    log_in: Callable[..., Page],
    make_staff: Callable[..., str],
    screenshot: Callable[[Page, str], Path],
) -> None:
    world = World(ctx=ctx, clock=clock, shop=shop)
    add_templates(ctx, shop)
    world.install(text=SMS_REMINDER)
    log_in(make_staff(shop), locale="vi")

    page.goto("/journeys/golden_hours")
    guide = page.locator("[data-testid=timing-usage_guide]")
    expect(guide.locator("[name='usage_guide.delay']")).to_have_value("3")
    expect(guide.locator("[name='usage_guide.fallback']")).to_have_value("sms")
    expect(guide).to_contain_text("nếu khách chưa mở tin")
    guide.locator("[name='usage_guide.delay']").fill("4")
    guide.locator("[name='usage_guide.fallback']").select_option("zalo")
    screenshot(page, "changed")
    page.locator("[data-testid=timing-save]").click()

    expect(page.locator(".page-header h1 + p")).to_have_text("golden_hours · v2")
    expect(page.locator("textarea[name=text]")).to_have_value(re.compile(r"until_day: 4"))
    expect(page.locator("[name='usage_guide.delay']")).to_have_value("4")
    expect(page.locator("[name='usage_guide.fallback']")).to_have_value("zalo")
    v2 = latest(world)
    assert "channels: [zalo]\n      template: golden_hours.usage_guide_reminder" in v2.source_text
    with ctx.sessions() as s, s.begin():
        activate_journey(
            session=s, clock=clock, shop=s.merge(shop), key="golden_hours", version=v2.version
        )
    assert usage_guide_due_after_delivery(world) == day_at_nine(world, 4)


def test_a_day_that_is_not_a_number_is_named_in_vietnamese_and_kept_in_the_form(
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    page: Page,
    log_in: Callable[..., Page],
    make_staff: Callable[..., str],
) -> None:
    world = World(ctx=ctx, clock=clock, shop=shop)
    add_templates(ctx, shop)
    world.install(text=SMS_REMINDER)
    log_in(make_staff(shop), locale="vi")

    page.goto("/journeys/golden_hours")
    page.locator("[name='usage_guide.delay']").fill("bốn")
    page.locator("[data-testid=timing-save]").click()

    expect(page.locator("[data-testid=timing-errors]")).to_be_visible()
    expect(page.locator("[data-testid=timing-usage_guide]")).to_contain_text(
        "Bước Hướng dẫn sử dụng · Thời điểm gửi: phải là số nguyên từ 0 đến 3650"
    )
    expect(page.locator("[name='usage_guide.delay']")).to_have_value("bốn")
    assert latest(world).version == 1
