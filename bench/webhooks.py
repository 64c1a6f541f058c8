"""Webhook ingest benchmark (not a unit test): signed Shopify order webhooks against a real
`careloop serve` (uvicorn), accepted into the ingest inbox, then applied by the worker's pass.

    .venv/bin/python bench/webhooks.py [--webhooks 5000] [--concurrency 32]
                                       [--database-url postgresql+psycopg://...] [--as-platforms]
                                       [--api-orders] [--workers 1]

Prints three rates and their ratios against a physical limit measured in the same run on the
same database: accepted webhooks/s against raw single-row INSERT + COMMIT of the same payloads
(what one durable acknowledgement costs at the least), and applied orders/s against raw
INSERTs of the same payloads in one transaction. By default the webhooks carry
`Prefer: respond-async` (RFC 7240), so every one is only stored; `--as-platforms` sends them as
Shopify does, without it, and the server applies a delivery inline whenever no backlog waits.
`--workers N` times the drain from the moment N worker processes are started and connected.
`--api-orders` sends the same orders to `POST /api/v1/orders` with `Prefer: respond-async`
instead (a new buyer each, as in a flash sale), the rows the worker applies set-based
(docs/decisions/0029-batched-apply.md); the applied rate is also shown against issue 23's
target of 500 orders/s. `--workers N` drains the backlog with N worker processes at once.
Afterwards it checks that every order is stored exactly once. Exit status 1 if not."""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _common import OUT, drain_inbox, fresh_sqlite, process_cpu_seconds, uptime
from load import SECRET, percentile, prepare, start_server

# Issue 23: the backlog applied at at least this many orders/s.
APPLY_TARGET = 500


def order_payload(n: int) -> bytes:
    """An `orders/create` body in the shape of Shopify's Order resource (the SDK sample,
    tests/fixtures/shopify/order.json, trimmed to what Careloop reads)."""
    data: dict[str, Any] = {
        "id": 7_000_000 + n,
        "name": f"#{1000 + n}",
        "created_at": "2026-11-11T09:00:00+07:00",
        "updated_at": "2026-11-11T09:00:00+07:00",
        "currency": "VND",
        "total_price": "450000.00",
        "financial_status": "paid",
        "processed_at": "2026-11-11T09:00:05+07:00",
        "fulfillment_status": None,
        "cancelled_at": None,
        "email": f"khach{n}@example.vn",
        "customer": {"id": 9_000_000 + n, "first_name": "Khách", "last_name": f"Hàng {n}"},
        "line_items": [
            {"sku": "CF-ARABICA-500", "title": "Arabica", "quantity": 1, "price": "450000.00"}
        ],
        "fulfillments": [],
        "refunds": [],
    }
    return json.dumps(data).encode()


def api_order_payload(n: int) -> bytes:
    """The same order as `order_payload`, as the REST API's OrderIn takes it."""
    data: dict[str, Any] = {
        "order_id": str(7_000_000 + n),
        "number": f"#{1000 + n}",
        "customer_id": str(9_000_000 + n),
        "customer_name": f"Khách Hàng {n}",
        "email": f"khach{n}@example.vn",
        "placed_at": "2026-11-11T09:00:00+07:00",
        "paid_at": "2026-11-11T09:00:05+07:00",
        "status": "paid",
        "total": "450000",
        "currency": "VND",
        "lines": [
            {
                "sku": "CF-ARABICA-500",
                "product_name": "Arabica",
                "quantity": 1,
                "unit_price": "450000",
            }
        ],
    }
    return json.dumps(data).encode()


def signed_headers(body: bytes, n: int, respond_async: bool) -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Webhook-Id": f"bench-{n}",
    }
    if respond_async:
        headers["Prefer"] = "respond-async"
    return headers


