"""Display formats for the staff UI, pure: dates in the shop's time zone, payload summaries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
        return day.strftime("%d/%m/%Y")
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def payload_summary(summary: str, payload: Mapping[str, Any] | None) -> str:
    """One line about an event: its stored summary, else its payload's simple fields."""
    if summary:
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
