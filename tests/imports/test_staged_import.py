"""The staged, set-based orders import (SQLite) gives what the per-row import gives.

Each test imports the same files into two shops of one database, one through each path
(`import_orders(..., staged=...)`), and compares every row the imports write, with
surrogate ids replaced by the external ids they point at (docs/decisions/
0034-staged-csv-import.md). Referral codes are random on both paths and left out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.imports.order_rows import COLUMNS
from careloop.imports.orders import import_orders
from careloop.shops.models import Shop
from tests.conftest import PG_URL
from tests.imports.factories import order_line, write_csv

HEADER = COLUMNS  # the importer's own column order
# Per table: the columns left out (surrogate ids, random codes) and the foreign keys shown
# as the natural key they point at.
SKIPPED = {"id", "shop_id", "referral_code"}
POINTERS = {
    "customer_id": "(SELECT external_id FROM customers WHERE id = t.customer_id)",
    "order_id": "(SELECT external_id FROM orders WHERE id = t.order_id)",
    "product_id": "(SELECT sku FROM products WHERE id = t.product_id)",
}
TABLES = (
    "customers",
    "customer_identities",
    "consents",
    "orders",
    "order_lines",
    "products",
    "timeline_events",
)

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the staged path is SQLite's")


def rows_of(ctx: AppContext, shop: Shop) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the shop has in the tables an orders import writes, sorted."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with ctx.engine.connect() as connection:
        for table in TABLES:
            names = [row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table})")]
            columns = [POINTERS.get(n, f"t.{n}") for n in names if n not in SKIPPED]
            found = connection.execute(
                text(f"SELECT {', '.join(columns)} FROM {table} t WHERE t.shop_id = :shop"),
                {"shop": shop.id},
            )
            out[table] = sorted((tuple(r) for r in found), key=repr)
    return out


def both_paths(
    ctx: AppContext, make_shop: Callable[..., Shop], *files: Path
) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[tuple[Any, ...]]]]:
    per_row, staged = make_shop("per-row"), make_shop("staged")
    for path in files:
        import_orders(ctx, per_row, path, progress=False, staged=False)
        import_orders(ctx, staged, path, progress=False, staged=True)
    return rows_of(ctx, per_row), rows_of(ctx, staged)


def line(**cells: object) -> dict[str, object]:
    base = order_line()
    base.update(cells)
    return {name: base.get(name, "") for name in HEADER}


VARIED = [
    # The forms the SQL decides: ISO with +00:00, Z, no offset, another offset; a bare ISO
    # date and dd/mm/yyyy; thousands dots; 0 + nine digits and +84 in spaced groups.
    line(order_id="V-1", customer_id="K-1", placed_at="2025-03-01T08:00:00+00:00",
         paid_at="2025-03-01T08:05:00Z", delivered_at="2025-03-04 10:00:00",
         total="1.250.000", unit_price="625.000", quantity="2", phone="0912345678",
         email="Lan.Nguyen@Example.VN", status="Delivered"),
    line(order_id="V-1", customer_id="K-1", placed_at="2025-03-01T08:00:00+00:00",
         paid_at="2025-03-01T08:05:00Z", delivered_at="2025-03-04 10:00:00",
         total="1.250.000", sku="", product_name="", quantity="", unit_price="",
         phone="0912345678", email="Lan.Nguyen@Example.VN", status=""),
    line(order_id="V-2", customer_id="K-2", placed_at="2025-04-01", paid_at="02/04/2025",
         delivered_at="", status="shipped", phone="+84 903 111 222", customer_name="Trần Minh",
         email="minh@example.vn", discount_code="TET10", total="225000", quantity="1"),
    line(order_id="V-3", customer_id="K-2", placed_at="2026-10-31T20:00:00+07:00",
         paid_at="2026-10-31T20:01:00+07:00", delivered_at="", status="paid",
         phone="+84 903 111 222", customer_name="Trần Minh", email="minh@example.vn",
         total="225000", quantity="1"),
    # What parse_row decides: other phone forms, decimals in another currency's words,
    # several codes, a time with a fraction, Có/Không, an address.
    line(order_id="V-4", customer_id="K-3", phone="0909.998.877", discount_code="A;B",
         placed_at="2025-05-01T09:00:00.250+07:00", paid_at="", delivered_at="",
         accepts_marketing="Có", shipping_address="12 Nguyễn Huệ, Q.1, TP.HCM",
         status="cancelled", cancelled_at="2025-05-02T09:00:00+07:00", customer_name="Lê Hà",
         email="ha@example.vn"),
    # A family sharing one phone (two customers); one customer with two names.
    line(order_id="V-5", customer_id="K-4", phone="0988000111", customer_name="Nguyễn Văn An",
         email="an@example.vn"),
    line(order_id="V-6", customer_id="K-5", phone="0988000111", customer_name="Nguyễn Thị Lan",
         email="lan5@example.vn"),
    line(order_id="V-7", customer_id="K-6", customer_name="Phạm Hoa", email="hoa@example.vn",
         phone=""),
    line(order_id="V-8", customer_id="K-6", customer_name="Phạm Thị Hoa",
         email="hoa@example.vn", phone="", status="returned",
         returned_at="2025-05-10T09:00:00+07:00", shipping_address="Số 5 Lê Lợi"),
    line(order_id="V-9", customer_id="K-7", email="", phone="", customer_name="",
         status="placed", paid_at="", delivered_at="", sku="NEW-SKU", product_name="",
         unit_price="0", total="0"),
    # A later line of V-1 (its order scattered over the file) whose quantity only
    # parse_row reads ("+2"), in a run of order cells the SQL decided.
    line(order_id="V-1", customer_id="K-1", placed_at="2025-03-01T08:00:00+00:00",
         paid_at="2025-03-01T08:05:00Z", delivered_at="2025-03-04 10:00:00",
         total="1.250.000", sku="CF-ROBUSTA", unit_price="0", quantity="+2",
         phone="0912345678", email="Lan.Nguyen@Example.VN", status="Delivered"),
]  # fmt: skip


def test_staged_import_writes_what_the_per_row_import_writes(
    ctx: AppContext, make_shop: Callable[..., Shop], tmp_path: Path
) -> None:
    """Fresh customers and orders (set-based) and the ones the identity rules or
    disagreeing lines send to the per-row writer, all compared row by row."""
    path = write_csv(tmp_path / "varied.csv", VARIED, HEADER)
    per_row, staged = both_paths(ctx, make_shop, path)
    assert staged == per_row
    assert len(staged["orders"]) == 9
    assert len(staged["timeline_events"]) > 20


def test_staged_import_over_stored_customers_and_orders_matches_the_per_row_import(
    ctx: AppContext, make_shop: Callable[..., Shop], tmp_path: Path
) -> None:
    """A second file changing stored orders, linking new ids to stored customers by phone
    and by email, and adding fresh ones: the same rows on both paths."""
    first = write_csv(tmp_path / "first.csv", VARIED, HEADER)
    second = [
        line(order_id="V-2", customer_id="K-2", placed_at="2025-04-01", paid_at="02/04/2025",
             delivered_at="10/04/2025", status="delivered", phone="+84 903 111 222",
             customer_name="Trần Minh", email="minh@example.vn", discount_code="TET10",
             total="225000", quantity="1"),
        line(order_id="W-1", customer_id="OTHER-K1", phone="0912345678",
             customer_name="Nguyễn Thị Lan", email=""),
        line(order_id="W-2", customer_id="OTHER-K2", phone="", customer_name="",
             email="minh@example.vn"),
        line(order_id="W-3", customer_id="K-8", phone="0977000222", email="k8@example.vn",
             placed_at="2026-11-01T10:00:00+07:00", paid_at="", delivered_at="",
             status=""),
    ]  # fmt: skip
    path = write_csv(tmp_path / "second.csv", second, HEADER)
    per_row, staged = both_paths(ctx, make_shop, first, path)
    assert staged == per_row
    assert len(staged["customer_identities"]) == 2


def test_staged_import_of_a_generated_history_matches_the_per_row_import(
    ctx: AppContext, make_shop: Callable[..., Shop], tmp_path: Path
) -> None:
    """A few hundred orders shaped like bench/ingest.py's file (returning customers,
    multi-line orders, every status): the same rows on both paths."""
    rows = []
    for n in range(300):
        c = n % 170
        count = 1 + n % 3
        for i in range(count):
            rows.append(
                line(
                    order_id=f"DH{n:05d}",
                    customer_id=f"KH{c:05d}",
                    placed_at=f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:15:00+00:00",
                    paid_at=""
                    if n % 7 == 0
                    else f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:45:00+00:00",
                    delivered_at="",
                    status=("placed", "paid", "paid", "cancelled", "paid", "shipped", "paid")[
                        n % 7
                    ],
                    cancelled_at=f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T23:59:00+00:00"
                    if n % 7 == 3
                    else "",
                    total=str(100_000 * count),
                    sku=f"SKU-{i}",
                    product_name=f"Sản phẩm {i}",
                    quantity="1",
                    unit_price="100000",
                    customer_name=f"Khách {c}",
                    email=f"kh{c}@example.vn",
                    phone=f"09{c:08d}" if c % 2 else f"+84 9{c:02d} {c:03d} {c:03d}",
                    discount_code=("", "TET10", "")[n % 3],
                )
            )
    path = write_csv(tmp_path / "history.csv", rows, HEADER)
    per_row, staged = both_paths(ctx, make_shop, path)
    assert staged == per_row
    assert len(staged["orders"]) == 300


BAD = [
    line(order_id="B-1", customer_id="K-1", total="12 nghìn"),
    line(order_id="B-2", customer_id="K-2", placed_at="31/02/2025", phone="12"),
    line(order_id="B-3", customer_id="K-3", paid_at="2025-04-30T09:00:00+07:00"),
    line(order_id="B-4", customer_id="K-4"),
    line(order_id="B-4", customer_id="K-4", total="999000", status="paid"),
]


def test_staged_import_refuses_a_bad_file_with_the_per_row_reasons_and_writes_nothing(
    ctx: AppContext, make_shop: Callable[..., Shop], tmp_path: Path
) -> None:
    """Every problem as `file:line: field: reason`, in line order, the same text on both
    paths (parse_row's reasons, and the lines of one order that disagree)."""
    path = write_csv(tmp_path / "bad.csv", BAD, HEADER)
    reasons = []
    for staged in (False, True):
        shop = make_shop(f"bad-{int(staged)}")
        with pytest.raises(ValidationFailed) as refused:
            import_orders(ctx, shop, path, progress=False, staged=staged)
        reasons.append([str(e) for e in refused.value.errors])
        assert all(not rows for rows in rows_of(ctx, shop).values())
    assert reasons[1] == reasons[0]
    assert [r.split(": ")[0].rsplit(":", 1)[1] for r in reasons[1]] == [
        "2",
        "3",
        "3",
        "4",
        "6",
        "6",
    ]
    assert reasons[1][-1].endswith("status: differs from line 5 of order 'B-4'")


def test_staged_import_in_a_currency_with_cents_writes_the_per_row_amounts_and_payloads(
    ctx: AppContext, make_shop: Callable[..., Shop], tmp_path: Path
) -> None:
    """USD has two decimals (ISO 4217): whole amounts become cents in SQL, decimals go
    through parse_row, and the events' `total` reads as `to_major` writes it."""
    rows = [
        line(order_id="U-1", customer_id="US-1", currency="", total="1250", unit_price="625",
             quantity="2"),
        line(order_id="U-2", customer_id="US-2", currency="usd", total="19.99",
             unit_price="19.99", quantity="1", phone="0977111222", email="u2@example.com"),
        line(order_id="U-3", customer_id="US-3", currency="", total="0", unit_price="0",
             quantity="1", phone="0977111333", email="u3@example.com"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "usd.csv", rows, HEADER)
    per_row, staged = (
        make_shop("usd-per-row", currency="USD"),
        make_shop("usd-staged", currency="USD"),
    )
    import_orders(ctx, per_row, path, progress=False, staged=False)
    import_orders(ctx, staged, path, progress=False, staged=True)
    assert rows_of(ctx, staged) == rows_of(ctx, per_row)
    with ctx.engine.connect() as connection:
        payload = connection.execute(
            text("SELECT payload FROM timeline_events WHERE shop_id = :shop AND event_key = :key"),
            {"shop": staged.id, "key": "order:U-1:placed"},
        ).scalar_one()
    assert '"total": "1250.00"' in payload