async def send_all(
    base: str,
    slug: str,
    bodies: list[bytes],
    concurrency: int,
    respond_async: bool,
    api_key: str | None = None,
) -> tuple[Counter[str], list[float], float]:
    """Send every body; `api_key` sends them as API orders (respond-async) instead."""
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    queue = list(enumerate(bodies))
    url = f"{base}/api/v1/webhooks/shopify/{slug}"
    if api_key is not None:
        url = f"{base}/api/v1/orders"
        api_headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {api_key}",
            "Prefer": "respond-async",
        }

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            n, body = queue.pop()
            started = time.perf_counter()
            headers = api_headers if api_key else signed_headers(body, n, respond_async)
            for attempt in range(3):  # a kept-alive connection the server just closed
                try:
                    response = await client.post(url, content=body, headers=headers)
                    break
                except httpx.TransportError:
                    if attempt == 2:
                        raise
            latencies.append(time.perf_counter() - started)
            if api_key is not None:
                statuses[str(response.status_code)] += 1
                continue
            ok = response.status_code == 200
            statuses[response.json().get("status", "?") if ok else str(response.status_code)] += 1

    limits = httpx.Limits(max_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return statuses, latencies, time.perf_counter() - started


def raw_limits(url: str, bodies: list[bytes]) -> tuple[float, float]:
    """Rows/s of the same payloads written with the database's own driver into a bare table:
    one INSERT + COMMIT per payload, and all in one transaction."""
    rows = [(n, body.decode()) for n, body in enumerate(bodies)]
    if url.startswith("sqlite"):
        path = fresh_sqlite("webhooks-raw.db")
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("CREATE TABLE one (id INTEGER PRIMARY KEY, n INTEGER, payload TEXT)")
        con.execute("CREATE TABLE many (id INTEGER PRIMARY KEY, n INTEGER, payload TEXT)")
        started = time.perf_counter()
        for row in rows:
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO one (n, payload) VALUES (?, ?)", row)
            con.execute("COMMIT")
        single = len(rows) / (time.perf_counter() - started)
        started = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO many (n, payload) VALUES (?, ?)", rows)
        con.execute("COMMIT")
        batch = len(rows) / (time.perf_counter() - started)
        con.close()
        return single, batch
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as con:
        for table in ("bench_raw_one", "bench_raw_many"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, n int, payload text)")
        started = time.perf_counter()
        for row in rows:
            con.execute("INSERT INTO bench_raw_one (n, payload) VALUES (%s, %s)", row)
        single = len(rows) / (time.perf_counter() - started)
        started = time.perf_counter()
        with con.transaction(), con.cursor() as cur:
            cur.executemany("INSERT INTO bench_raw_many (n, payload) VALUES (%s, %s)", rows)
        batch = len(rows) / (time.perf_counter() - started)
        for table in ("bench_raw_one", "bench_raw_many"):
            con.execute(f"DROP TABLE {table}")
    return single, batch


def stored_once(url: str, slug: str, count: int) -> list[str]:
    from sqlalchemy import func, select

    from careloop.db.engine import make_engine, make_session_factory
    from careloop.orders.models import Order
    from careloop.shops.models import Shop

    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        shop_id = session.scalar(select(Shop.id).where(Shop.slug == slug))
        found = session.execute(
            select(Order.external_id, func.count())
            .where(Order.shop_id == shop_id)
            .group_by(Order.external_id)
        ).all()
    engine.dispose()
    problems = [f"order {oid}: stored {n} times" for oid, n in found if n != 1]
    if len(found) != count:
        problems.append(f"{len(found)} orders stored, {count} sent")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webhooks", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in bench/out/")
    parser.add_argument("--as-platforms", action="store_true", help="no Prefer: respond-async")
    parser.add_argument("--api-orders", action="store_true", help="POST /api/v1/orders instead")
    parser.add_argument("--workers", type=int, default=1, help="worker processes draining")
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{fresh_sqlite('webhooks.db')}"
    database = url.split(":", 1)[0].split("+", 1)[0]
    payload = api_order_payload if args.api_orders else order_payload
    bodies = [payload(n) for n in range(args.webhooks)]
    slug, key = prepare(url)
    OUT.mkdir(exist_ok=True)
    uptime_before = uptime()
    server, base = start_server(url, OUT / f"webhooks-server-{database}.log")
    try:
        cpu_before = process_cpu_seconds(server.pid)
        statuses, latencies, accept_seconds = asyncio.run(
            send_all(
                base,
                slug,
                bodies,
                args.concurrency,
                not args.as_platforms,
                key if args.api_orders else None,
            )
        )
        server_cpu = process_cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    apply_cpu = time.process_time()
    applied, apply_seconds = drain_inbox(url, workers=args.workers)
    apply_cpu = time.process_time() - apply_cpu  # this process's share (1 worker: all of it)
    problems = stored_once(url, slug, args.webhooks)
    single, batch = raw_limits(url, bodies)

    accepted = args.webhooks / accept_seconds
    apply_rate = applied / apply_seconds if apply_seconds > 0 else float("nan")
    kind = "API orders" if args.api_orders else "webhook"
    mode = "as platforms" if args.as_platforms else "async"
    print(
        f"{kind} ingest ({database}, {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f},"
        f" concurrency {args.concurrency}, {mode}, {args.workers} worker(s))"
    )
    print(f"  uptime      before: {uptime_before}")
    print(f"              after:  {uptime()}")
    print(f"  answers     {dict(sorted(statuses.items()))}")
    print(
        f"  accepted    {accepted:>10,.0f} requests/s   ({accept_seconds:.1f} s;"
        f" p50 {percentile(latencies, 50) * 1000:.1f} ms,"
        f" p99 {percentile(latencies, 99) * 1000:.1f} ms)"
    )
    print(
        f"  server CPU  {server_cpu * 1000 / args.webhooks:>10.2f} ms per request"
        f"   (one core at that cost: {args.webhooks / server_cpu if server_cpu else 0:,.0f}/s)"
    )
    print(f"  limit       {single:>10,.0f} rows/s   raw INSERT + COMMIT per payload")
    print(f"  ratio       {accepted / single:>10.3f}")
    print(
        f"  applied     {apply_rate:>10,.0f} orders/s"
        f"   ({applied:,} inbox rows, {apply_seconds:.1f} s)"
    )
    if args.workers <= 1 and apply_cpu > 0:
        print(
            f"  apply CPU   {apply_cpu * 1000 / max(applied, 1):>10.2f} ms per row"
            f"   (one core at that cost: {applied / apply_cpu:,.0f} rows/s)"
        )
    print(f"  limit       {batch:>10,.0f} rows/s   raw INSERT of all payloads in one transaction")
    print(f"  ratio       {apply_rate / batch:>10.4f}")
    print(f"  target      {APPLY_TARGET:>10,} orders/s   (issue 23)")
    print(f"  ratio       {apply_rate / APPLY_TARGET:>10.2f}")
    print(f"  checked     {'every order stored once' if not problems else problems[:5]}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
