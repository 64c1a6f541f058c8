"""The import page: the all-or-nothing choice or "import the good rows and download the bad
ones", with problems in the reader's language naming line and field, never a server path."""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.orders.models import Order
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

FIXTURES_VI = Path(__file__).resolve().parent.parent / "fixtures" / "imports_vi"


def test_the_good_rows_are_imported_and_the_bad_ones_offered_as_csv_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, role="agent"), shop, locale="vi")
    page = app_client.get("/import")
    assert "Nhập các dòng đúng và cho tôi tải các dòng sai về dạng CSV" in page.text
    body = (FIXTURES_VI / "don_hang_loi.csv").read_bytes()
    answer = app_client.post(
        "/import",
        data={"kind": "orders", "mode": "good_rows", "csrf_token": csrf_from(page)},
        files={"file": ("don_hang_loi.csv", body, "text/csv")},
    )
    assert answer.status_code == 200, answer.text
    assert "2 dòng sai chưa được nhập" in answer.text
    assert "/tmp" not in answer.text
    link = re.search(
        r'download="([^"]+)" href="data:text/csv;charset=utf-8;base64,([^"]+)"', answer.text
    )
    assert link is not None and link[1] == "don_hang_loi-bad-rows.csv"
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(link[2]).decode("utf-8-sig"))))
    assert [r["order_id"] for r in rows] == ["DH-2002", "DH-2003"]
    assert rows[0]["loi"] == "dòng 3, cột placed_at: không có ngày hoặc giờ này: '31/02/2026'"
    with ctx.sessions() as s:
        assert set(s.scalars(select(Order.external_id))) == {"DH-2001", "DH-2004"}


def test_all_or_nothing_names_line_and_field_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = sign_in(app_client, ctx, make_staff(shop, role="agent"), shop, locale="vi")
    answer = app_client.post(
        "/import",
        data={"kind": "orders", "mode": "all", "csrf_token": csrf_from(page)},
        files={"file": ("don_hang_loi.csv", (FIXTURES_VI / "don_hang_loi.csv").read_bytes())},
    )
    assert answer.status_code == 422
    assert "don_hang_loi.csv, dòng 3, cột placed_at: không có ngày hoặc giờ này" in answer.text
    with ctx.sessions() as s:
        assert s.scalar(select(Order.id)) is None
