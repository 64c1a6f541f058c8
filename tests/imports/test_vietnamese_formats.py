"""What Vietnamese shops' spreadsheets export is imported as they meant it.

Files under tests/fixtures/imports_vi/ are hand-written as Excel's "CSV UTF-8" saves them (with
a byte order mark). Phone numbers go through `phonenumbers` (Google's libphonenumber port),
which reads every local form of a Vietnamese mobile number as the same E.164 number.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import Customer
from careloop.imports import fields, run_import
from careloop.orders.models import Order
from careloop.shops.models import Shop

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports_vi"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07/12/2026", date(2026, 12, 7)),
        ("7/12/2026", date(2026, 12, 7)),
        ("03/04/2026", date(2026, 4, 3)),  # day first, never April the 3rd read as March 4th
        ("03-04-2026", date(2026, 4, 3)),
        ("03.04.2026", date(2026, 4, 3)),
        ("2026-04-03", date(2026, 4, 3)),  # ISO 8601 still
    ],
)
def test_dates_are_read_day_first_or_iso(raw: str, expected: date) -> None:
    assert fields.day(raw) == expected


def test_a_day_first_time_and_an_iso_time_are_both_read() -> None:
    assert fields.moment("07/12/2026 09:30") == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert fields.moment("07/12/2026 09:30:15") == datetime(2026, 12, 7, 9, 30, 15, tzinfo=UTC)
    assert fields.moment("2026-12-07T09:30:00+07:00") == datetime(2026, 12, 7, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["31/02/2026", "07/13/2026", "12/07/26", "tháng 12"])
def test_an_impossible_or_unreadable_date_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="date"):
        fields.day(raw)


@pytest.mark.parametrize(
    ("raw", "currency", "minor"),
    [
        ("1.250.000", "VND", 1_250_000),
        ("1.250.000 ₫", "VND", 1_250_000),
        ("1.250.000đ", "VND", 1_250_000),
        ("1,250,000", "VND", 1_250_000),
        ("1 250 000 VND", "VND", 1_250_000),
        ("1.250", "VND", 1_250),  # a dot before three digits groups thousands: VND has no cents
        ("1250000", "VND", 1_250_000),
        ("19.99", "USD", 1999),
        ("19,99", "USD", 1999),
    ],
)
def test_amounts_with_thousands_groups_and_currency_marks(
    raw: str, currency: str, minor: int
) -> None:
    assert fields.money(raw, currency) == minor


@pytest.mark.parametrize("raw", ["1.25", "12,5"])
def test_a_vnd_amount_with_decimals_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="decimals"):
        fields.money(raw, "VND")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Có", True),
        ("có", True),
        ("co", True),
        ("x", True),
        ("yes", True),
        ("TRUE", True),
        ("1", True),
        ("Không", False),
        ("KHÔNG", False),
        ("khong", False),
        ("no", False),
        ("false", False),
        ("0", False),
    ],
)
def test_yes_no_in_vietnamese_and_english(raw: str, value: bool) -> None:
    assert fields.boolean(raw) is value


@pytest.mark.parametrize(
    "raw", ["0909 998 877", "0909.998.877", "+84 909 998 877", "84909998877", "0909-998-877"]
)
def test_every_local_form_of_a_phone_number_is_one_e164_number(raw: str) -> None:
    assert fields.phone(raw) == "+84909998877"


def test_a_vietnamese_customers_file_with_a_bom_is_imported(ctx: AppContext, shop: Shop) -> None:
    summary = run_import(ctx, shop, "customers", FIXTURES / "khach_hang.csv")
    assert summary.customers_new == 4
    with ctx.sessions() as s:
        people = {c.external_id: c for c in s.scalars(select(Customer))}
    assert people["KH-001"].phone == "+84909998877"
    assert people["KH-001"].birthday == date(1990, 5, 17)
    assert people["KH-002"].birthday == date(1985, 4, 3)
    assert people["KH-004"].phone == "+84909998880"
    assert {c.name for c in people.values()} >= {"Nguyễn Thị Lan", "Phạm Thu Hà"}


def test_a_vietnamese_orders_file_is_imported_with_its_amounts_and_dates(
    ctx: AppContext, shop: Shop
) -> None:
    summary = run_import(ctx, shop, "orders", FIXTURES / "don_hang.csv")
    assert summary.orders_new == 3
    with ctx.sessions() as s:
        orders = {o.external_id: o for o in s.scalars(select(Order))}
    assert orders["DH-1001"].total_minor == 1_250_000
    assert orders["DH-1002"].total_minor == 1_250_000
    assert orders["DH-1003"].total_minor == 150_000
    placed = orders["DH-1001"].placed_at
    assert placed.replace(tzinfo=None) == datetime(2026, 12, 7, 9, 30)


def test_bad_rows_are_named_by_line_and_field_and_nothing_is_imported(
    ctx: AppContext, shop: Shop
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        run_import(ctx, shop, "orders", FIXTURES / "don_hang_loi.csv")
    found = {(e.line, e.field) for e in caught.value.errors}
    assert found == {(3, "placed_at"), (4, "total"), (4, "accepts_marketing")}
    with ctx.sessions() as s:
        assert s.scalars(select(Order)).first() is None
