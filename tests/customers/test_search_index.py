from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, insert, inspect, select, text

from careloop.context import AppContext
from careloop.customers import search_index
from careloop.customers.erasure import erase_customer
from careloop.customers.models import Customer
from careloop.customers.search import search_customers
from careloop.imports.registry import run_import
from careloop.shops.models import Shop
from tests.web.helpers import add_customer, sign_in


def found(ctx: AppContext, shop: Shop, query: str) -> list[str]:
    with ctx.sessions() as s:
        return [c.external_id for c in search_customers(s, shop.id, query).customers]


@pytest.fixture
def owner(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> TestClient:
    sign_in(app_client, ctx, make_staff(shop), shop)
    return app_client


@pytest.mark.parametrize(
    "typed",
    ["nguyen thi", "NGUYỄN THỊ", "thi hoa", "hoa.nguyen", "example.vn", "hoa.nguyen@example.vn"],
)
def test_search_finds_a_customer_by_folded_name_or_email_fragment(
    ctx: AppContext, shop: Shop, typed: str
) -> None:
    add_customer(ctx, shop, "C-1", name="Nguyễn Thị Hoa", email="hoa.nguyen@example.vn")
    add_customer(ctx, shop, "C-2", name="Trần Văn Bình", email="binh@shop.vn")

    assert found(ctx, shop, typed) == ["C-1"]


@pytest.mark.parametrize(
    "typed", ["0901234567", "+84 90 123 4567", "84901234567", "090 123 4567", "4567", "1234"]
)
def test_search_finds_a_phone_typed_in_any_format_or_by_its_last_digits(
    ctx: AppContext, shop: Shop, typed: str
) -> None:
    add_customer(ctx, shop, "C-1", name="An", phone="0901234567")
    add_customer(ctx, shop, "C-2", name="Bình", phone="0987000111")

    assert found(ctx, shop, typed) == ["C-1"]


def test_search_finds_a_customer_by_their_exact_id(ctx: AppContext, shop: Shop) -> None:
    add_customer(ctx, shop, "SHOPIFY-778899", name="Lan")
    add_customer(ctx, shop, "5", name="Mai")

    assert found(ctx, shop, "SHOPIFY-778899") == ["SHOPIFY-778899"]
    assert found(ctx, shop, "5") == ["5"]


def test_short_queries_still_match_by_substring(ctx: AppContext, shop: Shop) -> None:
    add_customer(ctx, shop, "C-1", name="Võ Hà")
    add_customer(ctx, shop, "C-2", name="Lê Bình")

    assert found(ctx, shop, "ha") == ["C-1"]
    assert found(ctx, shop, "%") == []


def test_search_lists_newest_first_and_pages(ctx: AppContext, shop: Shop) -> None:
    for n in range(5):
        add_customer(ctx, shop, f"C-{n}", name=f"Phạm Minh {n}")

    with ctx.sessions() as s:
        first = search_customers(s, shop.id, "pham minh", limit=2)
        last = search_customers(s, shop.id, "pham minh", limit=2, offset=4)

    assert [c.external_id for c in first.customers] == ["C-4", "C-3"]
    assert (first.total, first.capped, first.has_next) == (5, False, True)
    assert [c.external_id for c in last.customers] == ["C-0"]
    assert not last.has_next


def test_renaming_moves_the_customer_to_the_new_name(ctx: AppContext, shop: Shop) -> None:
    add_customer(ctx, shop, "C-1", name="Lê Thu Trang")
    add_customer(ctx, shop, "C-1", name="Lê Thu Hà", phone="0912345678")

    assert found(ctx, shop, "thu trang") == []
    assert found(ctx, shop, "le thu ha") == ["C-1"]
    assert found(ctx, shop, "+84 912 345 678") == ["C-1"]


def test_erasure_clears_the_customer_from_the_search_index(ctx: AppContext, shop: Shop) -> None:
    add_customer(ctx, shop, "C-1", name="Hoàng Minh", email="minh@example.vn", phone="0901234567")

    with ctx.sessions() as s, s.begin():
        erase_customer(session=s, clock=ctx.clock, shop=s.merge(shop), external_id="C-1", actor="t")

    for typed in ("hoang minh", "minh@example", "0901234567", "C-1"):
        assert found(ctx, shop, typed) == []
    if ctx.engine.dialect.name == "sqlite":
        with ctx.engine.connect() as conn:
            indexed = conn.scalars(text("SELECT search_key FROM customers_search")).all()
        assert all("minh" not in key and "901234567" not in key for key in indexed)


def test_imported_customers_are_found_and_a_reimport_moves_them(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    first = tmp_path / "customers.csv"
    first.write_text(
        "customer_id,name,email,phone\nK-1,Võ Thị Sáu,sau@example.vn,0912345678\n",
        encoding="utf-8",
    )
    run_import(ctx, shop, "customers", first)
    assert found(ctx, shop, "vo thi sau") == ["K-1"]
    assert found(ctx, shop, "5678") == ["K-1"]

    second = tmp_path / "again.csv"
    second.write_text("customer_id,name\nK-1,Võ Thị Năm\n", encoding="utf-8")
    run_import(ctx, shop, "customers", second)

    assert found(ctx, shop, "vo thi sau") == []
    assert found(ctx, shop, "vo thi nam") == ["K-1"]


def test_bulk_inserted_and_deleted_customers_are_indexed_and_dropped(
    ctx: AppContext, shop: Shop
) -> None:
    rows = [
        {
            "shop_id": shop.id,
            "external_id": f"B-{n}",
            "name": f"Đỗ Bảo {n}",
            "referral_code": f"R{n}",
        }
        for n in range(3)
    ]
    now = ctx.clock.now()
    with ctx.sessions() as s, s.begin():
        s.execute(insert(Customer), [{**r, "created_at": now, "updated_at": now} for r in rows])
    assert sorted(found(ctx, shop, "do bao")) == ["B-0", "B-1", "B-2"]

    with ctx.sessions() as s, s.begin():
        s.execute(delete(Customer).where(Customer.external_id == "B-1"))
    assert sorted(found(ctx, shop, "do bao")) == ["B-0", "B-2"]


def test_search_of_one_shop_never_finds_another_shops_customer(
    ctx: AppContext, shop: Shop, make_shop: Callable[..., Shop]
) -> None:
    other = make_shop("other")
    add_customer(ctx, other, "C-1", name="Nguyễn Văn An", phone="0901234567")

    assert found(ctx, shop, "nguyen van an") == []
    assert found(ctx, shop, "4567") == []


def test_the_count_stops_at_the_cap(ctx: AppContext, shop: Shop) -> None:
    for n in range(6):
        add_customer(ctx, shop, f"C-{n}", name=f"Bùi Lan {n}")

    with ctx.sessions() as s:
        capped = search_customers(s, shop.id, "bui lan", limit=2, count_cap=3)
        exact = search_customers(s, shop.id, "bui lan", limit=2, count_cap=None)

    assert (capped.total, capped.capped, capped.has_next) == (3, True, True)
    assert (exact.total, exact.capped) == (6, False)


def test_the_customers_page_says_when_the_count_was_capped(
    owner: TestClient, ctx: AppContext, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("careloop.web.ui.customer_filters.COUNT_CAP", 3)
    for n in range(30):
        add_customer(ctx, shop, f"C-{n}", name=f"Lý Hương {n}")

    searched = owner.get("/customers", params={"q": "ly huong"})
    whole_list = owner.get("/customers")

    assert "3+ customers" in searched.text
    assert "Page 1" in searched.text and "Page 1 of" not in searched.text
    assert 'rel="next"' in searched.text
    assert "30 customers" in whole_list.text  # the whole list is counted exactly


def test_the_customers_page_finds_a_phone_in_another_format(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    add_customer(ctx, shop, "C-1", name="Đặng Thu", phone="0987654321")
    add_customer(ctx, shop, "C-2", name="Ngô Lan", phone="0911111111")

    page = owner.get("/customers", params={"q": "+84 987 654 321"})

    assert "Đặng Thu" in page.text and "Ngô Lan" not in page.text
    assert "1 customer" in page.text


def test_the_index_exists_after_migrations(ctx: AppContext) -> None:
    # A later migration that rebuilds the customers table on SQLite drops the triggers:
    # it must create them again (search_index.create_search_index).
    with ctx.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            triggers = set(
                conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            )
            assert set(search_index.TRIGGERS) <= triggers
        else:
            indexes = {ix["name"] for ix in inspect(conn).get_indexes("customers")}
            assert search_index.TRGM_INDEX in indexes


def test_creating_the_index_fills_it_from_existing_customers(ctx: AppContext, shop: Shop) -> None:
    with ctx.engine.begin() as conn:
        search_index.drop_search_index(conn)
    add_customer(ctx, shop, "C-1", name="Tạ Quang Huy")
    with ctx.engine.begin() as conn:
        search_index.create_search_index(conn)
        search_index.create_search_index(conn)  # idempotent

    assert found(ctx, shop, "quang huy") == ["C-1"]
    with ctx.sessions() as s:
        assert s.scalar(select(Customer.search_key).where(Customer.shop_id == shop.id))
