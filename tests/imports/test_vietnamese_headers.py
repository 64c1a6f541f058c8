"""A file with the Vietnamese headers a shop's Excel, Haravan, Sapo or KiotViet export writes
imports to the same rows as the file with Careloop's English headers.

Headers are folded like a staff search (customers.search_key.fold): accents, case and
surrounding spaces do not matter, and each importer's table (imports/headers.py) names the
Vietnamese headers it reads. Both orders paths (SQLite's staged one and the per-row one) and
PostgreSQL (`scripts/with-postgres.sh`) are compared row by row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import Customer
from careloop.imports import customers, order_rows, products
from careloop.imports.bad_rows import import_skipping_bad_rows
from careloop.imports.headers import HeaderTable, lookup
from careloop.imports.orders import import_orders
from careloop.imports.reasons import reason_in
from careloop.imports.registry import run_import
from careloop.orders.models import Order
from careloop.shops.models import Shop
from tests.conftest import PG_URL
from tests.imports.factories import count, order_line, write_csv
from tests.imports.test_staged_import import HEADER as ORDER_COLUMNS
from tests.imports.test_staged_import import VARIED

# Written as shops write them: accented, bare, upper case, padded, "huỷ" with the old
# accent placement.
VI_ORDER_HEADERS = {
    "order_id": "Mã đơn hàng",
    "customer_id": "ma khach hang",
    "placed_at": "  NGÀY ĐẶT ",
    "total": "Tổng tiền",
    "status": "Trạng thái",
    "currency": "Tiền tệ",
    "sku": "SKU",
    "product_name": "Tên sản phẩm",
    "quantity": "Số lượng",
    "unit_price": "Đơn giá",
    "paid_at": "Ngày thanh toán",
    "shipped_at": "Ngày gửi hàng",
    "delivered_at": "Ngày giao hàng",
    "returned_at": "Ngày trả hàng",
    "cancelled_at": "Ngày huỷ",
    "discount_code": "Mã giảm giá",
    "customer_name": "Họ tên",
    "email": "Email",
    "phone": "SĐT",
    "accepts_marketing": "Đồng ý nhận tin",
    "shipping_address": "Địa chỉ giao hàng",
}
CUSTOMER_COLUMNS = ("customer_id", "name", "email", "phone", "birthday", "accepts_marketing")
VI_CUSTOMER_HEADERS = {
    "customer_id": "Mã khách hàng",
    "name": "Tên khách hàng",
    "email": "email",
    "phone": "Số điện thoại",
    "birthday": "Ngay sinh",
    "accepts_marketing": "Nhận tin khuyến mãi",
}
CUSTOMERS = [
    {
        "customer_id": "C-1",
        "name": "Nguyễn Thị Lan",
        "email": "lan@example.vn",
        "phone": "0912 345 678",
        "birthday": "17/05/1990",
        "accepts_marketing": "Có",
    },
    {
        "customer_id": "C-2",
        "name": "Trần Minh",
        "email": "",
        "phone": "+84 903 111 222",
        "birthday": "",
        "accepts_marketing": "Không",
    },
]
SKIPPED = {"id", "shop_id", "referral_code"}
TABLES = ("customers", "consents", "orders", "order_lines", "products", "timeline_events")


def rows_of(ctx: AppContext, shop: Shop) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the shop has in the tables an import writes (surrogate ids left out)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with ctx.engine.connect() as connection:
        for table in TABLES:
            names = [c["name"] for c in inspect(connection).get_columns(table)]
            columns = [f't."{n}"' for n in names if n not in SKIPPED and not n.endswith("_id")]
            found = connection.execute(
                text(f"SELECT {', '.join(columns)} FROM {table} t WHERE t.shop_id = :shop"),
                {"shop": shop.id},
            )
            out[table] = sorted((tuple(r) for r in found), key=repr)
    return out


def in_vietnamese(
    path: Path, rows: list[dict[str, object]], columns: tuple[str, ...], vi: Mapping[str, str]
) -> Path:
    return write_csv(
        path, [{vi[c]: row.get(c, "") for c in columns} for row in rows], [vi[c] for c in columns]
    )


ORDER_PATHS = [
    pytest.param(True, id="staged", marks=pytest.mark.skipif(bool(PG_URL), reason="SQLite's")),
    pytest.param(False, id="per-row"),
]


@pytest.mark.parametrize("staged", ORDER_PATHS)
def test_orders_with_vietnamese_headers_import_to_the_rows_of_english_headers(
    ctx: AppContext, make_shop: Callable[..., Shop], tmp_path: Path, staged: bool
) -> None:
    english = write_csv(tmp_path / "orders-en.csv", VARIED, ORDER_COLUMNS)
    vietnamese = in_vietnamese(tmp_path / "orders-vi.csv", VARIED, ORDER_COLUMNS, VI_ORDER_HEADERS)
    en_shop, vi_shop = make_shop("en"), make_shop("vi")

    import_orders(ctx, en_shop, english, progress=False, staged=staged)
    import_orders(ctx, vi_shop, vietnamese, progress=False, staged=staged)

    expected = rows_of(ctx, en_shop)
    assert len(expected["orders"]) == 9
    assert rows_of(ctx, vi_shop) == expected


def test_customers_with_vietnamese_headers_import_to_the_rows_of_english_headers(
    ctx: AppContext, make_shop: Callable[..., Shop], tmp_path: Path
) -> None:
    english = write_csv(tmp_path / "customers-en.csv", CUSTOMERS, CUSTOMER_COLUMNS)
    vietnamese = in_vietnamese(
        tmp_path / "customers-vi.csv", CUSTOMERS, CUSTOMER_COLUMNS, VI_CUSTOMER_HEADERS
    )
    en_shop, vi_shop = make_shop("en"), make_shop("vi")

    run_import(ctx, en_shop, "customers", english)
    run_import(ctx, vi_shop, "customers", vietnamese)

    expected = rows_of(ctx, en_shop)
    assert len(expected["customers"]) == 2
    assert rows_of(ctx, vi_shop) == expected


def test_products_with_vietnamese_headers_are_imported(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        "Mã hàng,Tên hàng,Giá bán,Bảo hành (tháng)\nCF-1,Arabica 500g,250.000 ₫,12\n",
        encoding="utf-8",
    )
    summary = run_import(ctx, shop, "products", path)
    assert summary.products_new == 1


def test_a_missing_required_column_names_it_in_the_staff_language_with_accepted_headers(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("Họ tên,SĐT\nLan,0912345678\n", encoding="utf-8")

    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "customers", path)

    [error] = failed.value.errors
    assert error.field == "customer_id"
    assert error.reason == (
        "required column customer_id is missing (accepted headers: customer_id,"
        " Mã khách hàng, Mã KH, ID khách hàng; the header has: Họ tên, SĐT)"
    )
    assert reason_in(error.reason, "vi") == (
        "thiếu cột bắt buộc Mã khách hàng (customer_id) (tên cột được nhận: customer_id,"
        " Mã khách hàng, Mã KH, ID khách hàng; dòng tiêu đề có: Họ tên, SĐT)"
    )
    assert count(ctx, Customer) == 0


def test_two_headers_for_one_column_are_refused_naming_both(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("Mã khách hàng,Họ tên,customer_id\nC-1,Lan,C-1\n", encoding="utf-8")

    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "customers", path)

    [error] = failed.value.errors
    assert error.field == "customer_id"
    assert (
        error.reason == 'column appears twice (columns 1 and 3: "Mã khách hàng" and "customer_id")'
    )
    assert (
        reason_in(error.reason, "vi")
        == 'cột bị lặp (cột 1 và cột 3: "Mã khách hàng" và "customer_id")'
    )
    assert count(ctx, Customer) == 0


@pytest.mark.parametrize(
    ("columns", "table"),
    [
        (customers.COLUMNS, customers.HEADERS),
        (order_rows.COLUMNS, order_rows.HEADERS),
        (products.COLUMNS, products.HEADERS),
    ],
    ids=["customers", "orders", "products"],
)
def test_every_column_has_a_vietnamese_header_and_no_header_names_two_columns(
    columns: tuple[str, ...], table: HeaderTable
) -> None:
    assert set(table) == set(columns)
    assert all(table[c] for c in columns)
    lookup(table)  # raises HeaderClash if one folded name belonged to two columns


def test_one_bad_line_sets_its_whole_order_aside_under_vietnamese_headers(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    """The good-rows mode finds the order id column by its Vietnamese name too."""
    lines = [
        order_line(order_id="A-1"),
        order_line(order_id="A-2", sku="X-1"),
        order_line(order_id="A-2", sku="X-2", quantity="-3"),
    ]
    path = in_vietnamese(tmp_path / "don_hang.csv", lines, ORDER_COLUMNS, VI_ORDER_HEADERS)

    result = import_skipping_bad_rows(ctx, shop, "orders", path)

    with ctx.sessions() as s:
        assert set(s.scalars(select(Order.external_id))) == {"A-1"}
    assert sorted(result.bad) == [3, 4]
