"""When Vietnamese shoppers buy: Tết, the double-day sales, and the hour of the day.

Pure: a demand weight per local calendar day and a sampler over it. The shapes are the
ones a Vietnamese online shop sees: orders climb through the four weeks before Tết, stop
during the holiday while couriers rest, and spike on 11.11 and 12.12.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import Final

from careloop.support.calendar import tet as tet_of

PRE_TET_DAYS: Final = 28
# Shops and couriers pause from the eve (30 Tết) to mùng 5; orders trickle, nothing ships.
HOLIDAY_BEFORE_DAYS: Final = 1
HOLIDAY_AFTER_DAYS: Final = 5

# Orders per local hour of the day (lunch break and late evening are when people shop).
HOUR_WEIGHTS: Final = (
    0.5, 0.25, 0.1, 0.05, 0.05, 0.1, 0.4, 1.0, 1.6, 2.0, 2.2, 2.6,
    3.0, 2.6, 1.8, 1.8, 1.9, 2.0, 2.3, 3.0, 3.6, 3.9, 3.2, 1.6,
)  # fmt: skip
_HOUR_CUM: Final = list(accumulate(HOUR_WEIGHTS))

# Double-day sales (month, day) -> weight on the day; the days either side get a share.
SALE_DAYS: Final = {(9, 9): 2.0, (10, 10): 2.0, (11, 11): 6.0, (12, 12): 5.0}
BIG_SALES: Final = ((11, 11), (12, 12))
# Women's days (8 March, 20 October): cosmetics and gifts sell in the days before.
WOMENS_DAYS: Final = ((3, 8), (10, 20))


@cache  # called for every order; 18 months have only ~550 distinct days
def tet_for(day: date) -> date | None:
    """The Tết day whose season (four weeks before to two weeks after) contains `day`; mùng 1
    Tết from the `holidays` package's Vietnamese lunar calendar, for any year."""
    for year in (day.year, day.year + 1):
        tet = tet_of(year)
        if -PRE_TET_DAYS - 7 <= (day - tet).days <= 14:
            return tet
    return None


def is_pre_tet(day: date) -> bool:
    tet = tet_for(day)
    return tet is not None and -PRE_TET_DAYS <= (day - tet).days < -HOLIDAY_BEFORE_DAYS


def occasion_day(day: date, rng: random.Random) -> date:
    """Moves a repeat purchase due on `day` to the occasion shoppers wait for: most who
    would reorder during or just after Tết stock up before it; some wait for 11.11/12.12."""
    tet = tet_for(day)
    if tet is not None and -7 <= (day - tet).days < 21 and rng.random() < 0.7:
        return tet - timedelta(days=rng.randrange(3, 21))
    for month, dom in BIG_SALES:
        sale = date(day.year, month, dom)
        if 0 < (day - sale).days <= 10 and rng.random() < 0.3:
            return sale
    return day


def holiday_end(day: date) -> date | None:
    """The first working day after the Tết holiday if `day` falls in it, else None."""
    tet = tet_for(day)
    if tet is None:
        return None
    offset = (day - tet).days
    if -HOLIDAY_BEFORE_DAYS <= offset < HOLIDAY_AFTER_DAYS:
        return tet + timedelta(days=HOLIDAY_AFTER_DAYS)
    return None


def is_womens_day_season(day: date) -> bool:
    return any(0 <= (date(day.year, month, dom) - day).days <= 4 for month, dom in WOMENS_DAYS)


def sale_code(day: date) -> str | None:
    """The discount code of a double-day sale running on `day`, if any."""
    for (month, dom), _weight in SALE_DAYS.items():
        if day.month == month and abs(day.day - dom) <= 1:
            return f"SALE{month}{dom}"
    return None


def tet_factor(day: date) -> float:
    tet = tet_for(day)
    if tet is None:
        return 1.0
    offset = (day - tet).days
    if offset < -PRE_TET_DAYS:
        return 1.0
    if offset < -14:
        return 2.2
    if offset < -7:
        return 3.2
    if offset < -HOLIDAY_BEFORE_DAYS:
        return 4.0
    if offset < HOLIDAY_AFTER_DAYS:
        return 0.2
    if offset < HOLIDAY_AFTER_DAYS + 5:
        return 0.6
    return 1.0


def sale_factor(day: date) -> float:
    for (month, dom), weight in SALE_DAYS.items():
        if day.month != month:
            continue
        if day.day == dom:
            return weight
        if abs(day.day - dom) == 1:
            return 1 + (weight - 1) / 3
    return 1.0


def day_weight(day: date, start: date, end: date) -> float:
    """Relative demand on a local day: a growing shop, weekends, Tết, sales, women's days."""
    span = max((end - start).days, 1)
    growth = 0.8 + 0.3 * (day - start).days / span
    weekend = 1.12 if day.weekday() >= 5 else 1.0
    womens = 1.3 if is_womens_day_season(day) else 1.0
    return growth * weekend * tet_factor(day) * sale_factor(day) * womens


class DemandCalendar:
    """Draws local days in [start, end] in proportion to demand."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        self.weights = [day_weight(d, start, end) for d in self.days]
        self._cum = list(accumulate(self.weights))

    def sample_day(self, rng: random.Random) -> date:
        index = bisect_right(self._cum, rng.random() * self._cum[-1])
        return self.days[min(index, len(self.days) - 1)]


def sample_local_time(rng: random.Random, day: date) -> datetime:
    """A naive local time on `day`, weighted by the hour people shop."""
    hour = bisect_right(_HOUR_CUM, rng.random() * _HOUR_CUM[-1])
    return datetime(
        day.year, day.month, day.day, min(hour, 23), rng.randrange(60), rng.randrange(60)
    )
