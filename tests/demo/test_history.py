from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import cache

from careloop.demo.calendar import holiday_end, sale_code, tet_factor, tet_for
from careloop.demo.catalog import PRODUCTS
from careloop.demo.history import HISTORY_DAYS, CustomerDraft, HistoryGenerator

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
VN = timedelta(hours=7)


def generate(n: int, seed: int = 42) -> list[CustomerDraft]:
    return list(HistoryGenerator(random.Random(seed), NOW, VN).customers(n))


@cache
def shop_of_2000() -> tuple[CustomerDraft, ...]:
    return tuple(generate(2000))


def local_day(moment: datetime) -> date:
    return (moment + VN).date()


def test_same_seed_same_history_and_a_smaller_shop_is_a_prefix_of_a_bigger_one() -> None:
    assert generate(300) == generate(300)
    assert generate(100) == generate(300)[:100]
    assert generate(100, seed=1) != generate(100, seed=2)


def test_orders_span_18_months_ending_now() -> None:
    orders = [o for c in shop_of_2000() for o in c.orders]
    assert min(o.placed_at for o in orders) >= NOW - timedelta(days=HISTORY_DAYS + 1)
    assert max(o.placed_at for o in orders) <= NOW
    assert all(t <= NOW for o in orders for t in o.times.values())
    assert (NOW - max(o.placed_at for o in orders)) < timedelta(days=1)


def test_repeat_rate_is_realistic_with_a_heavy_tail_of_regulars() -> None:
    counts = Counter(len(c.orders) for c in shop_of_2000() if c.orders)
    buyers = sum(counts.values())
    repeat_rate = sum(n for k, n in counts.items() if k >= 2) / buyers
    assert 0.25 <= repeat_rate <= 0.35
    assert counts[1] > counts[2] > counts[3] > counts[4]
    assert max(counts) >= 10
    never_bought = sum(1 for c in shop_of_2000() if not c.orders)
    assert 0 < never_bought < 0.1 * 2000


def test_orders_peak_before_tet_and_dip_during_the_holiday() -> None:
    days = Counter(local_day(o.placed_at) for c in shop_of_2000() for o in c.orders)
    tet = date(2026, 2, 17)

    def window(first: int, last: int) -> int:
        return sum(days[tet + timedelta(days=d)] for d in range(first, last))

    before_tet = window(-28, -1)
    a_month_earlier = window(-84, -57)
    a_month_later = window(35, 62)
    assert before_tet > 1.5 * a_month_earlier
    assert before_tet > 1.5 * a_month_later
    assert window(0, 5) / 5 < 0.5 * before_tet / 27


def test_the_tet_month_is_the_peak_of_the_monthly_counts() -> None:
    months = Counter(
        local_day(o.placed_at).strftime("%Y-%m") for c in shop_of_2000() for o in c.orders
    )
    full_months = [n for m, n in months.items() if "2025-06" <= m <= "2026-10"]
    assert months["2026-02"] == max(full_months)
    assert months["2026-02"] > 1.2 * statistics.median(full_months)


def test_double_day_sales_spike_orders() -> None:
    days = Counter(local_day(o.placed_at) for c in shop_of_2000() for o in c.orders)
    for sale in (date(2025, 11, 11), date(2025, 12, 12)):
        around = [days[sale + timedelta(days=d)] for d in (-14, -10, -7, 7, 10, 14)]
        assert days[sale] > 2 * statistics.mean(around)


def test_statuses_include_returns_cancellations_and_orders_in_flight() -> None:
    orders = [o for c in shop_of_2000() for o in c.orders]
    statuses = Counter(o.status for o in orders)
    assert 0.02 < statuses["cancelled"] / len(orders) < 0.06
    assert 0.015 < statuses["returned"] / len(orders) < 0.045
    assert statuses["delivered"] / len(orders) > 0.8
    recent = [o for o in orders if o.placed_at > NOW - timedelta(days=1)]
    assert recent and all(o.status in ("placed", "paid", "shipped", "cancelled") for o in recent)
    assert {"placed", "shipped"} <= {o.status for o in recent}


def test_status_times_follow_the_lifecycle() -> None:
    for customer in shop_of_2000()[:500]:
        for order in customer.orders:
            t = order.times
            assert t["placed"] == order.placed_at
            if "shipped" in t:
                assert t["placed"] < t["shipped"] < t.get("delivered", NOW + VN)
                assert "cancelled" not in t
            if "returned" in t:
                assert t["delivered"] < t["returned"]
            if "paid" in t and "delivered" in t:
                assert t["paid"] <= t["delivered"]


def test_nothing_ships_during_the_tet_holiday() -> None:
    for customer in shop_of_2000():
        for order in customer.orders:
            for status in ("shipped", "delivered"):
                if status in order.times:
                    assert holiday_end(local_day(order.times[status])) is None


def test_consumables_are_rebought_about_when_they_run_out() -> None:
    gaps: dict[str, list[int]] = {}
    for customer in shop_of_2000():
        last_bought: dict[int, datetime] = {}
        for order in customer.orders:
            for line in order.lines:
                if line.product in last_bought and line.quantity == 1:
                    days = (order.placed_at - last_bought[line.product]).days
                    gaps.setdefault(PRODUCTS[line.product].sku, []).append(days)
                last_bought[line.product] = order.placed_at
    robusta = statistics.median(gaps["MOC-CF-ROBUSTA-500"])
    toner = statistics.median(gaps["MOC-SK-TOAN-200"])
    assert 15 <= robusta <= 35  # usage_days 21
    assert 40 <= toner <= 90  # usage_days 60


def test_orders_have_one_to_four_lines_vnd_totals_and_some_discount_codes() -> None:
    orders = [o for c in shop_of_2000() for o in c.orders]
    assert {len(o.lines) for o in orders} <= {1, 2, 3, 4}
    assert all(o.total_minor % 1000 == 0 and o.total_minor > 0 for o in orders)
    codes = Counter(code for o in orders for code in o.discount_codes)
    assert {"SALE1111", "TET2026", "WELCOME10"} <= set(codes)
    assert 0.05 < sum(codes.values()) / len(orders) < 0.3
    assert len({o.external_id for o in orders}) == len(orders)


def test_tet_calendar_knows_the_lunar_new_year_dates() -> None:
    for tet in (date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2031, 1, 23)):
        assert tet_for(tet) == tet
    assert tet_for(date(2030, 1, 20)) == date(2030, 2, 2)  # Hanoi's new moon, not Beijing's 3 Feb
    assert tet_for(date(2030, 12, 20)) == date(2031, 1, 23)  # the season starts in December
    assert tet_factor(date(2026, 2, 10)) > 2 > tet_factor(date(2026, 2, 18))
    assert holiday_end(date(2026, 2, 18)) == date(2026, 2, 22)
    assert sale_code(date(2025, 11, 11)) == "SALE1111" and sale_code(date(2025, 11, 20)) is None
