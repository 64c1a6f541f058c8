"""The import page says, per kind, which columns it reads under which header names (Vietnamese
for Vietnamese staff) and which are required, and offers a sample file with those headers;
a file with Vietnamese headers, as a shop's Excel/Haravan/Sapo/KiotViet export writes them,
is imported from the page."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in


def _columns(page: str, kind: str) -> list[tuple[str, str, str]]:
    """(column, header shown, required or not) of one kind's table on the page."""
    block = re.search(rf'data-testid="import-columns-{kind}".*?</details>', page, re.S)
    assert block is not None, kind
    rows = re.findall(
        r'<tr data-column="([^"]+)" data-header="([^"]*)" data-required="(yes|no)"', block[0]
    )
    return [(name, html.unescape(header), required) for name, header, required in rows]


def test_the_page_lists_each_kinds_columns_with_vietnamese_headers_and_which_are_required(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, role="agent"), shop, locale="vi")
    page = app_client.get("/import").text

    customers = _columns(page, "customers")
    assert customers[0] == ("customer_id", "Mã khách hàng", "yes")
    assert ("phone", "Số điện thoại", "no") in customers
    orders = _columns(page, "orders")
    assert [c[1] for c in orders if c[2] == "yes"] == [
        "Mã đơn hàng",
        "Mã khách hàng",
        "Ngày đặt",
        "Tổng tiền",
    ]
    assert ("sku", "Mã sản phẩm", "yes") in _columns(page, "products")
    assert "SĐT" in page  # another accepted name, listed beside the column
    assert "Bắt buộc" in page and "Không bắt buộc" in page
    assert 'href="/import/sample/orders.csv"' in page


def test_the_page_in_english_lists_the_english_column_names(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, role="agent"), shop, locale="en")
    page = app_client.get("/import").text

    assert _columns(page, "customers")[0] == ("customer_id", "customer_id", "yes")
    assert "Mã khách hàng" in page  # the Vietnamese names are accepted too


def test_the_sample_file_has_the_headers_in_the_staff_language(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, role="agent"), shop, locale="en")
    english = app_client.get("/import/sample/orders.csv")
    assert english.status_code == 200
    assert english.headers["content-type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert header[:4] == ["order_id", "customer_id", "placed_at", "total"]
    assert app_client.get("/import/sample/nothing.csv").status_code == 404


def test_a_filled_in_vietnamese_sample_is_imported_from_the_page(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = sign_in(app_client, ctx, make_staff(shop, role="agent"), shop, locale="vi")
    sample = app_client.get("/import/sample/customers.csv").content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(sample)))
    assert header[:3] == ["Mã khách hàng", "Họ tên", "Email"]
    values = {"Mã khách hàng": "KH-1", "Họ tên": "Nguyễn Thị Lan", "Số điện thoại": "0912 345 678"}
    body = sample + ",".join(values.get(h, "") for h in header) + "\r\n"

    answer = app_client.post(
        "/import",
        data={"kind": "customers", "mode": "all", "csrf_token": csrf_from(page)},
        files={"file": ("khach_hang.csv", body.encode("utf-8"), "text/csv")},
    )

    assert answer.status_code == 200, answer.text
    with ctx.sessions() as s:
        lan = s.scalars(select(Customer)).one()
    assert (lan.external_id, lan.name, lan.phone) == ("KH-1", "Nguyễn Thị Lan", "+84912345678")


def test_a_missing_column_is_named_in_vietnamese_with_the_headers_accepted(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = sign_in(app_client, ctx, make_staff(shop, role="agent"), shop, locale="vi")
    answer = app_client.post(
        "/import",
        data={"kind": "customers", "mode": "all", "csrf_token": csrf_from(page)},
        files={"file": ("khach_hang.csv", "Họ tên,SĐT\nLan,0912345678\n".encode(), "text/csv")},
    )

    assert answer.status_code == 422
    assert (
        "thiếu cột bắt buộc Mã khách hàng (customer_id) (tên cột được nhận: customer_id,"
        " Mã khách hàng, Mã KH, ID khách hàng; dòng tiêu đề có: Họ tên, SĐT)"
    ) in html.unescape(answer.text)
    with ctx.sessions() as s:
        assert s.scalar(select(Customer.id)) is None
