"""Numbers, money, percentages, hours, months, dates and phones in the reader's conventions,
through Babel's CLDR data (Babel docs, "Number Formatting" and "Date and Time": vi uses "."
for thousands and "," for decimals, en the other way round) and libphonenumber's national
format for Vietnamese numbers (phonenumbers, `PhoneNumberFormat.NATIONAL`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from careloop.web.ui.format import (
    format_date,
    format_hours,
    format_money_local,
    format_month,
    format_number,
    format_percent,
    format_phone,
)


@pytest.mark.parametrize(
    ("locale", "money", "percent", "hours", "month", "number"),
    [
        ("vi", "1.250.000 ₫", "69,2%", "1,5 giờ", "tháng 11/2026", "81.554.000"),
        ("en", "₫1,250,000", "69.2%", "1.5 h", "November 2026", "81,554,000"),
    ],
)
def test_figures_read_in_the_readers_conventions(
    locale: str, money: str, percent: str, hours: str, month: str, number: str
) -> None:
    assert format_money_local(1_250_000, "VND", locale) == money
    assert format_percent(0.692, locale) == percent
    assert format_hours(1.5, locale) == hours
    assert format_month(2026, 11, locale) == month
    assert format_number(81_554_000, locale) == number


def test_a_vietnamese_date_is_day_month_year_in_the_shops_time_zone() -> None:
    assert format_date(date(2026, 12, 7), "vi") == "07/12/2026"
    # 23:30 UTC on 6 December is already 7 December in Ho Chi Minh City.
    late = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert format_date(late, "vi", "Asia/Ho_Chi_Minh") == "07/12/2026"
    assert format_date(date(2026, 12, 7), "en") == "7 Dec 2026"


def test_whole_hours_and_missing_figures_read_naturally() -> None:
    assert format_hours(2.0, "vi") == "2 giờ"
    assert format_percent(None, "vi") == "—"
    assert format_money_local(None, "VND", "vi") == ""


def test_a_vietnamese_phone_reads_as_dialled_at_home_and_a_foreign_one_keeps_its_code() -> None:
    assert format_phone("+84909998877") == "0909 998 877"
    assert format_phone("+12025550100") == "+1 202-555-0100"
    assert format_phone("not a phone") == "not a phone"
    assert format_phone(None) == ""


def test_a_kpi_tile_reads_in_the_viewers_language_and_number_conventions() -> None:
    from careloop.web.ui.dashboard import Tile, localised_tile

    stored = Tile(
        "repeat_purchase_rate",
        "Repeat purchase rate",
        "69%",
        "≥ 35%",
        "ok",
        "",
        "customers with 2+ orders in the period / customers with 1+ order in the period",
        "n = 1250, 95%: 66% to 72%",
        unit="fraction",
        raw=0.692,
        target_raw=0.35,
        direction="at_least",
        sample_n=1250,
        ci_low=0.66,
        ci_high=0.72,
    )

    vi = localised_tile(stored, "vi")

    assert (vi.label, vi.value, vi.target) == ("Tỷ lệ mua lại", "69%", "≥ 35%")
    assert vi.sample == "n = 1.250, 95%: 66% đến 72%"
    assert vi.formula.startswith("số khách có từ 2 đơn")
    hours = localised_tile(
        Tile("frt_median_hours", "FRT", "1.5 h", "", "none", "", unit="hours", raw=1.5), "vi"
    )
    assert hours.value == "1,5 giờ"
    assert localised_tile(stored, "en").sample == "n = 1,250, 95%: 66% to 72%"
