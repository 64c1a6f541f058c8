"""SMS alphabet, length and parts: 3GPP TS 23.038 section 6.2.1 (GSM 7-bit default
alphabet) and 6.2.1.1 (extension table, two septets each); 3GPP TS 23.040 section
9.2.3.24.1 (concatenation header: 153 GSM-7 or 67 UCS-2 characters a part)."""

from __future__ import annotations

from careloop.channels.render_context import sms_name
from careloop.channels.sms_text import measure, sms_name_suggestion, unaccented
from careloop.shops.models import Shop


def test_plain_text_of_160_characters_is_one_gsm7_part_and_161_are_two() -> None:
    assert measure("a" * 160).as_json() == {
        "encoding": "GSM-7",
        "units": 160,
        "parts": 1,
        "per_part": 160,
        "cost": 0.0,
    }
    assert (measure("a" * 161).parts, measure("a" * 161).per_part) == (2, 153)
    assert measure("a" * 307).parts == 3


def test_extension_characters_count_two_septets() -> None:
    assert measure("€[]").units == 6
    assert measure("€" * 80).parts == 1
    assert measure("€" * 81).parts == 2


def test_one_vietnamese_accent_makes_the_whole_text_ucs2_with_70_then_67_per_part() -> None:
    assert measure("Cảm ơn").encoding == "UCS-2"
    assert (measure("ả" * 70).parts, measure("ả" * 71).parts) == (1, 2)
    assert measure("ả" * 71).per_part == 67


def test_cost_is_parts_times_the_channels_price_per_part() -> None:
    assert measure("a" * 200, cost_per_part=850).cost == 1700


def test_unaccented_folds_every_vietnamese_letter_and_the_dong_sign() -> None:
    assert unaccented("Nhà Mộc: Ưu đãi Tết 1.250.000\u00a0₫ – đến 06/01") == (
        "Nha Moc: Uu dai Tet 1.250.000 d - den 06/01"
    )
    assert unaccented("ĐẶNG THỊ HƯƠNG") == "DANG THI HUONG"


def test_accented_shop_name_unaccented_sms_is_gsm7_in_one_part() -> None:
    text = "Nhà Mộc Trà Quán: Chúc mừng sinh nhật Hương! Quà: mã SN20 giảm 20% đến 06/01/2027."
    assert measure(text).encoding == "UCS-2"
    assert measure(text).parts == 2
    folded = measure(unaccented(text))
    assert (folded.encoding, folded.parts) == ("GSM-7", 1)


def test_the_sms_name_is_the_shops_setting_or_an_unaccented_suggestion_of_11() -> None:
    assert sms_name_suggestion("Nhà Mộc Trà Quán") == "NhaMocTraQu"
    assert sms_name(Shop(name="Nhà Mộc Trà Quán", settings={})) == "NhaMocTraQu"
    assert sms_name(Shop(name="Nhà Mộc", settings={"sms_name": "NHA MOC"})) == "NHA MOC"
