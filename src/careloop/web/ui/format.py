"""Display formats for the staff UI, pure: dates in the shop's time zone, payload summaries,
and numbers, money, percentages, hours, months and phones in the reader's conventions through
Babel's CLDR data (`1.250.000 ₫`, `69,2%`, `1,5 giờ` in Vietnamese; `₫1,250,000`, `69.2%` in
English)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as babel_format_percent

from careloop.core.catalogue import normalise_locale, t
from careloop.core.money import to_major
from careloop.core.timeline_text import rendered_text

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SUMMARY_MAX_CHARS = 160


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_datetime(moment: datetime | None, tz: str, locale: str) -> str:
    """'2 Nov 2026, 10:00' (en) or '02/11/2026 10:00' (vi), in the time zone `tz`."""
    if moment is None:
        return ""
    try:
        local = moment.astimezone(zone(tz))
    except (OverflowError, ValueError):
        return moment.isoformat()  # a stored year-9999 value: shown as stored, never a 500
    if locale == "vi":
        return local.strftime("%d/%m/%Y %H:%M")
    return f"{local.day} {MONTHS_EN[local.month - 1]} {local.year}, {local:%H:%M}"


def format_date(day: date | datetime | None, locale: str, tz: str | None = None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        moment: datetime = day
        try:
            day = moment.astimezone(zone(tz)).date()
        except (OverflowError, ValueError):
            return moment.date().isoformat()  # out of range for the zone: shown as stored
    if locale == "vi":
        return babel_format_date(day, "dd/MM/y", locale="vi")
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def payload_summary(
    summary: str, payload: Mapping[str, Any] | None, event_type: str = "", locale: str = "en"
) -> str:
    """One line about an event: the line its capability renders in `locale` (see
    careloop.core.timeline_text), else its stored summary, else its payload's simple fields."""
    rendered = rendered_text(event_type, summary, payload, locale) if event_type else None
    if rendered:
        text = rendered
    elif summary:
        text = summary
    else:
        parts = [
            f"{key}: {_short(value)}"
            for key, value in (payload or {}).items()
            if value is not None and value != "" and not isinstance(value, dict | list)
        ]
        text = " · ".join(parts)
    if len(text) > SUMMARY_MAX_CHARS:
        return text[: SUMMARY_MAX_CHARS - 1] + "…"
    return text


def _short(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# CLDR puts a no-break space between amount and symbol; pages and messages use a plain one.
_NBSP = "\u00a0"


def format_number(value: int | float | Decimal | None, locale: str, digits: int = 0) -> str:
    """12345 -> '12.345' (vi) or '12,345' (en); `digits` decimals at most."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=normalise_locale(locale))


def format_money_local(minor: int | None, currency: str, locale: str) -> str:
    """Minor units as money: '1.250.000 ₫' (vi) or '₫1,250,000' (en)."""
    if minor is None:
        return ""
    code = (currency or "VND").upper()
    text = format_currency(to_major(int(minor), code), code, locale=normalise_locale(locale))
    return text.replace(_NBSP, " ")


def format_percent(fraction: float | Decimal | None, locale: str, digits: int = 1) -> str:
    """A fraction 0-1 as a percentage: 0.692 -> '69,2%' (vi) or '69.2%' (en)."""
    if fraction is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return babel_format_percent(fraction, format=pattern, locale=normalise_locale(locale))


def format_hours(hours: float | None, locale: str) -> str:
    """1.5 -> '1,5 giờ' (vi) or '1.5 h' (en)."""
    if hours is None:
        return "—"
    return t("format.hours", locale, n=format_number(hours, locale, digits=1))


def format_month(year: int, month: int, locale: str) -> str:
    """'tháng 11/2026' (vi) or 'November 2026' (en)."""
    first = date(year, month, 1)
    if normalise_locale(locale) == "vi":
        return f"tháng {month}/{year}"
    return babel_format_date(first, "MMMM y", locale="en")


def format_phone(e164: str | None, region: str = "VN") -> str:
    """A stored +84 number as a Vietnamese reads it, '0909 998 877'; foreign numbers keep
    their country code ('+1 202-555-0100'); anything unparsable is shown as stored."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def format_month_label(label: str, locale: str) -> str:
    """A stored 'YYYY-MM' month ('2026-11') as a reader says it: 'tháng 11/2026' (vi) or
    'November 2026' (en); anything else is shown as stored."""
    year, _, month = label.partition("-")
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return label
    return format_month(int(year), int(month), locale)
