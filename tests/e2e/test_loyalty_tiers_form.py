"""In a real browser, in Vietnamese: the owner adds a fourth tier with "Thêm hạng" (a plain
submit button: no JavaScript needed), names it "Kim cương" / "Diamond", gives it a bar typed
as "50.000.000" and a privilege, saves, and finds it in the programme and in the form."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from careloop.context import AppContext
from careloop.loyalty.config import PRIORITY_SUPPORT
from careloop.loyalty.program import program_config
from careloop.shops.models import Shop

pytestmark = pytest.mark.e2e


def test_an_owner_adds_a_diamond_tier_in_the_form_and_it_is_saved(
    ctx: AppContext,
    shop: Shop,
    page: Page,
    log_in: Callable[..., Page],
    make_staff: Callable[..., str],
    screenshot: Callable[[Page, str], Path],
) -> None:
    log_in(make_staff(shop), locale="vi")
    page.goto("/loyalty")
    expect(page.locator("[data-testid=tier-row-3]")).to_have_count(0)
    page.get_by_role("button", name="Thêm hạng").click()

    row = page.locator("[data-testid=tier-row-3]")
    expect(row).to_be_visible()
    expect(page.locator("[data-testid=tiers-unsaved]")).to_be_visible()
    row.locator("[name='tier.3.name_vi']").fill("Kim cương")
    row.locator("[name='tier.3.name_en']").fill("Diamond")
    row.locator("[name='tier.3.orders']").fill("20")
    row.locator("[name='tier.3.spend']").fill("50.000.000")
    row.locator(f"input[value={PRIORITY_SUPPORT}]").check()
    page.locator("[data-testid=settings-save]").click()

    expect(page.locator("[data-testid=settings-errors]")).to_have_count(0)
    expect(page.locator("[name='tier.3.name_vi']")).to_have_value("Kim cương")
    expect(page.locator("[name='tier.3.spend']")).to_have_value("50.000.000")
    screenshot(page, "saved")
    with ctx.sessions() as s:
        config = program_config(s, shop.id)
    diamond = config.tiers[3]
    assert (diamond.key, diamond.name_vi, diamond.name_en) == ("diamond", "Kim cương", "Diamond")
    assert (diamond.orders, diamond.spend_minor) == (20, 50_000_000)
    assert diamond.privileges == (PRIORITY_SUPPORT,)
