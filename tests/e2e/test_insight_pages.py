"""In a real browser: the overview, segments, filtered customers, the monthly review,
loyalty, settings and import pages render (charts draw, no CSP errors), with a screenshot
of each."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from careloop.context import AppContext
from careloop.loyalty.service import enable_program
from careloop.segments.service import recompute_segments
from careloop.shops.models import Shop
from tests.web.helpers import add_customer, add_order

pytestmark = pytest.mark.e2e


def _a_shop_with_history(ctx: AppContext, shop: Shop) -> None:
    now = ctx.clock.now()
    for i in range(12):
        add_customer(
            ctx,
            shop,
            f"C-{i}",
            name=f"Khách {i}",
            email=f"k{i}@example.vn",
            accepts_marketing=i % 2 == 0,
            tags=["vip"] if i < 3 else [],
        )
        for k in range(i % 4 + 1):
            add_order(
                ctx,
                shop,
                f"C-{i}",
                f"O-{i}-{k}",
                str(150000 + 50000 * k),
                placed_at=now - timedelta(days=20 + 35 * k + 9 * i),
            )
    with ctx.sessions() as s, s.begin():
        recompute_segments(session=s, clock=ctx.clock, shop=s.merge(shop), with_clv=False)
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))


def test_the_owner_visits_every_insight_and_settings_page_and_reads_the_monthly_review(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    _a_shop_with_history(ctx, shop)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    log_in(make_staff(shop))

    expect(page.get_by_test_id("kpi-repeat_purchase_rate")).to_be_visible()
    expect(page.locator("canvas[data-chart='chart-revenue']")).to_have_attribute(
        "data-chart-ready", "1"
    )
    expect(page.get_by_test_id("cohort-heatmap")).to_be_visible()
    screenshot(page, "overview")

    page.get_by_role("link", name="Segments").first.click()
    expect(page.get_by_test_id("rfm-grid")).to_be_visible()
    screenshot(page, "segments")
    page.get_by_test_id("segment-champions").get_by_role("link", name="Champions").click()
    expect(page).to_have_url(re.compile(r"segment=champions"))
    screenshot(page, "customers-filtered")

    page.goto(page.url.split("/customers")[0] + "/reports")
    expect(page.get_by_test_id("monthly-review")).to_contain_text("KPIs against last month")
    expect(page.get_by_test_id("monthly-review")).to_contain_text("Retention by first-purchase")
    screenshot(page, "monthly-review")

    base = page.url.split("/reports")[0]
    for path, name in (
        ("/loyalty/members", "loyalty-members"),
        ("/loyalty", "loyalty-settings"),
        ("/settings", "settings-shop"),
        ("/settings/channels", "settings-channels"),
        ("/settings/policy", "settings-policy"),
        ("/settings/support", "settings-support"),
        ("/settings/staff", "settings-staff"),
        ("/settings/api-keys", "settings-api-keys"),
        ("/import", "import"),
    ):
        page.goto(base + path)
        expect(page.locator("h1")).to_be_visible()
        screenshot(page, name)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
