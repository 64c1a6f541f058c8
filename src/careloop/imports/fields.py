"""Pure parsers for CSV cells: each returns the value or raises ValueError saying why not.

They apply the same rules as the REST API's schemas, so a value the API refuses is
refused by an import too, with the same reason.
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
TRUE_WORDS: Final = frozenset({"true", "yes", "y", "1", "t", "on"})
FALSE_WORDS: Final = frozenset({"false", "no", "n", "0", "f", "off"})


def moment(raw: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is taken as UTC."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"not an ISO 8601 date or time: {raw!r} (e.g. 2026-10-01T09:00:00+07:00)"
        ) from None
    return ensure_aware(value)


def day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date: {raw!r} (e.g. 1990-05-17)") from None


def currency(raw: str) -> str:
    if not CURRENCY_RE.match(raw):
        raise ValueError(f"not a 3-letter ISO 4217 currency code: {raw!r}")
    return raw.upper()


def money(raw: str, currency_code: str) -> int:
    """Minor units; negatives, non-numbers and too many decimals are refused."""
    if raw.isascii() and raw.isdigit():  # whole amounts, as VND always is: skip Decimal
        minor = int(raw) * int(10 ** exponent(currency_code))
    else:
        minor = to_minor(raw, currency_code)
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
    """E.164, the same normalisation the API applies."""
    return normalise_phone(raw)


def boolean(raw: str) -> bool:
    word = raw.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"not yes/no: {raw!r} (use true or false)")
