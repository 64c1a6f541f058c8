"""The campaign editor's live SMS counter (static/careloop.js) adds what the message costs
at the shop's price per part, as the server writes money (Babel, CLDR vi "1.500 ₫"). Parts
per 3GPP TS 23.040 section 9.2.3.24.1: 153 GSM-7 characters a part once a text is longer
than 160."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from careloop.context import AppContext
from careloop.shops.models import Shop

pytestmark = pytest.mark.e2e


def test_typing_a_campaign_sms_shows_its_parts_and_their_cost(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
) -> None:
    log_in(make_staff(shop), locale="vi")
    with ctx.sessions() as s, s.begin():
        stored = s.get_one(Shop, shop.id)
        stored.settings = {**(stored.settings or {}), "sms_cost_per_part": 750}
    page.goto("/community/campaigns")
    body = page.locator("textarea[name=body]")
    body.fill("a" * 150)
    expect(page.get_by_test_id("sms-counter-live")).to_have_text(
        "SMS (trước khi điền biến): GSM-7 · 150 ký tự · 1 tin · 750 ₫"
    )
    body.fill("a" * 200)
    expect(page.get_by_test_id("sms-counter-live")).to_have_text(
        "SMS (trước khi điền biến): GSM-7 · 200 ký tự · 2 tin · 1.500 ₫"
    )
