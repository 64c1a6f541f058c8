"""The figures counted in SQL (cohorts, period sales, churn, monthly revenue, referrals)
equal the straightforward Python over every sale, on a shop with the awkward cases:
cancelled and returned orders, orders at the shop's local month boundaries, customers
with a single order, and a customer of another shop."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.timeline import record_event
from careloop.metrics import sources
from careloop.metrics.cohorts import Cohort, cohorts, month_index, month_label
from careloop.metrics.periods import month_period
from careloop.metrics.service import compute_kpis
from careloop.segments.churn import churn_rate
from careloop.shops.models import Shop
from tests.conftest import ShopFactory
from tests.segments.factories import add_customer, add_order

STATUSES = ["delivered"] * 6 + ["paid", "shipped", "cancelled", "returned"]


def python_cohorts(session: Session, shop: Shop, end: datetime, months: int = 12) -> list[Cohort]:
    """The cohorts as first written: every sale loaded and grouped in Python."""
    tz = ZoneInfo(shop.timezone)
    by_customer: dict[int, list[sources.Sale]] = defaultdict(list)
    for s in sources.sales(session, shop.id, end=end):
        by_customer[s.customer_id].append(s)
    last = month_index(end, tz) if by_customer else 0
    members: dict[int, list[list[sources.Sale]]] = defaultdict(list)
    for rows in by_customer.values():
        rows.sort(key=lambda s: s.placed_at)
        first = month_index(rows[0].placed_at, tz)
        if first > last - months:
            members[first].append(rows)
    out = []
    for first in sorted(members):
        group = members[first]
        n = len(group)
        active = [0] * (last - first)
        for rows in group:
            for k in {month_index(s.placed_at, tz) - first for s in rows[1:]}:
                if 1 <= k <= len(active):
                    active[k - 1] += 1
        out.append(
            Cohort(
                month=month_label(first),
                customers=n,
                repeat_purchase_rate=round(sum(1 for r in group if len(r) >= 2) / n, 4),
                clv_historical_mean=round(sum(s.total_minor for r in group for s in r) / n, 2),
                orders_per_customer=round(sum(len(r) for r in group) / n, 3),
                retention=[round(a / n, 4) for a in active],
            )
        )
    return out


@pytest.fixture
def busy_shop(ctx: AppContext, make_shop: ShopFactory, clock: VirtualClock) -> Shop:
    """40 customers over 15 months, some orders exactly at local midnight on the 1st."""
    shop = make_shop("busy")
    other = make_shop("other")
    tz = ZoneInfo(shop.timezone)
    now = clock.now()
    rng = random.Random(7)
    with ctx.sessions() as s, s.begin():
        for i in range(40):
            c = add_customer(s, shop, f"C{i}", created_at=now - timedelta(days=500))
            n = 1 if i % 5 == 0 else rng.randint(1, 9)
            for j in range(n):
                if j == 0 and i % 7 == 0:
                    # Local midnight on the 1st, and the microsecond before it.
                    local = (now - timedelta(days=rng.randint(30, 420))).astimezone(tz)
                    at = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                    at -= timedelta(microseconds=i % 2)
                else:
                    at = now - timedelta(days=rng.uniform(0, 450))
                status = STATUSES[rng.randrange(len(STATUSES))]
                add_order(
                    s,
                    shop,
                    c,
                    at,
                    rng.randint(1, 50) * 10_000,
                    status=status,
                    external_id=f"C{i}-{j}",
                )
            if i % 6 == 0:
                record_event(
                    session=s,
                    clock=clock,
                    shop_id=shop.id,
                    customer_id=c.id,
                    type="referral.converted",
                    occurred_at=now - timedelta(days=i),
                    payload={"referral_id": i},
                )
        stranger = add_customer(s, other, "X", created_at=now)
        add_order(s, other, stranger, now - timedelta(days=3), 990_000)
    return shop


def test_sql_cohorts_equal_the_python_grouping_of_every_sale(
    ctx: AppContext, busy_shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s:
        for end in (clock.now(), month_period(busy_shop, "2026-01")[0]):
            expected = python_cohorts(s, busy_shop, end)
            assert expected, "the shop has cohorts"
            assert cohorts(session=s, shop=busy_shop, end=end) == expected


def test_sql_period_sales_and_churn_equal_the_python_counts(
    ctx: AppContext, busy_shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s:
        end = clock.now()
        for days in (30, 90, 365):
            start = end - timedelta(days=days)
            rows = sources.sales(s, busy_shop.id, start=start, end=end)
            per: dict[int, int] = defaultdict(int)
            for r in rows:
                per[r.customer_id] += 1
            got = sources.period_sales(s, busy_shop.id, start=start, end=end)
            assert got == sources.PeriodSales(
                buyers=len(per),
                repeaters=sum(1 for n in per.values() if n >= 2),
                orders=len(rows),
                revenue_minor=sum(r.total_minor for r in rows),
            )
        # A 90-day period: its churn is the 90-day-window churn of segments/churn.py.
        report = compute_kpis(session=s, shop=busy_shop, start=end - timedelta(days=90), end=end)
        rate = churn_rate(
            session=s, shop_id=busy_shop.id, end=end - timedelta(microseconds=1), window_days=90
        )
        churn = report.kpis["churn_rate"]
        assert rate.rate is not None
        assert (churn.value, churn.sample) == (round(rate.rate, 4), rate.active_before)


def test_monthly_revenue_and_referrals_equal_the_python_sums(
    ctx: AppContext, busy_shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s:
        end = clock.now()
        idx = month_index(end, ZoneInfo(busy_shop.timezone))
        bounds = [month_period(busy_shop, month_label(idx - k)) for k in range(6, -1, -1)]
        expected = [
            sum(x.total_minor for x in sources.sales(s, busy_shop.id, start=a, end=b))
            for a, b in bounds
        ]
        assert sources.monthly_revenue(s, busy_shop.id, bounds) == expected
        assert any(expected)
        buyers = {x.customer_id for x in sources.sales(s, busy_shop.id, end=end)}
        referrers = {
            e.customer_id for e in sources.events(s, busy_shop.id, ("referral.converted",), end=end)
        }
        advocates = sources.converted_referrers_with_sales(s, busy_shop.id, end=end)
        assert advocates == len(referrers & buyers) > 0


def test_a_shop_without_sales_has_no_cohorts(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s:
        assert cohorts(session=s, shop=shop, end=datetime(2026, 1, 1, tzinfo=UTC)) == []


def test_revenue_from_new_and_returning_customers_equals_the_python_split(
    ctx: AppContext, busy_shop: Shop, clock: VirtualClock
) -> None:
    from careloop.web.ui.dashboard import revenue_new_vs_returning

    with ctx.sessions() as s:
        now = clock.now()
        tz = ZoneInfo(busy_shop.timezone)
        sales = sources.sales(s, busy_shop.id, end=now)
        first: dict[int, datetime] = {}
        for x in sales:
            first[x.customer_id] = min(first.get(x.customer_id, x.placed_at), x.placed_at)
        labels, new, returning = revenue_new_vs_returning(s, busy_shop, now)
        for label, got_new, got_returning in zip(labels, new, returning, strict=True):
            start, end = month_period(busy_shop, label)
            in_month = [x for x in sales if start <= x.placed_at < end]
            first_here = [
                x
                for x in in_month
                if month_index(first[x.customer_id], tz) == month_index(start, tz)
            ]
            assert got_new == sum(x.total_minor for x in first_here)
            assert got_returning == sum(x.total_minor for x in in_month) - got_new
        assert any(new) and any(returning)
