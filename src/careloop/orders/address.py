"""Delivery addresses: one line of text as the shop sent it, and a normalised key that makes
the same address written differently compare equal (for the referral fraud check).

Pure: no database. Vietnamese addresses are written many ways ("12 Đường Lê Lợi, P. Bến
Nghé, Q.1, TP.HCM" and "12 le loi phuong ben nghe quan 1 ho chi minh"); the key folds
diacritics and case, collapses punctuation, unifies the common abbreviations of the
administrative units and drops the words that add nothing (đường, thành phố, tỉnh, số,
the country, the unit before a named ward or district). House numbers and numbered units
are kept: "12" and "14" are different doors, "Q.1" and "Q.3" different districts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Final

MAX_ADDRESS_CHARS: Final = 500
MAX_KEY_CHARS: Final = 300
# The parts of a structured address, in the order they are written on one line.
ADDRESS_PARTS: Final = (
    "address1",
    "address2",
    "ward",
    "district",
    "city",
    "province",
    "postcode",
    "country",
)

# Applied in order to the folded, lower-case, punctuation-free text (words separated by one
# space, so \b is enough). Multi-word phrases come before the single words they contain.
_REPLACEMENTS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # The country is implied for a shop's deliveries; some platforms add it, some do not.
        (r"\b(cong hoa xa hoi chu nghia viet nam|viet nam|vietnam|vn)$", ""),
        # So is the postcode (5-6 digits, written before the country or not at all).
        (r"(?<=[a-z]) \d{5,6}$", ""),
        # The two big cities by all their names.
        (r"\b(tp ?hcm|thanh pho ho chi minh|ho chi minh|hcm|sai gon|saigon|hcmc)\b", "hcm"),
        (r"\b(tp ?hn|thanh pho ha noi|ha noi|hanoi|hn)\b", "ha noi"),
        # Unit prefixes that add nothing once the name follows.
        (r"\b(thanh pho|tp|tinh)\b(?= [a-z])", ""),
        (r"\b(duong|d|pho)\b(?= [a-z])", ""),
        (r"\b(so nha|so)\b(?= \d)", ""),
        # Administrative units: one canonical short form each. Saigon writes wards "F.5".
        (r"\b(phuong|p|f)\b", "p"),
        (r"\b(quan|q)\b", "q"),
        (r"\b(huyen)\b", "h"),
        (r"\b(thi xa|tx)\b", "tx"),
        (r"\b(thi tran|tt)\b", "tt"),
        (r"\b(khu pho|kp)\b", "kp"),
        (r"\b(hem|kiet)\b", "hem"),
        (r"\b(ngo|ng)\b", "ngo"),
        # A named ward or district is often written without its unit ("Hai Bà Trưng"); a
        # numbered one never is ("Q.1"), so the unit stays only before a number.
        (r"\b(p|q|h|tx|tt)\b(?= [a-z])", ""),
    )
)
# "Q1", "P.5", "F12": the unit letter glued to its number.
_GLUED_UNIT: Final = re.compile(r"\b(p|q|f)(\d+)\b")
_LEADING_ZEROS: Final = re.compile(r"\b0+(\d)")
_NOT_WORD: Final = re.compile(r"[^a-z0-9/]+")
_SLASH: Final = re.compile(r" ?/ ?")
_SPACES: Final = re.compile(r" +")


def fold(text: str) -> str:
    """Lower case without diacritics: "Đường Lê Lợi" -> "duong le loi"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def address_key(text: str | None) -> str | None:
    """The normalised key of an address (None when nothing meaningful is left)."""
    if not text:
        return None
    key = _NOT_WORD.sub(" ", fold(text))
    key = _SLASH.sub("/", _SPACES.sub(" ", key)).strip()
    key = _GLUED_UNIT.sub(r"\1 \2", key)
    key = _LEADING_ZEROS.sub(r"\1", key)
    for pattern, replacement in _REPLACEMENTS:
        key = _SPACES.sub(" ", pattern.sub(replacement, key)).strip()
    return key[:MAX_KEY_CHARS].strip() or None


# Platform spellings of the parts (Shopify/Haravan/Sapo, WooCommerce) -> ours.
_ALIASES: Final = {
    "address_1": "address1",
    "address_2": "address2",
    "state": "province",
    "zip": "postcode",
}


def address_line(raw: object) -> str | None:
    """A platform's shipping address (a string, a list of parts, or an object with
    address1/address_1, ward, district, city, province/state, zip/postcode, country) as one
    line, cut to the column's size: a webhook is never refused for an odd address. None when
    there is none."""
    if isinstance(raw, Mapping):
        parts = {_ALIASES.get(str(k), str(k)): v for k, v in raw.items() if v not in (None, "")}
        return join_address(parts)
    if isinstance(raw, str):
        return join_address([raw])
    if isinstance(raw, list | tuple):
        return join_address(raw)
    return None


def join_address(parts: Mapping[str, object] | Iterable[object]) -> str | None:
    """One line from a structured address ({"address1": .., "city": ..}) or a list of parts,
    skipping blanks; None when every part is blank."""
    if isinstance(parts, Mapping):
        values: Iterable[object] = (parts.get(name) for name in ADDRESS_PARTS)
    else:
        values = parts
    texts = [str(value).strip() for value in values if value is not None and str(value).strip()]
    line = ", ".join(texts)
    return line[:MAX_ADDRESS_CHARS] or None
