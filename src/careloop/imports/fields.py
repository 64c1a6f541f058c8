"""Pure parsers for CSV cells: each returns the value or raises ValueError saying why not.

They apply the same rules as the REST API's schemas, so a value the API refuses is
refused by an import too, with the same reason. They also read what Vietnamese shops'
spreadsheets export:

- Dates: ISO 8601 (`2026-10-01`, `2026-10-01T09:00:00+07:00`) or day first, as Vietnamese
  write them: `01/10/2026` (1 October), `1-10-2026`, `01.10.2026`, with an optional time
  `01/10/2026 09:00` or `09:00:30`. A slashed date is never read month first: `03/04/2026` is
  3 April. A time without an offset is taken as UTC, the same rule as for ISO times.
- Amounts: a dot or comma followed by exactly three digits groups thousands (`1.250.000`,
  `1,250,000`); otherwise it is the decimal point (`19.99`, `19,99`). A currency sign or code
  and spaces around the number are ignored (`1.250.000 ₫`, `1.250.000đ`, `1.250.000 VND`).
  VND has no minor unit, so `1.250` is always one thousand two hundred and fifty dong.
- Yes/no: `Có`/`Không` (any case, with or without accents), yes/no, true/false, 1/0, `x`
  (a ticked column) and a blank meaning "not given".
- Phone numbers in any local form (`0909 998 877`, `0909.998.877`, `+84 909 998 877`,
  `84909998877`), stored as E.164.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Final

from careloop.core.clock import ensure_aware
from careloop.core.money import exponent, to_minor
from careloop.core.phone import normalise_phone
from careloop.customers.schemas import EMAIL_RE

CURRENCY_RE: Final = re.compile(r"^[A-Za-z]{3}$")
MAX_EXTERNAL_ID: Final = 128
MAX_QUANTITY: Final = 1_000_000
# Amounts are stored as 64-bit integers of minor units; anything near that is a typo.
MAX_MINOR: Final = 10**15
# Distinct phone numbers remembered while reading: parsing one costs ~20 µs and a
# customer's number recurs on each of their order lines.
PHONE_CACHE_SIZE: Final = 65_536
TRUE_WORDS: Final = frozenset({"true", "yes", "y", "1", "t", "on", "x", "có", "co", "c"})
FALSE_WORDS: Final = frozenset({"false", "no", "n", "0", "f", "off", "không", "khong", "k"})
# dd/mm/yyyy (or - or .), optionally followed by HH:MM or HH:MM:SS.
DAY_FIRST_RE: Final = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
# Currency marks a shop's export may put around an amount.
CURRENCY_MARKS_RE: Final = re.compile(r"(?i)\s|₫|đ|vnd|vnđ|\u00a0")
GROUPED_RE: Final = re.compile(r"^\d{1,3}([.,])\d{3}(?:\1\d{3})*$")
# The two forms nearly every Vietnamese mobile number is written in: `0` or `+84`, then nine
# digits (the first not 0) in groups split by single spaces, dots or dashes. For these,
# phonenumbers (region VN) strips the trunk `0` or reads the country code, and nine
# national digits are a possible VN length, so the E.164 form is `+84` and the digits
# (tests/imports/test_vietnamese_formats.py compares the two on every prefix).
VN_MOBILE_RE: Final = re.compile(r"(?:\+84|0)[ .-]?[1-9][0-9]*(?:[ .-][0-9]+)*")
VN_NATIONAL_DIGITS: Final = 9


def _day_first(raw: str) -> datetime | None:
    """`dd/mm/yyyy[ HH:MM[:SS]]` as a naive datetime; None if it is not that shape."""
    match = DAY_FIRST_RE.match(raw.strip())
    if match is None:
        return None
    d, m, y, hh, mm, ss = match.groups()
    try:
        return datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        raise ValueError(f"no such date or time: {raw!r}") from None


def moment(raw: str) -> datetime:
    """An ISO 8601 date or date-time, or `dd/mm/yyyy[ HH:MM]`; without an offset it is UTC."""
    # Four digits and a dash cannot start a day-first date: skip its pattern (hot path).
    if raw[4:5] == "-" and raw[:4].isdigit():
        return _iso_moment(raw)
    local = _day_first(raw)
    if local is not None:
        return ensure_aware(local)
    return _iso_moment(raw)


def _iso_moment(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"not a date or time: {raw!r} (e.g. 01/10/2026 09:00 or 2026-10-01T09:00:00+07:00)"
        ) from None
    return ensure_aware(value)


def day(raw: str) -> date:
    """An ISO 8601 date or `dd/mm/yyyy` (day first)."""
    local = _day_first(raw)
    if local is not None:
        return local.date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not a date: {raw!r} (e.g. 17/05/1990 or 1990-05-17)") from None


def currency(raw: str) -> str:
    if not CURRENCY_RE.match(raw):
        raise ValueError(f"not a 3-letter ISO 4217 currency code: {raw!r}")
    return raw.upper()


def plain_amount(raw: str) -> str:
    """`1.250.000 ₫` → `1250000`, `19,99` → `19.99`: thousands groups (a dot or comma followed
    by exactly three digits) dropped, the decimal mark made a dot, currency marks removed."""
    text = CURRENCY_MARKS_RE.sub("", raw)
    if GROUPED_RE.match(text):
        return text.replace(".", "").replace(",", "")
    if text.count(",") == 1 and "." not in text:
        return text.replace(",", ".")
    return text


def money(raw: str, currency_code: str) -> int:
    """Minor units; negatives, non-numbers and too many decimals are refused (quoting the
    cell as the shop wrote it)."""
    if raw.isascii() and raw.isdigit():  # whole amounts, as VND always is: skip Decimal
        minor = int(raw) * int(10 ** exponent(currency_code))
    else:
        text = plain_amount(raw) or raw
        try:
            minor = to_minor(text, currency_code)
        except ValueError as exc:
            if text == raw:
                raise
            reason = str(exc).replace(repr(text), repr(raw)).replace(f"got {text})", f"got {raw})")
            raise ValueError(reason) from None
    if minor > MAX_MINOR:
        raise ValueError(f"too large (got {raw})")
    return minor


def quantity(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"not a whole number: {raw!r}") from None
    if value < 1:
        raise ValueError(f"must be at least 1 (got {value})")
    if value > MAX_QUANTITY:
        raise ValueError(f"must be at most {MAX_QUANTITY} (got {value})")
    return value


def email(raw: str) -> str:
    if len(raw) > 254 or not EMAIL_RE.match(raw):
        raise ValueError(f"not an email address: {raw!r}")
    return raw.lower()


@lru_cache(maxsize=PHONE_CACHE_SIZE)
def phone(raw: str) -> str:
    """E.164, the same normalisation the API applies (`phonenumbers` reads `0909.998.877` and
    `84909998877` as +84909998877 too)."""
    if VN_MOBILE_RE.fullmatch(raw):
        digits = raw.replace(" ", "").replace(".", "").replace("-", "")
        national = digits[3:] if digits[0] == "+" else digits[1:]
        if len(national) == VN_NATIONAL_DIGITS:
            return "+84" + national
    return normalise_phone(raw)


def boolean(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"not yes/no: {raw!r} (use Có or Không, yes or no, true or false)")
