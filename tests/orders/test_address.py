from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careloop.orders.address import address_key, address_line

SAME_DOOR_IN_SAIGON = (
    "12 Đường Lê Lợi, P. Bến Nghé, Q.1, TP.HCM",
    "12 le loi phuong ben nghe quan 1 ho chi minh",
    "Số 12 Lê Lợi, Phường Bến Nghé, Quận 01, Thành phố Hồ Chí Minh, Việt Nam",
    "12 Lê Lợi - F.Bến Nghé - Q1 - Sài Gòn",
    "12  LÊ LỢI,,  P BẾN NGHÉ,  QUẬN 1,  TP. Hồ Chí Minh  700000",
    "số nhà 12, đ. Lê Lợi, p.Bến Nghé, q.1, tphcm, VN",
)


@pytest.mark.parametrize("written", SAME_DOOR_IN_SAIGON)
def test_one_saigon_address_written_six_ways_has_one_key(written: str) -> None:
    assert address_key(written) == "12 le loi ben nghe q 1 hcm"


def test_a_hanoi_alley_address_keeps_its_alley_and_house_numbers() -> None:
    assert address_key("Ngõ 12 Phố Huế, Q. Hai Bà Trưng, Hà Nội") == address_key(
        "ngo 12 pho hue, quan hai ba trung, tp ha noi"
    )
    assert address_key("12/3A Nguyễn Trãi, P.5, Q.5, TP HCM") == address_key(
        "12 / 3a nguyen trai phuong 05 quan 5 hcm"
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM", "14 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM"),
        ("12 Lê Lợi, Q.1, TP.HCM", "12 Lê Lợi, Q.3, TP.HCM"),
        ("12 Lê Lợi, P.5, Q.3, TP.HCM", "12 Lê Lợi, P.6, Q.3, TP.HCM"),
        ("12 Lê Lợi, Q.1, TP.HCM", "12 Lê Lợi, Hoàn Kiếm, Hà Nội"),
        ("12/3 Nguyễn Trãi, Q.5", "123 Nguyễn Trãi, Q.5"),
    ],
)
def test_different_doors_keep_different_keys(one: str, other: str) -> None:
    assert address_key(one) != address_key(other)


def test_blank_or_punctuation_only_addresses_have_no_key() -> None:
    assert address_key(None) is None
    assert address_key("") is None
    assert address_key(" ,. - ") is None


@given(st.text(max_size=300))
def test_any_text_gives_a_short_stable_key(text: str) -> None:
    key = address_key(text)
    assert key is None or (0 < len(key) <= 300 and key == key.strip())
    assert address_key(text) == key


def test_platform_address_objects_become_one_line_without_names_or_phones() -> None:
    shopify = {
        "first_name": "Lan",
        "address1": "12 Lê Lợi",
        "address2": "",
        "ward": "Phường Bến Nghé",
        "district": "Quận 1",
        "city": "Hồ Chí Minh",
        "zip": 700000,
        "country": "Vietnam",
        "country_code": "VN",
        "phone": "0901234567",
    }
    assert address_line(shopify) == (
        "12 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh, 700000, Vietnam"
    )
    woo = {"address_1": "45 Hai Bà Trưng", "city": "Hà Nội", "state": "HN", "email": "a@b.vn"}
    assert address_line(woo) == "45 Hai Bà Trưng, Hà Nội, HN"
    assert address_line({"first_name": "Minh"}) is None
    assert address_line(42) is None
