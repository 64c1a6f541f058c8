"""Codes a Vietnamese shop owner met on day one, now words (first-day walk): the customer
list's consent filter ("email:granted") and the API keys table's "Prefix" column."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.shops.service import create_api_key
from tests.web.helpers import add_customer, add_order, csrf_from, sign_in


def test_the_consent_filter_reads_as_channel_and_state_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    page = app_client.get("/customers")

    select = re.search(r'<select name="consent".*?</select>', page.text, re.S)
    assert select is not None
    assert '<option value="email:granted" >Email: Đồng ý</option>' in select.group(0)
    assert '<option value="zalo:denied" >Zalo: Từ chối</option>' in select.group(0)
    assert ">email:granted<" not in select.group(0)


def test_the_api_keys_table_heads_the_key_start_in_the_staffs_language(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    with ctx.sessions() as s, s.begin():
        create_api_key(session=s, clock=ctx.clock, shop=s.merge(shop), name="Website")
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    page = app_client.get("/settings/api-keys")

    assert "<th>Bắt đầu bằng</th>" in page.text
    assert "<th>Prefix</th>" not in page.text


def test_the_loyalty_cost_estimate_writes_decimals_with_a_vietnamese_comma(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    add_customer(ctx, shop, "KH-1", name="Nguyễn Thị Lan")
    add_order(ctx, shop, "KH-1", "DH-1", "1250000", status="paid")
    add_order(ctx, shop, "KH-1", "DH-2", "30000", status="paid")
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    page = app_client.get("/loyalty")

    assert re.search(r"\(\d+,\d đơn mỗi tháng\)", page.text), "orders a month as 0,7"
    rewards = re.search(r'data-testid="cost-rewards">([^<]*)<', page.text)
    assert rewards is not None and "." not in rewards.group(1)


def test_the_loyalty_pages_name_who_changed_the_programme_and_a_privilege_reward_in_words(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/loyalty")
    app_client.post("/loyalty/program", data={"csrf_token": csrf_from(page), "enabled": "1"})

    program = app_client.get("/loyalty")
    rewards = app_client.get("/loyalty/rewards")

    assert "staff:owner@acme.test" not in program.text
    assert "owner@acme.test lúc" in program.text
    assert "Đặc quyền (" in rewards.text and "entitlement (" not in rewards.text
