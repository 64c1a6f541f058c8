"""In a real browser, in Vietnamese: an owner sets the earn rate, a tier threshold typed as
"10.000.000", a privilege and a new reward in the loyalty settings form; a platinum threshold
below gold is refused naming the tier and the field, with what was typed kept, then saved."""

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


def test_an_owner_sets_tiers_and_a_reward_in_the_loyalty_form_after_a_named_error(
    ctx: AppContext,
    shop: Shop,
    page: Page,
    log_in: Callable[..., Page],
    make_staff: Callable[..., str],
    screenshot: Callable[[Page, str], Path],
) -> None:
    log_in(make_staff(shop), locale="vi")
    page.goto("/loyalty")
    form = page.locator("[data-testid=settings-form]")
    form.locator("[name=points_per_unit]").fill("2")
    form.locator("[name='tier.1.spend']").fill("10.000.000")
    form.locator("[name='tier.2.orders']").fill("2")
    form.locator(f"[data-testid=tier-row-1] input[value={PRIORITY_SUPPORT}]").check()
    new = form.locator("[data-testid=reward-row-8]")
    new.locator("[name='reward.8.name_vi']").fill("Giảm 50.000 ₫")
    new.locator("[name='reward.8.name_en']").fill("50,000 ₫ off")
    new.locator("[name='reward.8.cost']").fill("300")
    new.locator("[name='reward.8.kind']").select_option("fixed")
    new.locator("[name='reward.8.value']").fill("50.000")
    form.locator("[data-testid=settings-save]").click()

    expect(page.locator("[data-testid=settings-errors]")).to_be_visible()
    expect(page.locator("[data-testid=tier-row-2]")).to_contain_text(
        "Hạng 3 — Số đơn: phải lớn hơn hạng Vàng"
    )
    expect(page.locator("[name='tier.1.spend']")).to_have_value("10.000.000")
    expect(page.locator("[name='reward.8.value']")).to_have_value("50.000")
    screenshot(page, "error")
    with ctx.sessions() as s:
        assert program_config(s, shop.id).points_per_unit == 1  # nothing saved

    page.locator("[name='tier.2.orders']").fill("12")
    page.locator("[data-testid=settings-save]").click()

    expect(page.locator("[data-testid=settings-errors]")).to_have_count(0)
    expect(page.locator("[name='tier.1.spend']")).to_have_value("10.000.000")
    expect(page.locator("[name='reward.8.name_vi']")).to_have_value("Giảm 50.000 ₫")
    with ctx.sessions() as s:
        config = program_config(s, shop.id)
    assert (config.points_per_unit, config.tiers[1].spend_minor, config.tiers[2].orders) == (
        2,
        10_000_000,
        12,
    )
    assert PRIORITY_SUPPORT in config.tier_benefits["gold"]
    assert config.rewards[-1].amount_off_major == 50_000
