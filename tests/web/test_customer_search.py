from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.customers.erasure import erase_customer
from careloop.customers.models import Customer
from careloop.customers.service import search_customers
from careloop.imports.registry import run_import
from careloop.shops.models import Shop
from tests.web.helpers import add_customer, add_order, sign_in


@pytest.fixture
def owner(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> TestClient:
    sign_in(app_client, ctx, make_staff(shop), shop)
    return app_client


@pytest.mark.parametrize("typed", ["nguyen van an", "NGUYEN VĂN an", "  nguyễn   van  an "])
def test_search_without_diacritics_finds_the_vietnamese_name(
    owner: TestClient, ctx: AppContext, shop: Shop, typed: str
) -> None:
    add_customer(ctx, shop, "C-1", name="Nguyễn Văn An")
    add_customer(ctx, shop, "C-2", name="Trần Thị Bình")

    page = owner.get("/customers", params={"q": typed})

    assert "Nguyễn Văn An" in page.text
    assert "Trần Thị Bình" not in page.text


def test_search_folds_d_with_stroke(owner: TestClient, ctx: AppContext, shop: Shop) -> None:
    add_customer(ctx, shop, "C-1", name="Đặng Đức Đạt")

    assert "Đặng Đức Đạt" in owner.get("/customers", params={"q": "dang duc dat"}).text


def test_a_customer_created_by_an_order_is_searchable(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    add_order(ctx, shop, "C-9", "O-1", "100000", customer_name="Phạm Hoài Thu", phone="0987654321")

    assert "Phạm Hoài Thu" in owner.get("/customers", params={"q": "pham hoai"}).text
    assert "Phạm Hoài Thu" in owner.get("/customers", params={"q": "+84 987 654 321"}).text


def test_renaming_a_customer_moves_the_search_to_the_new_name(ctx: AppContext, shop: Shop) -> None:
    add_customer(ctx, shop, "C-1", name="Lê Thu Trang", email="trang@example.vn")
    add_customer(ctx, shop, "C-1", name="Lê Thu Hà")

    with ctx.sessions() as s:
        assert search_customers(s, shop, "thu trang")[1] == 0
        assert [c.name for c in search_customers(s, shop, "le thu ha")[0]] == ["Lê Thu Hà"]
        assert search_customers(s, shop, "TRANG@EXAMPLE.VN")[1] == 1


def test_imported_customers_are_searchable_and_reimport_updates_the_key(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    first = tmp_path / "customers.csv"
    first.write_text(
        "customer_id,name,email,phone\nK-1,Võ Thị Sáu,sau@example.vn,0912345678\n",
        encoding="utf-8",
    )
    run_import(ctx, shop, "customers", first)
    with ctx.sessions() as s:
        assert [c.external_id for c in search_customers(s, shop, "vo thi sau")[0]] == ["K-1"]
        assert [c.external_id for c in search_customers(s, shop, "84912345678")[0]] == ["K-1"]

    second = tmp_path / "customers2.csv"
    second.write_text("customer_id,name\nK-1,Võ Thị Năm\n", encoding="utf-8")
    run_import(ctx, shop, "customers", second)

    with ctx.sessions() as s:
        assert search_customers(s, shop, "vo thi sau")[1] == 0
        assert search_customers(s, shop, "vo thi nam")[1] == 1
        assert search_customers(s, shop, "0912 345 678")[1] == 1  # the phone was kept


def test_erasure_removes_the_personal_data_from_the_search_key(ctx: AppContext, shop: Shop) -> None:
    add_customer(ctx, shop, "C-1", name="Hoàng Minh", email="minh@example.vn", phone="0901234567")

    with ctx.sessions() as s, s.begin():
        erase_customer(session=s, clock=ctx.clock, shop=s.merge(shop), external_id="C-1", actor="t")

    with ctx.sessions() as s:
        key = s.scalar(select(Customer.search_key).where(Customer.shop_id == shop.id))
        assert key is not None
        assert "minh" not in key and "901234567" not in key
        assert search_customers(s, shop, "hoang minh")[1] == 0


def test_search_of_one_shop_never_finds_another_shops_customer(
    ctx: AppContext, shop: Shop, make_shop: Callable[..., Shop]
) -> None:
    other = make_shop("other")
    add_customer(ctx, other, "C-1", name="Nguyễn Văn An")

    with ctx.sessions() as s:
        assert search_customers(s, shop, "nguyen van an")[1] == 0


def test_percent_and_underscore_in_a_query_are_literal(ctx: AppContext, shop: Shop) -> None:
    add_customer(ctx, shop, "C-1", name="An")

    with ctx.sessions() as s:
        assert search_customers(s, shop, "%")[1] == 0
        assert search_customers(s, shop, "_")[1] == 0
