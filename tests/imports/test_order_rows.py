from __future__ import annotations

from datetime import UTC, datetime

from careloop.imports.csvfile import ErrorLog
from careloop.imports.order_rows import COLUMNS, OrderIndex, OrderRow, parse_row
from careloop.imports.order_writer import OrderData


def values(**cells: str) -> tuple[str, ...]:
    base = {"order_id": "A-1", "customer_id": "C-1", "placed_at": "2025-05-01", "total": "10"}
    base.update(cells)
    return tuple(base.get(column, "") for column in COLUMNS)


def parse(line: int = 2, **cells: str) -> tuple[OrderRow | None, list[str]]:
    log = ErrorLog("o.csv")
    row = parse_row(line, values(**cells), "VND", log)
    return row, [str(e) for e in log.errors]


def test_a_minimal_row_is_an_order_without_lines_in_the_shop_currency() -> None:
    row, errors = parse()
    assert errors == []
    assert row is not None
    assert row.placed_at == datetime(2025, 5, 1, tzinfo=UTC)
    assert (row.total_minor, row.currency, row.item, row.status) == (10, "VND", None, None)


def test_amounts_follow_the_currency_decimals() -> None:
    row, _ = parse(total="19.99", currency="usd", unit_price="5.5", sku="S")
    assert row is not None and row.currency == "USD"
    assert (row.total_minor, row.item and row.item.unit_price_minor) == (1999, 550)
    _, errors = parse(total="19.99")
    assert errors == ["o.csv:2: total: too many decimals for VND (got 19.99)"]


def test_an_absurd_amount_is_refused_before_it_reaches_the_database() -> None:
    _, errors = parse(total="1e400")
    assert errors == ["o.csv:2: total: too large (got 1e400)"]


def test_a_time_before_placed_at_is_refused() -> None:
    _, errors = parse(paid_at="2025-04-30T23:00:00Z")
    assert errors == ["o.csv:2: paid_at: 2025-04-30T23:00:00+00:00 is before placed_at"]


def test_discount_codes_are_split_and_deduplicated() -> None:
    row, _ = parse(discount_code="TET10; FREESHIP,TET10")
    assert row is not None and row.discount_codes == ("TET10", "FREESHIP")


def test_lines_of_one_order_must_agree_on_its_values_but_blanks_agree_with_anything() -> None:
    index, log = OrderIndex(), ErrorLog("o.csv")
    for line, cells in enumerate(
        [
            {"status": "paid"},
            {},  # blank status: fine
            {"status": "paid", "placed_at": "2025-05-01T00:00:00+00:00"},  # same instant
            {"total": "11", "status": "delivered"},
        ],
        start=2,
    ):
        row = parse_row(line, values(**cells), "VND", log)
        assert row is not None
        index.add(row, log)
    assert [str(e) for e in log.errors] == [
        "o.csv:5: total: differs from line 2 of order 'A-1'",
        "o.csv:5: status: differs from line 2 of order 'A-1'",
    ]
    assert index.last_line("A-1") == 5
    assert index.last_line("A-2") is None


def test_a_stated_status_without_its_time_takes_the_latest_known_time() -> None:
    row, _ = parse(status="delivered", paid_at="2025-05-02T00:00:00Z")
    assert row is not None
    times = OrderData.start(row).status_times()
    assert times["delivered"] == datetime(2025, 5, 2, tzinfo=UTC)
