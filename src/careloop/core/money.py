"""Money as integer minor units, so sums are exact and VND has no decimals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# ISO 4217 exponents for the currencies Careloop's shops use; others default to 2.
EXPONENTS = {"VND": 0, "JPY": 0, "KRW": 0, "CNY": 2, "USD": 2, "EUR": 2, "SGD": 2, "THB": 2}


def exponent(currency: str) -> int:
    return EXPONENTS.get(currency.upper(), 2)


def to_minor(amount: str | int | float | Decimal, currency: str) -> int:
    """Parse an amount in major units ("150000", "19.99") into minor units.

    Raises ValueError with a readable reason for non-numbers, negatives or too many decimals.
    """
    try:
        value = (
            Decimal(str(amount).strip().replace(",", ""))
            if not isinstance(amount, Decimal)
            else amount
        )
    except InvalidOperation:
        raise ValueError(f"not a number: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a number: {amount!r}")
    if value < 0:
        raise ValueError(f"must not be negative (got {amount})")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"too many decimals for {currency.upper()} (got {amount})")
    return int(scaled)


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def format_money(minor: int, currency: str, locale: str = "vi") -> str:
    """Human format: 1.250.000 ₫ for VND in Vietnamese, ¥12.50 for CNY, $12.50 otherwise."""
    exp = exponent(currency)
    major = to_major(minor, currency)
    text = f"{major:,.{exp}f}"
    if locale.startswith("vi"):
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    symbol = {"VND": "₫", "CNY": "¥", "USD": "$", "EUR": "€"}.get(currency.upper())
    if currency.upper() == "VND":
        return f"{text} ₫"
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"
