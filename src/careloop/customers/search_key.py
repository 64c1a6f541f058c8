"""The customer's normalised search key: what staff type, folded the same way.

Staff search without diacritics ("nguyen van an" finds "Nguyễn Văn An") and type phones in
any format (0912..., +84912..., 84 912 ...). The key is stored on the customer row (kept
up to date on every write) so a search is one indexed column scan, not per-row folding."""

from __future__ import annotations

import re
import unicodedata

KEY_MAX_CHARS = 400
MIN_PHONE_DIGITS = 4
# đ/Đ are letters of their own in Unicode, not d plus a mark: NFD does not split them.
_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "ł": "l", "ø": "o", "æ": "ae"})
_SPACES = re.compile(r"\s+")
_PHONE_CHARS = re.compile(r"^[\d\s+().\-]+$")


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: "  Đặng Thị THẢO " -> "dang thi thao"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.translate(_LETTERS).lower()).strip()


def phone_digits(phone: str) -> str:
    """The digits of a stored phone, "+84912345678" -> "84912345678"."""
    return "".join(ch for ch in phone if ch.isdigit())


def customer_search_key(
    *, name: str | None, email: str | None, phone: str | None, external_id: str | None = None
) -> str:
    """Folded name, email and external id, and the phone's digits, space-separated."""
    parts = [fold(name or ""), fold(email or ""), phone_digits(phone or "")]
    parts.append(fold(external_id or ""))
    return " ".join(p for p in parts if p)[:KEY_MAX_CHARS]


def query_patterns(query: str) -> list[str]:
    """What a typed query must contain in a search key (any one of them matches).

    Text is folded like the key. A query that looks like a phone number also matches by
    its national digits: "0912 345", "+84 912 345" and "84912345" all find "+84912345..."."""
    folded = fold(query)
    patterns = [folded] if folded else []
    if _PHONE_CHARS.match(query.strip()):
        digits = phone_digits(query)
        if len(digits) >= MIN_PHONE_DIGITS:
            national = digits[2:] if digits.startswith("84") and len(digits) >= 11 else digits
            national = national.lstrip("0")
            if national and national not in patterns:
                patterns.append(national)
    return patterns
