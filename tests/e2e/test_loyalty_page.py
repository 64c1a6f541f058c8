"""In a real browser on a 375 px phone: a member opens their loyalty page from the signed link,
redeems points for a code (shown on the page, then sent by the loyalty_messages journey), copies
their referral link and sees their history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.loyalty.models import Coupon
from careloop.loyalty.page import loyalty_link
from careloop.loyalty.service import add_points, enable_program
from careloop.shops.models import Shop
from tests.e2e.conftest import CONDITION_TIMEOUT_MS, PHONE
from tests.journeys.factories import install_playbook, run_journeys
from tests.loyalty.factories import make_customer

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="vi-VN")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.set_default_timeout(CONDITION_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def _member(ctx: AppContext, shop: Shop, points: int) -> Customer:
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    install_playbook(ctx, shop, "loyalty_messages.yaml")
    lan = make_customer(
        ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@example.vn", locale="vi"
    )
    with ctx.sessions() as s, s.begin():
        add_points(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(lan),
            points=points,
            reason="welcome",
            idempotency_key="welcome",
        )
    return lan


def test_a_member_redeems_points_for_a_code_that_is_shown_and_sent_to_them(
    ctx: AppContext, shop: Shop, phone: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    lan = _member(ctx, shop, 640)
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    phone.goto(loyalty_link(ctx, shop, lan).removeprefix(ctx.settings.base_url))
    expect(phone.locator("[data-testid=points]")).to_contain_text("640")
    expect(phone.get_by_text("Đơn hàng đầu tiên sẽ đưa bạn lên hạng Bạc.")).to_be_visible()
    expect(phone.locator("[data-testid=reward-express_shipping] button")).to_be_disabled()
    expect(phone.locator("[data-testid=reward-express_shipping]")).to_contain_text(
        "Cần thêm 1.360 điểm"
    )
    phone.locator("[data-testid=reward-discount_10] button").click()

    expect(phone.locator("[data-testid=notice]")).to_contain_text("Đổi quà thành công")
    code = phone.locator("[data-testid=redeemed-code]").inner_text().strip()
    expect(phone.locator("[data-testid=points]")).to_contain_text("540")
    expect(phone.locator("[data-testid=coupons]")).to_contain_text(code)
    expect(phone.locator("[data-testid=history]")).to_contain_text("Đổi quà")
    expect(phone.locator("[data-testid=history]")).to_contain_text("-100")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "redeemed")

    run_journeys(ctx)
    with ctx.sessions() as s:
        coupon = s.scalar(select(Coupon).where(Coupon.code == code))
        sent = s.scalars(select(Message).where(Message.template_key == "loyalty.reward_code")).all()
    assert coupon is not None and coupon.customer_id == lan.id and coupon.percent_off == 10
    assert [(m.kind, m.channel, m.status) for m in sent] == [("transactional", "email", "queued")]
    assert code in sent[0].body_text and "100 điểm" in sent[0].body_text
    assert errors == []


def test_a_member_copies_and_shares_their_referral_link(
    ctx: AppContext, shop: Shop, phone: Page
) -> None:
    lan = _member(ctx, shop, 50)
    phone.goto(loyalty_link(ctx, shop, lan).removeprefix(ctx.settings.base_url))
    link = phone.locator("[data-testid=referral-link]").input_value()
    assert link.endswith(f"/loyalty/r/acme/{lan.referral_code}")

    expect(phone.locator("[data-testid=copy-link]")).to_have_text("Sao chép liên kết")
    phone.locator("[data-testid=copy-link]").click()

    expect(phone.locator("[data-testid=copy-link]")).to_have_text("Đã sao chép!")
    assert phone.evaluate("navigator.clipboard.readText()") == link
    facebook = phone.locator("[data-testid=share-facebook]").get_attribute("href") or ""
    assert facebook.startswith("https://www.facebook.com/sharer/sharer.php?u=http")
    assert lan.referral_code in facebook
