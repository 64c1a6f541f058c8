"""Per-customer values an import computes hundreds of thousands of times, made cheap:
the search key (customers/search_key.py folds every character through Unicode
normalisation; most of what it folds is ASCII or a name seen before) and referral codes
(drawn in bulk instead of one `secrets.choice` per character).

Each function gives exactly what its general counterpart gives (tests/imports/
test_fast_paths.py compares them)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from careloop.core.ids import CODE_ALPHABET
from careloop.customers.search_key import KEY_MAX_CHARS, fold, phone_digits

# Distinct non-ASCII texts (mostly names) remembered while importing.
FOLD_CACHE_SIZE: Final = 65_536
REFERRAL_CODE_CHARS: Final = 8
_SPACES: Final = re.compile(r"\s+")
_ALPHABET: Final = CODE_ALPHABET.encode("ascii")
# Bytes at or above this are redrawn so that every character is equally likely.
_UNBIASED_BELOW: Final = 256 - 256 % len(_ALPHABET)
_TO_ALPHABET: Final = bytes(_ALPHABET[b % len(_ALPHABET)] for b in range(256))
_REDRAWN: Final = bytes(range(_UNBIASED_BELOW, 256))

_fold_cached = lru_cache(maxsize=FOLD_CACHE_SIZE)(fold)


def fast_fold(text: str) -> str:
    """`search_key.fold(text)`: ASCII has no marks to strip and no letters to map."""
    if text.isascii():
        return _SPACES.sub(" ", text.lower()).strip()
    return _fold_cached(text)


def _digits(phone: str) -> str:
    rest = phone[1:] if phone[:1] == "+" else phone
    return rest if rest.isdigit() else phone_digits(phone)


def search_key(values: Mapping[str, Any], external_id: str) -> str:
    """`customer_search_key(name=, email=, phone=, external_id=)` of the values."""
    parts = (
        fast_fold(values.get("name") or ""),
        fast_fold(values.get("email") or ""),
        _digits(values.get("phone") or ""),
        fast_fold(external_id or ""),
    )
    return " ".join(p for p in parts if p)[:KEY_MAX_CHARS]


def referral_codes(count: int, length: int = REFERRAL_CODE_CHARS) -> list[str]:
    """`count` codes like `core.ids.human_code(length)`: uniform over CODE_ALPHABET."""
    need = count * length
    drawn = b""
    while len(drawn) < need:
        drawn += secrets.token_bytes(need - len(drawn) + 16).translate(_TO_ALPHABET, _REDRAWN)
    text = drawn[:need].decode("ascii")
    return [text[i : i + length] for i in range(0, need, length)]
