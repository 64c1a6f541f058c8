"""Vietnamese customers: names with realistic frequencies, +84 mobiles, emails, birthdays.

Pure functions of a `random.Random`, so a seed always gives the same people.
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Final

import phonenumbers

from careloop.core.ids import CODE_ALPHABET


class Weighted:
    """Draws from fixed (value, weight) pairs in O(log n)."""

    def __init__(self, pairs: tuple[tuple[str, float], ...]) -> None:
        self.values = [v for v, _ in pairs]
        self._cum = list(accumulate(w for _, w in pairs))

    def draw(self, rng: random.Random) -> str:
        index = bisect_right(self._cum, rng.random() * self._cum[-1])
        return self.values[min(index, len(self.values) - 1)]


# Share of the population (%), after the usual Vietnamese surname surveys.
FAMILY_NAMES: Final = Weighted(
    (
        ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.1), ("Hoàng", 2.8),
        ("Huỳnh", 2.3), ("Phan", 4.5), ("Vũ", 2.0), ("Võ", 1.9), ("Đặng", 2.1),
        ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5),
        ("Đinh", 0.8), ("Trương", 0.8), ("Lâm", 0.6), ("Mai", 0.5), ("Đoàn", 0.6),
        ("Trịnh", 0.6), ("Lương", 0.5), ("Cao", 0.4), ("Hà", 0.4), ("Tạ", 0.3),
        ("Châu", 0.3), ("Tô", 0.3), ("Lưu", 0.3), ("Thái", 0.2), ("Quách", 0.1),
    )
)  # fmt: skip
FEMALE_MIDDLE: Final = Weighted(
    (
        ("Thị", 40), ("Ngọc", 9), ("Thu", 7), ("Thanh", 7), ("Minh", 5), ("Phương", 4),
        ("Bảo", 4), ("Khánh", 4), ("Diệu", 3), ("Hoài", 3), ("Mỹ", 3), ("Thùy", 4), ("Kim", 4),
        ("Hồng", 3),
    )
)  # fmt: skip
MALE_MIDDLE: Final = Weighted(
    (
        ("Văn", 30), ("Đức", 10), ("Minh", 10), ("Quốc", 7), ("Hữu", 6), ("Công", 5),
        ("Thành", 5), ("Gia", 5), ("Hoàng", 5), ("Anh", 4), ("Tuấn", 3), ("Xuân", 3),
        ("Quang", 4), ("Trọng", 3),
    )
)  # fmt: skip
FEMALE_GIVEN: Final = Weighted(
    (
        ("Anh", 6), ("Hà", 5), ("Hương", 5), ("Linh", 7), ("Trang", 7), ("Lan", 4),
        ("Mai", 4), ("Ngọc", 4), ("Thảo", 6), ("Vy", 5), ("Nhung", 3), ("Hằng", 4),
        ("Phương", 4), ("Huyền", 4), ("Trâm", 3), ("Yến", 3), ("Quỳnh", 4), ("Chi", 3),
        ("Giang", 3), ("Nhi", 5), ("My", 4), ("Tâm", 2), ("Hạnh", 3), ("Thủy", 3),
        ("Uyên", 3), ("Loan", 2), ("Dung", 2), ("Oanh", 2), ("Ngân", 4), ("Hoa", 3),
    )
)  # fmt: skip
FEMALE_SECOND: Final = Weighted((("Thu", 3), ("Ngọc", 3), ("Kim", 2), ("Bích", 1), ("Hải", 1)))
MALE_GIVEN: Final = Weighted(
    (
        ("Anh", 6), ("Hùng", 4), ("Dũng", 4), ("Tuấn", 5), ("Minh", 6), ("Nam", 5),
        ("Huy", 6), ("Khoa", 3), ("Long", 4), ("Phúc", 3), ("Quân", 4), ("Sơn", 3),
        ("Thắng", 3), ("Trung", 4), ("Việt", 3), ("Hiếu", 4), ("Đạt", 5), ("Khang", 3),
        ("Bảo", 4), ("Duy", 5), ("Hải", 4), ("Hoàng", 3), ("Kiên", 2), ("Lâm", 2),
        ("Tài", 2), ("Thành", 4), ("Vinh", 3), ("Phong", 3), ("Tùng", 3), ("Khải", 2),
    )
)  # fmt: skip
MALE_SECOND: Final = Weighted((("Minh", 3), ("Anh", 2), ("Hoàng", 2), ("Quang", 1), ("Bảo", 1)))

# Mobile prefixes after +84 by network, with its rough share of subscribers (%).
NETWORKS: Final = (
    (50, ("86", "96", "97", "98", "32", "33", "34", "35", "36", "37", "38", "39")),  # Viettel
    (25, ("88", "91", "94", "81", "82", "83", "84", "85")),  # VinaPhone
    (20, ("89", "90", "93", "70", "76", "77", "78", "79")),  # MobiFone
    (4, ("92", "56", "58")),  # Vietnamobile
    (1, ("99", "59")),  # Gmobile
)


def _allocated(prefix: str) -> list[str]:
    """The three-digit blocks of `prefix` in service (089 is only 0896-0899, for one)."""
    blocks = [f"{prefix}{digit}" for digit in "0123456789"]
    return [b for b in blocks if phonenumbers.is_valid_number(phonenumbers.parse(f"+84{b}000000"))]


MOBILE_PREFIXES: Final = Weighted(
    tuple(
        (block, share / len(prefixes) / len(_allocated(prefix)))
        for share, prefixes in NETWORKS
        for prefix in prefixes
        for block in _allocated(prefix)
    )
)
EMAIL_DOMAINS: Final = Weighted(
    (("gmail.com", 74), ("yahoo.com", 9), ("outlook.com", 5), ("hotmail.com", 4),
     ("icloud.com", 6), ("fpt.vn", 1), ("vnn.vn", 1))
)  # fmt: skip
CITIES: Final = Weighted(
    (("TP.HCM", 45), ("Hà Nội", 30), ("Đà Nẵng", 7), ("Cần Thơ", 4), ("Hải Phòng", 4), ("", 10))
)
ACQUISITION: Final = Weighted(
    (("facebook", 30), ("tiktok", 20), ("zalo", 15), ("shopee", 15), ("cửa hàng", 10), ("", 10))
)

FEMALE_SHARE: Final = 0.7  # a coffee-and-cosmetics shop's customers are mostly women
MIN_AGE_DAYS: Final = int(18 * 365.25)
AGE_SPAN_DAYS: Final = int(42 * 365.25)
REFERRAL_SPACE: Final = len(CODE_ALPHABET) ** 8
# Multiplier of the index -> code bijection; coprime with the code space (a power of 31).
REFERRAL_STEP: Final = 550_040_111_711


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str | None
    phone: str | None
    zalo_user_id: str | None
    birthday: date | None
    locale: str
    preferred_channel: str | None
    tags: list[str]
    # Marketing consent per channel; a channel absent here was never asked.
    consents: dict[str, str]


def ascii_fold(text: str) -> str:
    """Vietnamese without diacritics, lower case: "Đặng Thị Thảo" -> "dang thi thao"."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def draw_name(rng: random.Random) -> tuple[str, str, str, str]:
    """(family, middle, given, full name) of a Vietnamese person."""
    female = rng.random() < FEMALE_SHARE
    family = FAMILY_NAMES.draw(rng)
    middle = (FEMALE_MIDDLE if female else MALE_MIDDLE).draw(rng)
    given = (FEMALE_GIVEN if female else MALE_GIVEN).draw(rng)
    while given == middle:
        given = (FEMALE_GIVEN if female else MALE_GIVEN).draw(rng)
    if rng.random() < 0.15:
        second = (FEMALE_SECOND if female else MALE_SECOND).draw(rng)
        if second not in (middle, given):
            middle = f"{middle} {second}"
    return family, middle, given, f"{family} {middle} {given}"


