from __future__ import annotations

import pytest

from careloop.customers.search_key import customer_search_key, fold, query_patterns


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("  ĐẶNG   Thị  Thảo ", "dang thi thao"),
        ("Đỗ Đức Đạt", "do duc dat"),
        ("Bùi Thị Hương", "bui thi huong"),
        ("plain", "plain"),
    ],
)
def test_fold_drops_diacritics_case_and_extra_spaces(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_search_key_holds_folded_name_email_phone_digits_and_id() -> None:
    key = customer_search_key(
        name="Nguyễn Văn An", email="An.Nguyen@Example.VN", phone="+84912345678", external_id="C-1"
    )

    assert key == "nguyen van an an.nguyen@example.vn 84912345678 c-1"


def test_search_key_of_an_empty_profile_is_empty() -> None:
    assert customer_search_key(name="", email=None, phone=None) == ""


@pytest.mark.parametrize(
    "typed", ["0912345678", "+84912345678", "84 912 345 678", "(091) 234-5678", "0912 345"]
)
def test_a_phone_in_any_format_matches_the_stored_e164_digits(typed: str) -> None:
    key = customer_search_key(name="An", email=None, phone="+84912345678")

    assert any(p in key for p in query_patterns(typed))


def test_a_phone_of_someone_else_does_not_match() -> None:
    key = customer_search_key(name="An", email=None, phone="+84912345678")

    assert not any(p in key for p in query_patterns("0987 654 321"))


def test_text_queries_are_folded_and_short_digit_runs_are_not_phones() -> None:
    assert query_patterns("  NGUYỄN  văn ") == ["nguyen van"]
    assert query_patterns("091") == ["091"]
    assert query_patterns("   ") == []
