"""Turning the dates a user types into the half-open UTC period [start, end) the KPIs use,
in the shop's own calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from careloop.core.errors import FieldError, ValidationFailed
from careloop.shops.models import Shop

DEFAULT_DAYS = 30
# The dates a shop's figures can cover; the KPIs compare a period with the one before it, so
# a period must leave room for that window inside the calendar.
EARLIEST = date(1970, 1, 1)
LATEST = date(2100, 12, 31)


def local_midnight(day: date, shop: Shop) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(shop.timezone))


def period(
    shop: Shop, start: date | None, end: date | None, now: datetime
) -> tuple[datetime, datetime]:
    """From the start of `start` to the end of `end` (both inclusive days, shop time).
    Defaults: `end` today, `start` 30 days earlier."""
    today = now.astimezone(ZoneInfo(shop.timezone)).date()
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    for field, day in (("from", start), ("to", end)):
        if not EARLIEST <= day <= LATEST:
            raise ValidationFailed(
                [FieldError(field, f"{day} is outside {EARLIEST.year}-{LATEST.year}")]
            )
    if start > end:
        raise ValidationFailed([FieldError("from", f"{start} is after to={end}")])
    if start - (end - start) - timedelta(days=1) < EARLIEST:
        raise ValidationFailed(
            [FieldError("from", f"{start}: the period before it starts before {EARLIEST}")]
        )
    return local_midnight(start, shop), local_midnight(end + timedelta(days=1), shop)


def month_period(shop: Shop, month: str) -> tuple[datetime, datetime]:
    """[first day, first day of the next month) of YYYY-MM in shop time."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise ValidationFailed([FieldError("month", f"not a YYYY-MM month: {month!r}")]) from None
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return local_midnight(first, shop), local_midnight(nxt, shop)
