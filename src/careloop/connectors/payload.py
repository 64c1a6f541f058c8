"""Reading platform JSON: dotted paths, and required fields that fail with their own name."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from careloop.core.errors import FieldError
from careloop.core.phone import normalise_phone

MISSING = object()
# A signed payload can still say anything: times outside these years are typos or test data
# (a "9999-12-31" would overflow every date sum downstream), so they are reported by path.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2100
MAX_QUANTITY = 1_000_000


def dig(data: Any, path: str) -> Any:
    """`dig({"a": {"b": [1, 2]}}, "a.b.1") == 2`; MISSING when any step is absent."""
    current = data
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return MISSING
    return current


class Reader:
    """Collects every problem with a payload, so one 422 names all of them."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.errors: list[FieldError] = []

    def get(self, path: str, default: Any = None) -> Any:
        value = dig(self.data, path)
        return default if value is MISSING or value is None else value

    def required(self, path: str) -> Any:
        value = dig(self.data, path)
        if value is MISSING or value is None or value == "":
            self.errors.append(FieldError(path, "required field is missing"))
            return None
        return value

    def text(self, path: str, *, required: bool = False) -> str | None:
        value = self.required(path) if required else self.get(path)
        return None if value is None else str(value).strip() or None

    def time(self, path: str, *, required: bool = False, naive_tz: Any = UTC) -> datetime | None:
        raw = self.text(path, required=required)
        if raw is None:
            return None
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=naive_tz)
            moment.astimezone(UTC)
        except (ValueError, OverflowError):
            self.errors.append(FieldError(path, f"not an ISO 8601 time: {raw[:40]!r}"))
            return None
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            self.errors.append(
                FieldError(path, f"year {moment.year} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
            )
            return None
        return moment

    def amount(self, path: str, *, required: bool = False) -> Decimal | None:
        raw = self.text(path, required=required)
        if raw is None:
            return None
        try:
            value = Decimal(raw)
        except (InvalidOperation, ValueError):
            self.errors.append(FieldError(path, f"not a number: {raw[:40]!r}"))
            return None
        if not value.is_finite() or value < 0:
            self.errors.append(FieldError(path, f"must be zero or more, got {raw}"))
            return None
        return value

    def items(self, path: str) -> list[dict[str, Any]]:
        """A list of objects (line items, fulfillments...); anything else is an error."""
        value = dig(self.data, path)
        if value is MISSING or value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.errors.append(FieldError(path, "must be a list of objects"))
            return []
        return value

    def quantity(self, path: str) -> int:
        """A whole number of items, 1 when absent; "2" is read as 2, "two" is an error."""
        value = dig(self.data, path)
        if value is MISSING or value is None or value == "":
            return 1
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if isinstance(value, bool) or not number.is_finite() or number != number.to_integral():
            self.errors.append(FieldError(path, f"not a whole number: {str(value)[:40]!r}"))
            return 1
        if not 0 <= number <= MAX_QUANTITY:
            self.errors.append(FieldError(path, f"must be 0 to {MAX_QUANTITY}, got {number}"))
            return 1
        return max(1, int(number))


def phone_or_none(raw: object) -> str | None:
    """Platforms hold phones as typed by buyers; an unusable one is dropped, not fatal."""
    if not raw:
        return None
    try:
        return normalise_phone(str(raw))
    except ValueError:
        return None


def email_or_none(raw: object) -> str | None:
    text = str(raw or "").strip().lower()
    return text if "@" in text and "." in text.split("@")[-1] and " " not in text else None
