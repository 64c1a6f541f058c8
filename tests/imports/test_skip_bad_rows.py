"""Besides all-or-nothing: import the good rows and hand back the bad ones as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.imports.bad_rows import import_skipping_bad_rows
from careloop.orders.models import Order
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.imports.factories import order_line, write_csv

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports_vi"


def _orders(ctx: AppContext) -> set[str]:
    with ctx.sessions() as s:
        return set(s.scalars(select(Order.external_id)))


def test_the_good_rows_are_imported_and_the_bad_ones_come_back_with_their_reason(
    ctx: AppContext, shop: Shop
) -> None:
    result = import_skipping_bad_rows(ctx, shop, "orders", FIXTURES / "don_hang_loi.csv")
    assert _orders(ctx) == {"DH-2001", "DH-2004"}
    assert result.summary.orders_new == 2
    rows = list(csv.DictReader(io.StringIO(result.bad_rows_csv())))
    assert [r["order_id"] for r in rows] == ["DH-2002", "DH-2003"]
    assert rows[0]["placed_at"] == "31/02/2026"  # the cells as the shop wrote them
    assert rows[0]["error"] == "line 3: placed_at: no such date or time: '31/02/2026'"
    assert rows[1]["error"].startswith("line 4: total: ")
    assert "line 4: accepts_marketing: not yes/no: 'Có lẽ'" in rows[1]["error"]


def test_one_bad_line_of_an_order_sets_the_whole_order_aside(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "o.csv",
        [
            order_line(order_id="A-1"),
            order_line(order_id="A-2", sku="X-1"),
            order_line(order_id="A-2", sku="X-2", quantity="-3"),
        ],
    )
    result = import_skipping_bad_rows(ctx, shop, "orders", path)
    assert _orders(ctx) == {"A-1"}
    assert sorted(result.bad) == [3, 4]


def test_a_missing_required_column_still_refuses_the_whole_file(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "o.csv", [order_line()], header=("order_id", "customer_id"))
    with pytest.raises(ValidationFailed) as caught:
        import_skipping_bad_rows(ctx, shop, "orders", path)
    assert {e.field for e in caught.value.errors} == {"placed_at", "total"}
    assert _orders(ctx) == set()


def test_the_command_line_skips_bad_rows_and_writes_them_to_a_file(
    db_url: str, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    out = tmp_path / "loi.csv"
    result = careloop(
        db_url,
        "import",
        "orders",
        str(FIXTURES / "don_hang_loi.csv"),
        "--shop",
        "acme",
        "--skip-bad-rows",
        "--bad-rows-out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "2 bad row(s) written to" in result.stdout
    assert api.get("/api/v1/orders/DH-2001").status_code == 200
    assert api.get("/api/v1/orders/DH-2002").status_code == 404
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["order_id"] for r in rows] == ["DH-2002", "DH-2003"]
