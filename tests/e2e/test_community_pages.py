"""Browser tests of the community pages: they fit a 375 px phone, and cancelling an event
asks first."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.community.factories import make_customer
from tests.community.test_ui_editing import _event
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e


def _overflow(tab: Page) -> int:
    tab.wait_for_load_state()
    width: int = tab.evaluate("document.documentElement.scrollWidth")
    return width - PHONE["width"]


def test_the_community_pages_fit_a_phone_and_cancelling_an_event_asks_first(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
) -> None:
    a = make_customer(ctx, shop, "A", name="Nguyễn Thị Mai Anh")
    event_id = _event(ctx, shop, a.id)
    log_in(make_staff(shop), locale="vi")
    page.set_viewport_size(PHONE)
    for path in (
        "/community/campaigns",
        "/community/events",
        f"/community/events/{event_id}",
        "/community/launches",
        "/community",
        f"/customers/{a.id}",
    ):
        page.goto(path)
        assert _overflow(page) <= 0, path
    page.goto(f"/community/events/{event_id}")
    asked: list[str] = []

    def answer(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.once("dialog", answer)
    page.get_by_test_id("cancel-event").click()
    expect(page.get_by_test_id("cancel-event")).to_be_visible()  # dismissed: still open
    assert asked and "Hủy sự kiện này?" in asked[0]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("cancel-event").click()
    expect(page.get_by_test_id("event-cancelled")).to_be_visible()


def test_staff_add_a_customer_to_a_group_on_a_phone_and_removing_asks_first(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
) -> None:
    from tests.community.test_ui_members import _group

    a = make_customer(ctx, shop, "A", name="Nguyễn Thị Mai Anh", phone="+84901234567")
    gid = _group(ctx, shop, "Khách VIP của tiệm cà phê Phin Sài Gòn")
    log_in(make_staff(shop), locale="vi")
    page.set_viewport_size(PHONE)
    page.goto(f"/community/groups/{gid}")
    page.get_by_placeholder("Tên hoặc số điện thoại").fill("0901234567")
    page.get_by_role("button", name="Tìm").click()
    add = page.get_by_test_id(f"add-{a.id}")
    expect(add).to_be_visible()  # the search is a navigation: measure the page it lands on
    assert _overflow(page) <= 0
    add.click()
    remove = page.get_by_test_id(f"remove-{a.id}")
    expect(remove).to_be_visible()
    assert _overflow(page) <= 0
    page.goto(f"/customers/{a.id}")
    assert _overflow(page) <= 0
    page.goto(f"/community/groups/{gid}")

    asked: list[str] = []

    def answer(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.once("dialog", answer)
    remove.click()
    expect(remove).to_be_visible()  # dismissed: still a member
    assert asked and "Xóa khách hàng này khỏi nhóm?" in asked[0]
    page.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    expect(remove).to_have_count(0)
