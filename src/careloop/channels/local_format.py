"""Dates, amounts and countdowns the way the customer reads them: in their language and
time zone, never ISO or UTC. Pure (Babel's CLDR data; no database, no clock).

vi: `06/01/2027`, `1.250.000 ₫`, "hôm nay" / "ngày mai" / "còn 3 ngày";
en: `6 Jan 2027`, `₫1,250,000`, "today" / "tomorrow" / "in 3 days".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date as babel_date
from babel.numbers import format_currency

from careloop.channels.policy import zone
from careloop.core.money import to_major

# CLDR patterns per language: Vietnamese shops write day/month/year with zeros; English
# customers read "6 Jan 2027" (unambiguous on both sides of the Atlantic).
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM y", "zh": "y年M月d日"}
DAY_MONTH_PATTERNS = {"vi": "dd/MM", "en": "d MMM", "zh": "M月d日"}
BABEL_LOCALES = {"vi": "vi_VN", "en": "en", "zh": "zh_Hans_CN"}
NBSP = "\u00a0"


def _babel_locale(locale: str) -> str:
    return BABEL_LOCALES.get(locale, "en")


def parse_moment(value: Any, timezone: str) -> date | None:
    """A date or moment (date, datetime, ISO string) as the customer's calendar day in
    `timezone`; None for what is not a date (the caller keeps the value as it was)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if len(text) == 10:
            return moment.date()  # a plain calendar day has no zone to convert
    else:
        return None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone(timezone)).date()


def local_date(value: Any, locale: str, timezone: str, *, with_year: bool = True) -> str:
    """`value` as the customer's calendar day in their language; text that is not a date
    comes back unchanged (a template may already hold "02/12/2026")."""
    day = parse_moment(value, timezone)
    if day is None:
        return "" if value is None else str(value)
    patterns = DATE_PATTERNS if with_year else DAY_MONTH_PATTERNS
    pattern = patterns.get(locale, patterns["en"])
    return babel_date(day, pattern, locale=_babel_locale(locale))


def local_money(minor: int, currency: str, locale: str) -> str:
    """An amount in minor units, CLDR style: 1.250.000 ₫ (vi), ₫1,250,000 (en). Plain
    spaces, not CLDR's no-break space: SMS alphabets have no such character."""
    amount: Decimal = to_major(minor, currency)
    text = format_currency(amount, currency.upper(), locale=_babel_locale(locale))
    return text.replace(NBSP, " ")


COUNTDOWN = {
    "vi": ("hôm nay", "ngày mai", "còn {n} ngày"),
    "en": ("today", "tomorrow", "in {n} days"),
    "zh": ("今天", "明天", "还有{n}天"),
}


def countdown(days: Any, locale: str) -> str:
    """Days until an occasion as words: "hôm nay", "ngày mai", "còn 3 ngày". An occasion
    already passed (negative) or no number at all renders "" rather than "-2 ngày": the
    journey step guard (journeys) skips such sends, this is the last line of defence."""
    try:
        n = int(days)
    except (TypeError, ValueError):
        return ""
    today, tomorrow, later = COUNTDOWN.get(locale, COUNTDOWN["en"])
    if n < 0:
        return ""
    if n == 0:
        return today
    if n == 1:
        return tomorrow
    return later.format(n=n)
