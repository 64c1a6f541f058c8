"""Points read in the local number format on the customer's loyalty page and the staff's
pages: "2.000 điểm" in Vietnamese, "2,000 points" in English (CLDR decimal pattern
#,##0 through Babel, as careloop.web.ui.format.format_number)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core import events
from careloop.customers.models import Customer
from careloop.loyalty.page import loyalty_link
from careloop.loyalty.service import add_points, enable_program
from careloop.loyalty.timeline_text import TIMELINE_TEXTS
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer
from tests.web.helpers import sign_in


def _member_with_2000_points(ctx: AppContext, shop: Shop) -> Customer:
    customer = make_customer(ctx, shop, name="Nguyễn Văn An")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        add_points(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=customer,
            points=2000,
            reason="gift",
            idempotency_key="g",
        )
    return customer


def test_the_customers_loyalty_page_shows_2000_points_with_the_thousands_dot_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop
) -> None:
    customer = _member_with_2000_points(ctx, shop)
    path = loyalty_link(ctx, shop, customer).removeprefix(ctx.settings.base_url)

    page = app_client.get(path)
    english = app_client.get(path + "?lang=en")

    assert 'data-testid="points">2.000 <small>điểm</small>' in page.text
    assert ">+2.000<" in page.text  # the history line
    assert "2000" not in page.text.split('data-testid="points"')[1][:40]
    assert 'data-testid="points">2,000 <small>' in english.text
    assert ">+2,000<" in english.text


def test_the_staff_ledger_shows_signed_points_in_the_local_format(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = _member_with_2000_points(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    page = app_client.get(f"/loyalty/members/{customer.id}")

    assert page.status_code == 200
    assert "2.000" in page.text and ">+2.000<" in page.text
    assert ">+2000<" not in page.text


def test_a_customers_timeline_reads_points_lines_in_the_local_format() -> None:
    """The staff timeline's points lines (careloop.loyalty.reasons / timeline_text), drawn at
    display time from the event payload."""
    earned = TIMELINE_TEXTS[events.POINTS_EARNED]
    expiring = TIMELINE_TEXTS[events.POINTS_EXPIRING]
    payload = {"points": 2000, "reason": "gift", "expires_at": "2026-12-31T00:00:00+00:00"}

    assert (earned(payload, "", "vi") or "").startswith("+2.000 · ")
    assert (earned({**payload, "points": -1500}, "", "en") or "").startswith("-1,500 · ")
    assert (expiring(payload, "", "vi") or "").startswith("2.000 điểm")
