"""A shop's first day, in the browser, on what a shop owner sees (findings of the first-day
walk on an empty install). Every wait is on a condition."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

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
