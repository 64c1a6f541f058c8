from __future__ import annotations

import random
from datetime import date

import phonenumbers

from careloop.demo.people import (
    FAMILY_NAMES,
    MOBILE_PREFIXES,
    ascii_fold,
    draw_person,
    referral_code,
)

TODAY = date(2026, 11, 2)


def people(n: int = 2000, seed: int = 1) -> list:
    rng = random.Random(seed)
    return [draw_person(rng, TODAY) for _ in range(n)]


def test_names_are_vietnamese_with_diacritics_and_nguyen_most_common() -> None:
    crowd = people()
    families = [p.name.split()[0] for p in crowd]
    assert all(len(p.name.split()) >= 3 for p in crowd)
    assert all(f in FAMILY_NAMES.values for f in families)
    share = families.count("Nguyễn") / len(families)
    assert 0.30 < share < 0.46
    assert families.count("Trần") > families.count("Lý")
    assert sum(1 for p in crowd if p.name != ascii_fold(p.name)) > 0.9 * len(crowd)


def test_ascii_fold_removes_diacritics_including_d_with_stroke() -> None:
    assert ascii_fold("Đặng Thị Thảo") == "dang thi thao"
    assert ascii_fold("Nguyễn Hữu Phúc") == "nguyen huu phuc"


def test_phones_are_valid_vietnamese_mobiles_in_e164() -> None:
    for person in people(500):
        if person.phone is None:
            continue
        parsed = phonenumbers.parse(person.phone)
        assert person.phone.startswith("+84") and len(person.phone) == 12
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE


def test_every_mobile_prefix_is_a_real_network_prefix() -> None:
    for prefix in MOBILE_PREFIXES.values:
        parsed = phonenumbers.parse(f"+84{prefix}123456")
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE, prefix


def test_emails_are_ascii_and_derived_from_the_name() -> None:
    with_email = [p for p in people(500) if p.email]
    assert 0.75 < len(with_email) / 500 < 0.95
    for person in with_email:
        assert person.email is not None and person.email.isascii()
        local, domain = person.email.split("@")
        given = ascii_fold(person.name.split()[-1])
        assert given in local or local[0] == given[0], person
        assert "." in domain


def test_birthdays_make_adults_from_18_to_60() -> None:
    for person in people(1000):
        if person.birthday is not None:
            age = (TODAY - person.birthday).days / 365.25
            assert 18 <= age <= 60.1


def test_channels_consents_and_locales_are_mixed() -> None:
    crowd = people()
    preferred = {p.preferred_channel for p in crowd}
    assert {"zalo", "sms", "email"} <= preferred
    states = [s for p in crowd for s in p.consents.values()]
    assert states.count("granted") / len(states) > 0.75
    assert "denied" in states
    assert any(p.zalo_user_id for p in crowd) and any(p.zalo_user_id is None for p in crowd)
    locales = [p.locale for p in crowd]
    assert 0.85 < locales.count("vi") / len(locales) < 0.97 and "en" in locales
    for person in crowd:
        if person.preferred_channel == "zalo":
            assert person.zalo_user_id
        if person.preferred_channel == "email":
            assert person.email


def test_referral_codes_never_collide() -> None:
    codes = {referral_code(i, 12345) for i in range(50_000)}
    assert len(codes) == 50_000
    assert all(len(c) == 8 for c in codes)
