"""The SMS channel form holds the price of one SMS part (VND), and the template editor's
live counter shows what a message costs: parts times price, formatted as money in the
staff member's language by Babel (CLDR currency patterns: vi "1.500 ₫", en "₫1,500").
Parts per 3GPP TS 23.040 section 9.2.3.24.1: 153 GSM-7 characters a part once a text is
longer than 160."""

from __future__ import annotations

import html
import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.forms import money_amount
from careloop.channels.models import ChannelSettings
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.channels.conftest import FakeProviders
from tests.web.helpers import csrf_from, sign_in

KEY = "golden_hours.usage_guide"


def _esms(base: str, token: str, cost: str) -> dict[str, str]:
    return {
        "api_key": "ek",
        "secret_key": "es",
        "brandname": "ACME",
        "sms_type": "2",
        "base_url": base,
        "cost_per_part": cost,
        "csrf_token": token,
    }


def _stored_cost(ctx: AppContext) -> object:
    with ctx.sessions() as s:
        row = s.scalars(select(ChannelSettings).where(ChannelSettings.channel == "sms")).first()
        return None if row is None else row.config.get("cost_per_part")


def test_amounts_are_read_as_vietnamese_shops_type_them() -> None:
    assert [money_amount(v) for v in ("850", "1.500", "1,500", "1 500 ₫", "12.50", "x")] == [
        850,
        1500,
        1500,
        1500,
        None,
        None,
    ]


def test_a_bad_price_per_part_is_refused_naming_the_field_in_vietnamese_and_nothing_is_saved(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    providers: tuple[FakeProviders, str],
) -> None:
    _fake, base = providers
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    token = csrf_from(app_client.get("/settings/channels"))
    refused = app_client.post("/settings/channels/sms/esms", data=_esms(base, token, "rẻ"))
    assert "Giá mỗi tin SMS (VND): số tiền VND từ 0 đến 100.000" in refused.text
    assert _stored_cost(ctx) is None


def test_the_template_counter_shows_parts_and_their_cost_as_money(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    providers: tuple[FakeProviders, str],
) -> None:
    _fake, base = providers
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    token = csrf_from(app_client.get("/settings/channels"))
    app_client.post("/settings/channels/sms/esms", data=_esms(base, token, "750"))
    assert _stored_cost(ctx) == 750
    form = {"channel": "sms", "locale": "vi", "csrf_token": token, "text": "a" * 200}
    page = app_client.post(f"/templates/{KEY}/preview", data=form)
    assert '2 tin SMS · <span data-testid="sms-cost">1.500 ₫</span>' in page.text
    sign_in(app_client, ctx, "owner@acme.test", shop, locale="en")
    page = app_client.post(f"/templates/{KEY}/preview", data=form)
    assert '2 SMS · <span data-testid="sms-cost">₫1,500</span>' in page.text


def test_the_campaign_editor_counter_gets_the_cost_of_each_number_of_parts_as_money(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    providers: tuple[FakeProviders, str],
) -> None:
    _fake, base = providers
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    token = csrf_from(app_client.get("/settings/channels"))
    app_client.post("/settings/channels/sms/esms", data=_esms(base, token, "750"))
    page = app_client.get("/community/campaigns")
    raw = page.text.split("data-sms-costs='")[1].split("'")[0]
    costs = json.loads(html.unescape(raw))
    assert costs[:3] == ["750 ₫", "1.500 ₫", "2.250 ₫"]
