"""Support desk throughput against limits measured in the same run.

    .venv/bin/python bench/support.py [--n 2000] [--tickets 300]   (CARELOOP_DATABASE_URL to
    use PostgreSQL; default a throwaway SQLite file)

1. SLA computations/s: replaying a 9-event ticket history over the Vietnamese business calendar
   (lunch breaks, Sundays, Tết) next to the same replay on a 24x7 wall-clock policy (plain
   elapsed time, no calendar walking: the floor of the clock logic) and the ratio.
2. Ticket ingest/s: SMS replies through `ingest_customer_reply` (one transaction each: thread
   or open a ticket, events, SLA refresh, timeline) next to raw single-row INSERT
   transactions/s on the same database, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.settings import Settings
from careloop.customers.models import Customer
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.db.engine import make_engine, transaction
from careloop.db.migrate import upgrade
from careloop.shops.models import Shop
from careloop.shops.service import create_shop
from careloop.support.calendar import BusinessCalendar
from careloop.support.inbound import ingest_customer_reply
from careloop.support.sla import (
    STANDARD,
    CustomerReplied,
    SlaPolicy,
    StaffReplied,
    StatusChanged,
    TicketCreated,
    TicketEvent,
    TicketStatus,
    ticket_sla,
)

START = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)  # a week before Tết 2026


def history(offset: timedelta) -> list[TicketEvent]:
    t = START + offset
    h = timedelta(hours=1)
    return [
        TicketCreated(t),
        StaffReplied(t + 3 * h),
        StatusChanged(t + 3 * h, TicketStatus.PENDING_CUSTOMER),
        CustomerReplied(t + 30 * h),
        StaffReplied(t + 50 * h),
        CustomerReplied(t + 60 * h),
        StaffReplied(t + 100 * h),
        StatusChanged(t + 101 * h, TicketStatus.RESOLVED),
        CustomerReplied(t + 200 * h),
    ]


def sla_rate(n: int, policy: SlaPolicy, calendar: BusinessCalendar) -> float:
    histories = [history(timedelta(minutes=37 * (i % 500))) for i in range(n)]
    now = START + timedelta(days=30)
    started = time.perf_counter()
    for events in histories:
        ticket_sla(events, policy=policy, calendar=calendar, now=now)
    return n / (time.perf_counter() - started)


def raw_inserts(ctx: AppContext, n: int) -> float:
    with ctx.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER, v TEXT)"))
    started = time.perf_counter()
    for i in range(n):
        with ctx.engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_raw (id, v) VALUES (:i, 'x')"), {"i": i})
    return n / (time.perf_counter() - started)


def ingest_rate(ctx: AppContext, clock: VirtualClock, n: int) -> float:
    with transaction(ctx.sessions) as session:
        shop = create_shop(session=session, clock=clock, slug=f"bench{int(time.time())}")
        customers = [
            upsert_customer(
                session=session,
                clock=clock,
                shop=shop,
                data=CustomerIn(customer_id=f"C{i}", name="Lan", phone=f"09{i:08d}"),
            ).customer.id
            for i in range(max(n // 3, 1))
        ]
        shop_id = shop.id
    started = 0.0
    warm_up = 20  # first imports of the optional capabilities are not throughput
    for i in range(n + warm_up):
        if i == warm_up:
            started = time.perf_counter()
        clock.advance(timedelta(minutes=7))
        with transaction(ctx.sessions) as session:
            shop = session.get(Shop, shop_id)
            customer = session.get(Customer, customers[i % len(customers)])
            assert shop is not None and customer is not None
            ingest_customer_reply(
                session=session,
                clock=clock,
                shop=shop,
                customer=customer,
                channel="sms",
                text="Hàng bị vỡ rồi shop ơi" if i % 2 else "Shop ơi em chưa nhận được hàng",
                provider_ref=f"p{i}",
            )
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="SLA replays")
    parser.add_argument("--tickets", type=int, default=300, help="inbound messages")
    args = parser.parse_args()

    vietnam = BusinessCalendar.vietnam_default()
    wall = SlaPolicy("wall", *[timedelta(hours=24)] * 3, business_hours=False)
    sla_rate(50, STANDARD, vietnam)  # warm caches
    business = sla_rate(args.n, STANDARD, vietnam)
    floor = sla_rate(args.n, wall, vietnam)
    print(f"SLA replays/s, 24x7 wall-clock (floor):      {floor:10.0f}")
    print(
        f"SLA replays/s, business hours + holidays:    {business:10.0f}  "
        f"ratio {business / floor:.2f}"
    )

    url = os.environ.get("CARELOOP_DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    clock = VirtualClock(START)
    ctx = AppContext(settings=Settings(database_url=url), clock=clock, engine=engine)
    raw = raw_inserts(ctx, args.tickets)
    ingested = ingest_rate(ctx, clock, args.tickets)
    print(f"database: {engine.dialect.name}, {args.tickets} inbound messages")
    print(f"raw single-row INSERT transactions/s:        {raw:10.0f}")
    print(
        f"inbound replies ingested/s:                  {ingested:10.0f}  ratio {ingested / raw:.3f}"
    )
    engine.dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
