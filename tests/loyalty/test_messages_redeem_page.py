"""The loyalty page's redeem form (issue 24 item 4): refusals in the customer's language that
change nothing, one redemption per form even when it is posted twice, and the code sent."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.core import events
from careloop.customers.models import Customer, TimelineEvent
from careloop.loyalty.models import Coupon
from careloop.loyalty.page import loyalty_link
from careloop.loyalty.service import add_points, enable_program, points_balance
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer


def _member(ctx: AppContext, shop: Shop, points: int, locale: str = "vi") -> Customer:
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    lan = make_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@x.vn", locale=locale)
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


def _path(ctx: AppContext, shop: Shop, customer: Customer) -> str:
    return loyalty_link(ctx, shop, customer).removeprefix(ctx.settings.base_url)


def _counts(ctx: AppContext, shop: Shop, customer: Customer) -> tuple[int, int, int]:
    with ctx.sessions() as s:
        return (
            int(points_balance(session=s, shop_id=shop.id, customer_id=customer.id)),
            int(s.scalar(select(func.count(Coupon.id))) or 0),
            int(
                s.scalar(
                    select(func.count(TimelineEvent.id)).where(
                        TimelineEvent.type == events.LOYALTY_REWARD_CODE
                    )
                )
                or 0
            ),
        )


def test_not_enough_points_is_said_in_vietnamese_and_changes_nothing(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    lan = _member(ctx, shop, 80)
    page = app_client.post(
        _path(ctx, shop, lan) + "/redeem", data={"reward": "discount_10", "nonce": "n" * 16}
    )
    assert page.status_code == 409
    assert "Bạn chưa đủ điểm để đổi quà này: cần 100 điểm, bạn đang có 80 điểm." in page.text
    assert _counts(ctx, shop, lan) == (80, 0, 0)


def test_not_enough_points_is_said_in_english_to_an_english_speaking_customer(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    lan = _member(ctx, shop, 80, locale="en")
    page = app_client.post(
        _path(ctx, shop, lan) + "/redeem", data={"reward": "discount_10", "nonce": "n" * 16}
    )
    assert "Not enough points for this reward: it needs 100 points and you have 80." in page.text


def test_an_unknown_reward_or_a_paused_program_is_refused_kindly(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    lan = _member(ctx, shop, 500)
    unknown = app_client.post(
        _path(ctx, shop, lan) + "/redeem", data={"reward": "nope", "nonce": "n" * 16}
    )
    assert unknown.status_code == 409 and "Quà này hiện không còn" in unknown.text
    assert _counts(ctx, shop, lan) == (500, 0, 0)


def test_a_form_posted_twice_redeems_once_and_records_the_code_to_send_once(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    lan = _member(ctx, shop, 500)
    path = _path(ctx, shop, lan)
    form = app_client.get(path).text
    nonce = re.search(r'name="nonce" value="([^"]+)"', form)
    assert nonce is not None
    first = app_client.post(path + "/redeem", data={"reward": "discount_10", "nonce": nonce[1]})
    again = app_client.post(path + "/redeem", data={"reward": "discount_10", "nonce": nonce[1]})
    code = re.search(r'data-testid="redeemed-code">([A-Z0-9]+)<', first.text)
    assert first.status_code == again.status_code == 200 and code is not None
    assert code[1] in again.text
    assert _counts(ctx, shop, lan) == (400, 1, 1)


def test_a_tampered_link_cannot_redeem(ctx: AppContext, shop: Shop, app_client: TestClient) -> None:
    lan = _member(ctx, shop, 500)
    path = _path(ctx, shop, lan)
    page = app_client.post(
        path[:-2] + "xx/redeem", data={"reward": "discount_10", "nonce": "n" * 16}
    )
    assert page.status_code == 404
    assert _counts(ctx, shop, lan) == (500, 0, 0)


def test_the_page_wears_the_shops_colour_and_speaks_english_to_an_english_customer(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    shop.settings = {**(shop.settings or {}), "brand_color": "#aa3366"}
    with ctx.sessions() as s, s.begin():
        s.merge(shop)
    lan = _member(ctx, shop, 150, locale="en")
    page = app_client.get(_path(ctx, shop, lan)).text
    assert "--accent: #aa3366" in page
    assert "Your first order makes you a Silver member." in page
    assert "Points history" in page and "Bonus points" in page and "+150" in page
    assert "Share on Facebook" in page and "Copy link" in page
