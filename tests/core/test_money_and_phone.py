from __future__ import annotations

import pytest

from careloop.core.money import format_money, to_minor
from careloop.core.phone import normalise_phone


def test_vnd_has_no_minor_units_and_formats_with_dots() -> None:
    assert to_minor("1250000", "VND") == 1_250_000
    assert format_money(1_250_000, "VND") == "1.250.000 ₫"


def test_cny_keeps_two_decimals() -> None:
    assert to_minor("12.5", "CNY") == 1250
    assert format_money(1250, "CNY", "zh") == "¥12.50"


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("-1", "negative"),
        ("abc", "not a number"),
        ("1.5", "too many decimals"),
        ("NaN", "not a number"),
    ],
)
def test_bad_amounts_say_why(amount: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        to_minor(amount, "VND")


@pytest.mark.parametrize("raw", ["0912345678", "+84 912 345 678", "84912345678", "(091) 234-5678"])
def test_vietnamese_mobile_numbers_normalise_to_e164(raw: str) -> None:
    assert normalise_phone(raw) in {"+84912345678"}


def test_a_chinese_number_with_country_code_keeps_it() -> None:
    assert normalise_phone("+86 138 0013 8000") == "+8613800138000"


def test_garbage_is_not_a_phone_number() -> None:
    with pytest.raises(ValueError, match="phone"):
        normalise_phone("call me maybe")
