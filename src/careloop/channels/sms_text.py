"""What an SMS text costs: its alphabet, length and number of parts, and the Vietnamese
"unaccented" folding that keeps it in the cheap alphabet. Pure.

3GPP TS 23.038 section 6.2.1 (GSM 7-bit default alphabet) and 6.2.1.1 (its extension
table, each character sent as ESC + code, so two septets); any other character forces
the whole message into UCS-2 (section 5, data coding scheme). 3GPP TS 23.040 section
9.2.3.24.1: a concatenated message carries a 6-octet user data header, so a part holds
153 GSM-7 characters (160 alone) or 67 UCS-2 characters (70 alone).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# TS 23.038 6.2.1, in code order 0x00-0x7F (0x1B is the escape to the extension table).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# TS 23.038 6.2.1.1: form feed, ^ { } \ [ ~ ] | and the euro sign.
GSM7_EXTENSION = "\f^{}\\[~]|€"
_BASIC = frozenset(GSM7_BASIC) - {"\x1b"}
_EXTENSION = frozenset(GSM7_EXTENSION)

SINGLE_LIMIT: dict[Encoding, int] = {"GSM-7": 160, "UCS-2": 70}
PART_LIMIT: dict[Encoding, int] = {"GSM-7": 153, "UCS-2": 67}

# Characters CLDR formats and staff paste that have a plain twin readers accept.
_PLAIN = {
    "đ": "d",
    "Đ": "D",
    "₫": "d",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "…": "...",
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
}


@dataclass(frozen=True)
class SmsLength:
    """How a text travels: alphabet, length in that alphabet's units, parts, cost."""

    encoding: Encoding
    units: int
    parts: int
    per_part: int
    cost: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "encoding": self.encoding,
            "units": self.units,
            "parts": self.parts,
            "per_part": self.per_part,
            "cost": self.cost,
        }


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXTENSION for ch in text)


def measure(text: str, cost_per_part: float = 0.0) -> SmsLength:
    """The alphabet `text` needs, its length (septets or UTF-16 units), its parts and
    their cost (`cost_per_part` from the SMS channel's settings)."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    if encoding == "GSM-7":
        units = sum(2 if ch in _EXTENSION else 1 for ch in text)
    else:
        units = len(text.encode("utf-16-le")) // 2
    if units <= SINGLE_LIMIT[encoding]:
        parts, per_part = (1 if units else 0), SINGLE_LIMIT[encoding]
    else:
        per_part = PART_LIMIT[encoding]
        parts = math.ceil(units / per_part)
    return SmsLength(encoding, units, parts, per_part, round(parts * cost_per_part, 2))


def unaccented(text: str) -> str:
    """Vietnamese without diacritics, the way shops write cheap SMS: "Nhà Mộc" -> "Nha Moc",
    "đ" -> "d", "1.250.000 ₫" -> "1.250.000 d"; every accent goes, even those GSM-7 could
    carry (à, é), so the text reads evenly. Other scripts stay (the counter then honestly
    shows UCS-2)."""
    out: list[str] = []
    for ch in text:
        plain = _PLAIN.get(ch)
        if plain is not None:
            out.append(plain)
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        out.append("".join(c for c in decomposed if unicodedata.category(c) != "Mn"))
    return "".join(out)


def sms_name_suggestion(shop_name: str, limit: int = 11) -> str:
    """A sender-style short name from the shop's name: unaccented letters and digits, at
    most `limit` characters ("Nhà Mộc Tea House" -> "NhaMocTeaHo")."""
    plain = unaccented(shop_name)
    return "".join(ch for ch in plain if ch.isascii() and ch.isalnum())[:limit]
