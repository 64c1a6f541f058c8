"""The import's hot-path shortcuts give exactly what the general code gives.

Phones: `phonenumbers` (Google's libphonenumber port, region VN, the metadata shipped in the
installed package: national prefix `0`, possible lengths 7-10) is the reference; the
shortcut in `imports/fields.py` must agree with `core/phone.normalise_phone` on every form
it accepts and leave every other form to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careloop.core.clock import ensure_aware
from careloop.core.ids import CODE_ALPHABET
from careloop.core.phone import normalise_phone
from careloop.customers.search_key import customer_search_key
from careloop.imports import fast_values, fields

SEPARATORS = ("", " ", ".", "-")


def _reference_phone(raw: str) -> str | None:
    try:
        return normalise_phone(raw)
    except ValueError:
        return None


def _fast_phone(raw: str) -> str | None:
    try:
        return fields.phone.__wrapped__(raw)
    except ValueError:
        return None


@pytest.mark.parametrize("lead", ["0", "+84", "+84 ", "0 ", "84", "+840", "0.", "+84-"])
def test_a_vietnamese_number_with_any_two_digit_prefix_is_read_as_phonenumbers_reads_it(
    lead: str,
) -> None:
    for prefix in (f"{p:02d}" for p in range(100)):
        for rest in ("1234567", "9998877", "0000000", "123456", "12345678"):
            national = prefix + rest
            for sep in SEPARATORS:
                raw = lead + f"{national[:3]}{sep}{national[3:6]}{sep}{national[6:]}"
                assert _fast_phone(raw) == _reference_phone(raw), raw


@given(
    st.text(alphabet="0123456789 .-+()84", min_size=1, max_size=18).filter(
        lambda s: s.strip() == s and s != ""
    )
)
def test_any_phone_like_text_is_read_as_phonenumbers_reads_it(raw: str) -> None:
    assert _fast_phone(raw) == _reference_phone(raw)


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [None, UTC, timezone(timedelta(hours=7)), timezone(-timedelta(hours=5))]
        ),
    ),
    st.sampled_from(["T", " "]),
)
def test_an_iso_time_is_read_as_fromisoformat_reads_it_in_utc(at: datetime, sep: str) -> None:
    raw = at.isoformat(sep)
    assert fields.moment(raw) == ensure_aware(datetime.fromisoformat(raw))
    assert fields.moment(raw).tzinfo is not None


@pytest.mark.parametrize("raw", ["01-1-2026", "1-10-2026", "01-10-2026 09:00", "2026-10-01"])
def test_day_first_dates_with_dashes_are_still_read_day_first(raw: str) -> None:
    assert fields.moment(raw).month in (1, 10)
    assert fields.moment(raw).year == 2026


PEOPLE = st.text(
    alphabet=st.sampled_from(list("aAđĐẶặễ ơ\tÉe1+.@-_ǅﬁ\u00a0\u2003\x1c")), max_size=30
)


@given(name=PEOPLE, email=PEOPLE, phone=st.sampled_from(["", "+84909998877", "12 3"]))
def test_the_import_search_key_is_the_customers_search_key(
    name: str, email: str, phone: str
) -> None:
    expected = customer_search_key(name=name, email=email, phone=phone, external_id="KH-01")
    given_values = {"name": name, "email": email, "phone": phone}
    assert fast_values.search_key(given_values, "KH-01") == expected


def test_referral_codes_are_drawn_from_the_code_alphabet_with_every_character_used() -> None:
    codes = fast_values.referral_codes(2000)
    assert len(codes) == 2000
    assert all(len(code) == 8 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert set("".join(codes)) == set(CODE_ALPHABET)
    assert len(set(codes)) == 2000