def draw_email(rng: random.Random, family: str, middle: str, given: str, birth_year: int) -> str:
    fam, mid, giv = ascii_fold(family), ascii_fold(middle).replace(" ", ""), ascii_fold(given)
    initials = "".join(part[0] for part in ascii_fold(middle).split())
    style = rng.randrange(5)
    if style == 0:
        local = f"{giv}{fam}{birth_year % 100:02d}"
    elif style == 1:
        local = f"{giv}.{fam}{rng.randrange(1, 1000)}"
    elif style == 2:
        local = f"{fam}{mid}{giv}{rng.randrange(10, 100)}"
    elif style == 3:
        local = f"{giv}{initials}{fam[0]}{birth_year}"
    else:
        local = f"{fam}.{giv}{rng.randrange(1000, 10000)}"
    return f"{local}@{EMAIL_DOMAINS.draw(rng)}"


def draw_phone(rng: random.Random) -> str:
    return f"+84{MOBILE_PREFIXES.draw(rng)}{rng.randrange(1_000_000):06d}"


def draw_birthday(rng: random.Random, today: date) -> date:
    """Ages 18-60, most customers in their twenties and thirties."""
    return today - timedelta(days=MIN_AGE_DAYS + int(rng.betavariate(2.0, 3.5) * AGE_SPAN_DAYS))


def referral_code(index: int, offset: int) -> str:
    """The `index`-th customer's code: a bijection, so codes never collide within a shop."""
    number = (index * REFERRAL_STEP + offset) % REFERRAL_SPACE
    base = len(CODE_ALPHABET)
    chars = []
    for _ in range(8):
        number, digit = divmod(number, base)
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars)


def draw_consents(rng: random.Random, channels: list[str]) -> dict[str, str]:
    consents = {}
    for channel in channels:
        roll = rng.random()
        if roll < 0.82:
            consents[channel] = "granted"
        elif roll < 0.90:
            consents[channel] = "denied"
    return consents


def draw_person(rng: random.Random, today: date) -> Person:
    family, middle, given, name = draw_name(rng)
    birthday = draw_birthday(rng, today)
    email = draw_email(rng, family, middle, given, birthday.year) if rng.random() < 0.85 else None
    phone = draw_phone(rng) if rng.random() < 0.97 else None
    zalo = str(rng.randrange(10**18, 10**19)) if phone and rng.random() < 0.6 else None
    reachable = [c for c, has in (("zalo", zalo), ("sms", phone), ("email", email)) if has]
    preferred = None
    if reachable:
        wanted = rng.choices(("zalo", "sms", "email"), weights=(55, 20, 25))[0]
        preferred = wanted if wanted in reachable else reachable[0]
    tags = [t for t in (CITIES.draw(rng), ACQUISITION.draw(rng)) if t]
    return Person(
        name=name,
        email=email,
        phone=phone,
        zalo_user_id=zalo,
        birthday=birthday if rng.random() < 0.8 else None,
        locale="en" if rng.random() < 0.08 else "vi",
        preferred_channel=preferred,
        tags=tags,
        consents=draw_consents(rng, sorted(reachable)),
    )
