"""Loyalty throughput against the database's own limit, measured in the same run.

    .venv/bin/python bench/loyalty.py [--n 500] [--threads 4]    (CARELOOP_DATABASE_URL to
    use PostgreSQL; default a throwaway SQLite file)

Prints ledger postings/s (one transaction each: lock, settle expiry, insert, timeline event)
and concurrent coupon redemptions/s, each next to raw single-row INSERT transactions/s on
the same database, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import text

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.settings import Settings
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.db.engine import make_engine, transaction
from careloop.db.migrate import upgrade
from careloop.loyalty.coupons import issue_coupon, redeem_coupon
from careloop.loyalty.points import credit
from careloop.shops.models import Shop
from careloop.shops.service import create_shop


def raw_inserts(ctx: AppContext, n: int, threads: int) -> float:
    with ctx.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER, v INTEGER)"))

    def one(i: int) -> None:
        with ctx.engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_raw (id, v) VALUES (:i, :i)"), {"i": i})

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(n)))
    return n / (time.perf_counter() - started)


def postings(ctx: AppContext, shop: Shop, customer_ids: list[int], n: int, threads: int) -> float:
    def one(i: int) -> None:
        with transaction(ctx.sessions) as s:
            credit(
                session=s,
                clock=ctx.clock,
                shop_id=shop.id,
                customer_id=customer_ids[i % len(customer_ids)],
                points=10,
                reason="bench",
                idempotency_key=f"bench:{i}",
            )

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(n)))
    return n / (time.perf_counter() - started)


def redemptions(ctx: AppContext, shop: Shop, n: int, threads: int) -> float:
    with transaction(ctx.sessions) as s:
        code = issue_coupon(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=None,
            percent_off=5,
            max_uses=None,
            reason="bench",
            idempotency_key="bench-shared",
        ).code

    def one(i: int) -> None:
        with transaction(ctx.sessions) as s:
            redeem_coupon(
                session=s,
                clock=ctx.clock,
                shop=s.merge(shop),
                code=code,
                customer=None,
                order_ref=f"B-{i}",
                order_total_minor=100_000,
            )

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(n)))
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    url = os.environ.get("CARELOOP_DATABASE_URL") or (f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    engine = make_engine(url)
    upgrade(engine)
    clock = VirtualClock(datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    ctx = AppContext(
        settings=Settings(database_url=url, secret_key="bench"), clock=clock, engine=engine
    )
    slug = f"bench-{int(time.perf_counter() * 1000) % 10**8}"
    with transaction(ctx.sessions) as s:
        shop = create_shop(session=s, clock=clock, slug=slug)
        ids = [
            upsert_customer(
                session=s, clock=clock, shop=shop, data=CustomerIn(customer_id=f"B-{i}")
            ).customer.id
            for i in range(50)
        ]
    raw = raw_inserts(ctx, args.n, args.threads)
    posted = postings(ctx, shop, ids, args.n, args.threads)
    redeemed = redemptions(ctx, shop, args.n, args.threads)
    print(f"database: {engine.dialect.name}, {args.n} operations, {args.threads} threads")
    print(f"raw single-row INSERT transactions/s: {raw:10.0f}")
    print(f"ledger postings/s:                    {posted:10.0f}  ratio {posted / raw:.2f}")
    print(f"coupon redemptions/s (concurrent):    {redeemed:10.0f}  ratio {redeemed / raw:.2f}")


if __name__ == "__main__":
    main()
