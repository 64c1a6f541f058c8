"""Phone numbers normalised to E.164 (+84...), the key SMS and Zalo ZNS use."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "VN"


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form of `raw`, or raise ValueError saying why it is not a phone number."""
    text = raw.strip()
    if not text:
        raise ValueError("empty phone number")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
