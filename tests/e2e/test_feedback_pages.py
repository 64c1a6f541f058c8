"""In a real browser: a customer answers a custom survey from the link in their message, and
the owner sees the answer in the survey's results (desktop and a 375 px phone)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from careloop.context import AppContext
from careloop.feedback.survey_store import save_survey
from careloop.feedback.web import survey_url
from careloop.shops.models import Shop
from tests.e2e.conftest import PHONE
from tests.feedback.test_custom_questions import SURVEY
from tests.web.helpers import add_customer

pytestmark = pytest.mark.e2e


def test_a_customer_answers_a_custom_survey_and_the_owner_sees_it_in_the_results(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan", email="lan@example.vn", locale="en")
    with ctx.sessions() as s, s.begin():
        save_survey(session=s, clock=ctx.clock, shop=s.merge(shop), data=SURVEY)
    link = survey_url(ctx, shop_id=shop.id, customer_id=customer.id, kind="nps", order="O-1")
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    # The tap on "9" in the message opens the link with the score; the page sends it.
    page.goto(link.removeprefix(ctx.settings.base_url) + "?score=9")
    expect(page.get_by_text("A few quick questions")).to_be_visible()
    page.locator("#question-again").get_by_label("Yes").check()
    page.locator("#question-liked").get_by_label("Taste").check()
    page.locator("#question-liked").get_by_label("Delivery speed").check()
    page.locator("#question-staff label").filter(has_text="4").click()
    page.locator("textarea[name=q_wish]").fill("More <green> tea")
    page.locator("#comment").fill("Lovely packaging")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you! We have your feedback.")).to_be_visible()

    make_staff(shop)
    log_in("owner@acme.test")
    page.goto("/feedback")
    card = page.get_by_test_id("survey-after_delivery")
    expect(card.get_by_text("1 answer(s)")).to_be_visible()
    expect(card.get_by_role("img", name="Taste: 1")).to_be_visible()
    expect(card.get_by_role("img", name="Packaging: 0")).to_be_visible()
    expect(card.get_by_text("Mean 4.0 of 5")).to_be_visible()
    expect(card.get_by_text("More <green> tea")).to_be_visible()  # escaped, shown as written
    screenshot(page, "results")

    page.set_viewport_size(PHONE)
    page.goto("/feedback")
    expect(page.get_by_test_id("survey-after_delivery")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width} px)"
    screenshot(page, "results-phone")
    assert console_errors == []
