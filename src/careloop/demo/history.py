"""Purchase histories: who buys what, when, how often, and how each order went.

Pure and deterministic: one `random.Random` drives everything, customers are drawn one
after the other (so 200 customers are the first 200 of 2,000), and nothing is kept in
memory between customers except a per-day order counter.

The repeat-purchase model: each customer has a loyalty (the chance of buying again after
each order) drawn from a mixture: most are one-time buyers, some come back now and then,
a few are loyal regulars. The next order comes when the consumables of the last one run
out (`usage_days` x quantity, give or take), which is the signal replenishment journeys,
RFM and CLV are meant to find.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Final

from careloop.demo.calendar import (
    DemandCalendar,
    holiday_end,
    is_pre_tet,
    is_womens_day_season,
    occasion_day,
    sale_code,
    sample_local_time,
    tet_for,
)
from careloop.demo.catalog import APPLIANCES, CATEGORIES, COSMETICS, PRODUCT_INDEX, PRODUCTS
from careloop.demo.people import REFERRAL_SPACE, Person, draw_person, referral_code
from careloop.orders.status import current_status

HISTORY_DAYS: Final = 548  # 18 months
BUYER_SHARE: Final = 0.94  # the rest signed up (Zalo OA, mini-game) but never ordered
MAX_ORDERS: Final = 60
INTEREST_WEIGHTS: Final = (45, 40, 15)  # coffee & tea, cosmetics, appliances (CATEGORIES)
LINE_COUNT_WEIGHTS: Final = (58, 27, 10, 5)  # 1-4 lines per order
CANCEL_SHARE: Final = 0.04
RETURN_SHARE: Final = 0.03
PREPAID_SHARE: Final = 0.45  # bank transfer, MoMo, ZaloPay; the rest pay cash on delivery
DESCALER: Final = PRODUCT_INDEX["MOC-GD-TAYCAN-6"]


@dataclass(frozen=True, slots=True)
class LineDraft:
    product: int  # index into PRODUCTS
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True, slots=True)
class OrderDraft:
    external_id: str
    placed_at: datetime
    lines: list[LineDraft]
    discount_codes: list[str]
    total_minor: int
    # When each status was reached, only those at or before "now": recent orders are in flight.
    times: dict[str, datetime]
    status: str


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    external_id: str
    person: Person
    referral_code: str
    created_at: datetime
    orders: list[OrderDraft]


class ProductPicker:
    """Product draws weighted by popularity and by season (Tết gifts, women's days)."""

    def __init__(self) -> None:
        self._tables: dict[tuple[str, str | None], tuple[list[int], list[float]]] = {}
        for season in ("normal", "tet", "womens"):
            for category in (*CATEGORIES, None):
                indexes = [
                    i for i, p in enumerate(PRODUCTS) if category is None or p.category == category
                ]
                weights = [self._weight(i, season) for i in indexes]
                self._tables[(season, category)] = (indexes, list(accumulate(weights)))

    @staticmethod
    def _weight(index: int, season: str) -> float:
        product = PRODUCTS[index]
        weight = product.popularity
        if product.tet_gift:
            weight *= 8.0 if season == "tet" else 0.3
        if season == "womens" and product.category == COSMETICS:
            weight *= 1.6
        return weight

    def pick(self, rng: random.Random, day: date, category: str | None) -> int:
        season = "tet" if is_pre_tet(day) else "womens" if is_womens_day_season(day) else "normal"
        indexes, cum = self._tables[(season, category)]
        position = bisect_right(cum, rng.random() * cum[-1])
        return indexes[min(position, len(indexes) - 1)]


def draw_loyalty(rng: random.Random) -> float:
    """The chance of ordering again after each order: one-timers, occasionals, regulars."""
    roll = rng.random()
    if roll < 0.62:
        return rng.betavariate(1.2, 6.0)
    if roll < 0.92:
        return rng.betavariate(4.0, 4.0)
    return rng.betavariate(9.0, 1.2)


class HistoryGenerator:
    """Draws customers with their 18 months of orders, ending at `now`."""

    def __init__(self, rng: random.Random, now: datetime, utc_offset: timedelta) -> None:
        self.rng = rng
        self.now = now
        self.offset = utc_offset
        self.today = self.local(now).date()
        self.calendar = DemandCalendar(self.today - timedelta(days=HISTORY_DAYS), self.today)
        self.products = ProductPicker()
        self._referral_offset = rng.randrange(REFERRAL_SPACE)
        self._orders_per_day: dict[date, int] = {}

    def local(self, moment: datetime) -> datetime:
        return (moment + self.offset).replace(tzinfo=None)

    def utc(self, local: datetime) -> datetime:
        return (local - self.offset).replace(tzinfo=UTC)

    def customers(self, count: int, first_index: int = 0) -> Iterator[CustomerDraft]:
        for index in range(first_index, first_index + count):
            yield self.customer(index)

    def customer(self, index: int) -> CustomerDraft:
        rng = self.rng
        person = draw_person(rng, self.today)
        first_at = self._moment_on(self.calendar.sample_day(rng))
        orders: list[OrderDraft] = []
        created_at = first_at
        if rng.random() < BUYER_SHARE:
            # Signed up at checkout, a few minutes before the first order.
            created_at = first_at - timedelta(seconds=rng.randrange(60, 1800))
            orders = self._history(first_at)
        return CustomerDraft(
            external_id=f"KH{index + 1:07d}",
            person=person,
            referral_code=referral_code(index, self._referral_offset),
            created_at=created_at,
            orders=orders,
        )

    def _moment_on(self, day: date) -> datetime:
        moment = self.utc(sample_local_time(self.rng, day))
        if moment > self.now:
            # Today's draw landed later than now: the order came in earlier today.
            moment = self.now - timedelta(seconds=self.rng.randrange(60, 4 * 3600))
        return moment

    def _history(self, first_at: datetime) -> list[OrderDraft]:
        rng = self.rng
        loyalty = draw_loyalty(rng)
        interest = rng.choices(CATEGORIES, weights=INTEREST_WEIGHTS)[0]
        at = first_at
        lines = self._first_lines(self.local(at).date(), interest)
        orders: list[OrderDraft] = []
        while True:
            orders.append(self._order(at, lines, len(orders)))
            if len(orders) >= MAX_ORDERS or rng.random() >= loyalty:
                return orders
            day = self._next_day(self.local(at).date(), lines)
            if day > self.today:
                return orders
            at = self._moment_on(day)
            lines = self._repeat_lines(day, lines, interest)

    def _next_day(self, last: date, lines: list[LineDraft]) -> date:
        rng = self.rng
        cycles = [
            (PRODUCTS[line.product].usage_days or 0) * line.quantity
            for line in lines
            if PRODUCTS[line.product].consumable
        ]
        if cycles:
            base = min(cycles)
            if rng.random() < 0.15:
                gap = rng.uniform(5, base)  # came back early for something else
            else:
                gap = base * rng.lognormvariate(0.1, 0.3)  # ran out, usually a little late
        else:
            maintenance = min(
                PRODUCTS[line.product].maintenance_interval_days or 180 for line in lines
            )
            if rng.random() < 0.4:
                gap = maintenance * rng.uniform(0.85, 1.3)
            else:
                gap = 14 + rng.expovariate(1 / 60)
        day = occasion_day(last + timedelta(days=max(3, round(gap))), rng)
        if day <= last:
            day = last + timedelta(days=3)
        if (end := holiday_end(day)) is not None:
            day = end + timedelta(days=rng.randrange(5))
        return day

    def _first_lines(self, day: date, interest: str) -> list[LineDraft]:
        rng = self.rng
        count = rng.choices((1, 2, 3, 4), weights=LINE_COUNT_WEIGHTS)[0]
        chosen: list[int] = []
        for _ in range(count):
            category = interest if rng.random() < 0.7 else None
            product = self.products.pick(rng, day, category)
            if product not in chosen:
                chosen.append(product)
        return [self._line(product, day) for product in chosen]

    def _repeat_lines(self, day: date, last: list[LineDraft], interest: str) -> list[LineDraft]:
        rng = self.rng
        chosen = [
            line.product
            for line in last
            if PRODUCTS[line.product].consumable
            and not PRODUCTS[line.product].tet_gift
            and rng.random() < 0.75
        ]
        has_machine = any(PRODUCTS[line.product].maintenance_interval_days for line in last)
        if has_machine and rng.random() < 0.3:
            chosen.append(DESCALER)
        if not chosen or rng.random() < 0.35:
            extra = self.products.pick(rng, day, interest if rng.random() < 0.6 else None)
            if extra not in chosen:
                chosen.append(extra)
        return [self._line(product, day) for product in chosen[:4]]

    def _line(self, product: int, day: date) -> LineDraft:
        spec = PRODUCTS[product]
        if spec.tet_gift and is_pre_tet(day):
            quantity = self.rng.choices((1, 2, 3, 5), weights=(50, 25, 15, 10))[0]
        elif spec.category == APPLIANCES and not spec.consumable:
            quantity = 1
        else:
            quantity = self.rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
        return LineDraft(product=product, quantity=quantity, unit_price_minor=spec.price_vnd)

    def _order(self, placed_at: datetime, lines: list[LineDraft], number: int) -> OrderDraft:
        day = self.local(placed_at).date()
        sequence = self._orders_per_day.get(day, 0) + 1
        self._orders_per_day[day] = sequence
        codes, percent_off = self._discount(day, number)
        subtotal = sum(line.quantity * line.unit_price_minor for line in lines)
        # VND prices end in thousands; so do discounted totals.
        total = round(subtotal * (100 - percent_off) / 100 / 1000) * 1000
        times = {s: t for s, t in self._lifecycle(placed_at).items() if t <= self.now}
        return OrderDraft(
            external_id=f"DH{day:%y%m%d}-{sequence:05d}",
            placed_at=placed_at,
            lines=lines,
            discount_codes=codes,
            total_minor=total,
            times=times,
            status=current_status(times),
        )

    def _discount(self, day: date, number: int) -> tuple[list[str], int]:
        rng = self.rng
        if (sale := sale_code(day)) is not None and rng.random() < 0.6:
            return [sale], 15 if sale in ("SALE1111", "SALE1212") else 10
        if is_pre_tet(day) and rng.random() < 0.35:
            tet = tet_for(day)
            assert tet is not None
            return [f"TET{tet.year}"], 10
        if number == 0 and rng.random() < 0.12:
            return ["WELCOME10"], 10
        if number >= 2 and rng.random() < 0.1:
            return ["KHACHQUEN5"], 5
        return [], 0

    def _lifecycle(self, placed: datetime) -> dict[str, datetime]:
        """placed -> paid -> shipped -> delivered (cash on delivery: paid when delivered),
        with some cancelled before shipping and some returned after delivery."""
        rng = self.rng
        roll = rng.random()
        times = {"placed": placed}
        prepaid = rng.random() < PREPAID_SHARE
        if prepaid:
            times["paid"] = placed + timedelta(minutes=1 + rng.expovariate(1 / 12))
        if roll < CANCEL_SHARE:
            times["cancelled"] = max(times.values()) + timedelta(hours=rng.uniform(0.3, 20))
            return times
        ready = times.get("paid", placed)
        shipped = self._after_holiday(ready + timedelta(hours=rng.uniform(3, 30)))
        delivered = self._after_holiday(shipped + timedelta(hours=rng.uniform(16, 96)))
        times["shipped"], times["delivered"] = shipped, delivered
        if not prepaid:
            times["paid"] = delivered
        if roll < CANCEL_SHARE + RETURN_SHARE:
            times["returned"] = delivered + timedelta(days=rng.uniform(1, 10))
        return times

    def _after_holiday(self, moment: datetime) -> datetime:
        """Couriers rest over Tết: anything due then happens after the holiday."""
        end = holiday_end(self.local(moment).date())
        if end is None:
            return moment
        hour = self.rng.randrange(8, 18)
        return self.utc(datetime(end.year, end.month, end.day, hour, self.rng.randrange(60)))
