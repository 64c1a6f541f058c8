"""Ingestion benchmark (not a test): CSV import, the HTTP API, and the raw SQLite limit.

    .venv/bin/python bench/ingest.py [--lines 1000000] [--api-orders 20000]
                                     [--database-url postgresql+psycopg://...]

Generates a realistic orders CSV (fixed seed) in bench/out/, imports it with
`careloop.imports.run_import` into a fresh database, posts orders to a real
`careloop serve` through HTTP with a few concurrent connections, and measures the limit:
plain `sqlite3` executemany of the same lines into a fresh file on the same disk.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _common import OUT, free_port, fresh_sqlite, peak_rss_mb, rate, stopwatch

SEED = 20260101
# History ends here (fixed, so the file is the same on every machine and every day).
END = datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
HISTORY_DAYS = 548  # 18 months
# Share of orders placed by a returning customer (~300k customers per 1M lines).
REPEAT_SHARE = 0.21
API_THREADS = 4

HEADER = (
    "order_id",
    "customer_id",
    "placed_at",
    "total",
    "status",
    "currency",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "returned_at",
    "cancelled_at",
    "discount_code",
    "customer_name",
    "email",
    "phone",
)
PRODUCTS = [
    ("CF-ARABICA-500", "Cà phê Arabica Cầu Đất 500g", 225_000),
    ("CF-ROBUSTA-500", "Cà phê Robusta Buôn Ma Thuột 500g", 160_000),
    ("CF-CULI-250", "Cà phê Culi 250g", 95_000),
    ("CF-PHIN-SET", "Bộ phin nhôm", 45_000),
    ("CF-COLD-BREW", "Cold brew 1L", 120_000),
    ("CS-SERUM-30", "Serum vitamin C 30ml", 390_000),
    ("CS-SUNSCREEN", "Kem chống nắng SPF50 50ml", 285_000),
    ("CS-TONER-150", "Nước hoa hồng 150ml", 210_000),
    ("CS-CLEANSER", "Sữa rửa mặt 120ml", 175_000),
    ("CS-MASK-10", "Mặt nạ giấy (10 miếng)", 150_000),
    ("CS-LIPBALM", "Son dưỡng môi", 89_000),
    ("AP-GRINDER", "Máy xay cà phê mini", 890_000),
    ("AP-KETTLE", "Ấm đun siêu tốc 1.7L", 450_000),
    ("AP-AIRFRYER", "Nồi chiên không dầu 5L", 1_890_000),
    ("AP-BLENDER", "Máy xay sinh tố", 1_250_000),
    ("AP-FILTER", "Lõi lọc máy lọc nước", 320_000),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Thị", "Văn", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Quang", "Thu", "Hoài"]
GIVEN = ["Lan", "Minh", "Hương", "Tuấn", "Anh", "Hà", "Phương", "Dũng", "Linh", "Nam", "Trang"]
MOBILE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "086", "088", "070", "079"]
# status -> share of orders (cumulative draw below)
STATUS_MIX = [
    ("delivered", 0.80),
    ("returned", 0.03),
    ("cancelled", 0.05),
    ("shipped", 0.05),
    ("paid", 0.04),
    ("placed", 0.03),
]


@dataclass
class GeneratedOrder:
    order_id: str
    customer: int
    placed_at: datetime
    status: str
    times: dict[str, datetime]
    lines: list[tuple[str, str, int, int]]
    discount_code: str

    @property
    def total(self) -> int:
        return sum(q * p for _, _, q, p in self.lines)


def customer_profile(c: int) -> tuple[str, str, str]:
    """Name, email and phone of customer `c`, a pure function of `c`."""
    name = f"{FAMILY[c % 11]} {MIDDLE[(c // 11) % 10]} {GIVEN[(c // 110) % 11]}"
    prefix = MOBILE_PREFIXES[c % len(MOBILE_PREFIXES)]
    number = f"{(c * 7919) % 10_000_000:07d}"
    phone = f"{prefix}{number}" if c % 3 else f"+84 {prefix[1:]} {number[:3]} {number[3:]}"
    return name, f"kh{c}@example.vn", phone


def generate_orders(lines: int, seed: int = SEED) -> Iterator[GeneratedOrder]:
    """Orders until `lines` order lines: ~lines*0.3 customers, a fifth of orders repeat."""
    rng = random.Random(seed)
    start = END - timedelta(days=HISTORY_DAYS)
    seen = written = n = 0
    while written < lines:
        n += 1
        if seen and rng.random() < REPEAT_SHARE:
            # Regulars: earlier customers come back more often.
            customer = int(seen * rng.random() ** 2)
        else:
            customer, seen = seen, seen + 1
        day = rng.random() ** 0.8 * HISTORY_DAYS  # more recent orders: a growing shop
        placed = start + timedelta(days=day, seconds=rng.randrange(86_400))
        placed = placed.replace(microsecond=0)
        count = min(lines - written, rng.choice((1, 1, 2, 2, 3, 3, 4, 5)))
        items = rng.sample(PRODUCTS, count)
        order_lines = [
            (sku, name, rng.choice((1, 1, 1, 2, 3)), price) for sku, name, price in items
        ]
        status = _draw_status(rng)
        times = _status_times(rng, status, placed)
        code = rng.choice(("", "", "", "", "TET10", "FREESHIP", "WELCOME"))
        written += count
        yield GeneratedOrder(f"DH{n:08d}", customer, placed, status, times, order_lines, code)


def _draw_status(rng: random.Random) -> str:
    x = rng.random()
    for status, share in STATUS_MIX:
        if x < share:
            return status
        x -= share
    return "delivered"


def _status_times(rng: random.Random, status: str, placed: datetime) -> dict[str, datetime]:
    if status == "placed":
        return {}
    if status == "cancelled":
        return {"cancelled": placed + timedelta(hours=rng.randint(1, 48))}
    times = {"paid": placed + timedelta(minutes=rng.randint(1, 120))}
    if status in ("shipped", "delivered", "returned"):
        times["shipped"] = times["paid"] + timedelta(hours=rng.randint(4, 36))
    if status in ("delivered", "returned"):
        times["delivered"] = times["shipped"] + timedelta(hours=rng.randint(24, 96))
    if status == "returned":
        times["returned"] = times["delivered"] + timedelta(days=rng.randint(1, 14))
    return times


def write_csv(path: Path, lines: int) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for order in generate_orders(lines):
            name, email, phone = customer_profile(order.customer)
            times = [
                order.times.get(s)
                for s in ("paid", "shipped", "delivered", "returned", "cancelled")
            ]
            for sku, product, quantity, price in order.lines:
                writer.writerow(
                    (
                        order.order_id,
                        f"KH{order.customer:07d}",
                        order.placed_at.isoformat(),
                        order.total,
                        order.status,
                        "VND",
                        sku,
                        product,
                        quantity,
                        price,
                        *(t.isoformat() if t else "" for t in times),
                        order.discount_code,
                        name,
                        email,
                        phone,
                    )
                )
    tmp.replace(path)


def order_json(order: GeneratedOrder) -> dict[str, Any]:
    name, email, phone = customer_profile(order.customer)
    return {
        "order_id": order.order_id,
        "customer_id": f"KH{order.customer:07d}",
        "placed_at": order.placed_at.isoformat(),
        "total": str(order.total),
        "status": order.status,
        "currency": "VND",
        "lines": [
            {"sku": s, "product_name": p, "quantity": q, "unit_price": str(u)}
            for s, p, q, u in order.lines
        ],
        "discount_codes": [order.discount_code] if order.discount_code else [],
        **{f"{s}_at": t.isoformat() for s, t in order.times.items()},
        "customer_name": name,
        "email": email,
        "phone": phone,
    }


# --- the three measurements ----------------------------------------------------------


def prepare_database(url: str, slug: str) -> None:
    """Schema and a shop in the database behind `url`."""
    from careloop.core.clock import SystemClock
    from careloop.db.engine import make_engine, make_session_factory, transaction
    from careloop.db.migrate import upgrade
    from careloop.shops.service import create_shop

    engine = make_engine(url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        create_shop(session=session, clock=SystemClock(), slug=slug, name="Benchmark")
    engine.dispose()


def measure_import(
    url: str, csv_path: Path, progress: bool, per_row: bool = False
) -> tuple[Any, float, float, float]:
    """(summary, wall seconds, CPU seconds of this process, peak RSS MB). `per_row` runs
    the per-row path SQLite used before the staged import (docs/decisions/0034)."""
    from careloop.context import build_context
    from careloop.core.settings import Settings
    from careloop.imports import run_import
    from careloop.imports.orders import import_orders
    from careloop.shops.service import get_shop

    slug = f"bench-{uuid.uuid4().hex[:8]}"
    prepare_database(url, slug)
    ctx = build_context(Settings(database_url=url))
    with ctx.sessions() as session:
        shop = get_shop(session, slug)
    cpu = time.process_time()
    with stopwatch() as watch:
        if per_row:
            summary = import_orders(ctx, shop, csv_path, progress=progress, staged=False)
        else:
            summary = run_import(ctx, shop, "orders", csv_path, progress=progress)
    cpu = time.process_time() - cpu
    ctx.engine.dispose()
    # Generating the CSV streams, so the process peak is the import's.
    return summary, watch.seconds, cpu, peak_rss_mb()


def measure_raw_limit(csv_path: Path) -> tuple[int, float]:
    """csv.reader + sqlite3 executemany of the same lines, one transaction, same pragmas."""
    path = fresh_sqlite("raw-limit.db")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE order_lines (id INTEGER PRIMARY KEY, order_id TEXT, customer_id TEXT,"
        " sku TEXT, product_name TEXT, quantity INTEGER, unit_price INTEGER)"
    )
    rows = 0
    with stopwatch() as watch, csv_path.open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        next(reader)
        conn.execute("BEGIN")
        chunk: list[tuple[str, ...]] = []
        for record in reader:
            chunk.append((record[0], record[1], record[6], record[7], record[8], record[9]))
            if len(chunk) == 10_000:
                conn.executemany("INSERT INTO order_lines VALUES (NULL,?,?,?,?,?,?)", chunk)
                rows += len(chunk)
                chunk = []
        conn.executemany("INSERT INTO order_lines VALUES (NULL,?,?,?,?,?,?)", chunk)
        rows += len(chunk)
        conn.execute("COMMIT")
    conn.close()
    return rows, watch.seconds


def measure_api(url: str, orders: int, seed_lines: int) -> tuple[int, int, float]:
    """POST /api/v1/orders to a real `careloop serve` with API_THREADS connections."""
    from careloop.core.clock import SystemClock
    from careloop.db.engine import make_engine, make_session_factory, transaction
    from careloop.shops.service import create_api_key, get_shop

    slug = f"api-{uuid.uuid4().hex[:8]}"
    prepare_database(url, slug)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        key = create_api_key(session=session, clock=SystemClock(), shop=get_shop(session, slug))
    engine.dispose()
    payloads = [
        order_json(o) for _, o in zip(range(orders), generate_orders(seed_lines), strict=False)
    ]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "careloop.cli", "serve", "--no-worker", "--port", str(port)],
        env={**os.environ, "CARELOOP_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base)
        headers = {"Authorization": f"Bearer {key}"}
        shards = [payloads[i::API_THREADS] for i in range(API_THREADS)]

        def post_all(shard: list[dict[str, Any]]) -> int:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                for payload in shard:
                    response = client.post("/api/v1/orders", json=payload)
                    response.raise_for_status()
            return len(shard)

        with stopwatch() as watch, ThreadPoolExecutor(API_THREADS) as pool:
            posted = sum(pool.map(post_all, shards))
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = sum(len(p["lines"]) for p in payloads)
    return posted, lines, watch.seconds


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {base} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="order lines in the CSV")
    parser.add_argument("--api-orders", type=int, default=20_000, help="orders posted via HTTP")
    parser.add_argument("--database-url", help="default: fresh SQLite files in bench/out/")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--per-row", action="store_true", help="import through the per-row path (as before 0034)"
    )
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    csv_path = OUT / f"orders-{args.lines}-{SEED}-v2.csv"
    if not csv_path.exists():
        with stopwatch() as gen:
            write_csv(csv_path, args.lines)
        print(
            f"generated {csv_path} ({csv_path.stat().st_size / 1e6:.0f} MB) in {gen.seconds:.0f} s"
        )
    import_url = args.database_url or f"sqlite:///{fresh_sqlite('import.db')}"
    api_url = args.database_url or f"sqlite:///{fresh_sqlite('api.db')}"
    database = "postgresql" if import_url.startswith("postgresql") else "sqlite"

    summary, import_s, import_cpu, rss = measure_import(
        import_url, csv_path, not args.no_progress, per_row=args.per_row
    )
    raw_rows, raw_s = measure_raw_limit(csv_path)
    api_orders, api_lines, api_s = (0, 0, 0.0)
    if args.api_orders:
        api_orders, api_lines, api_s = measure_api(api_url, args.api_orders, args.lines)

    limit = raw_rows / raw_s
    load = os.getloadavg()[0]
    print()
    print(
        f"ingest benchmark ({database}, {os.cpu_count()} CPU, load {load:.1f},"
        f" Python {sys.version.split()[0]})"
    )
    print(f"  {summary}")
    report("CSV import", summary.rows, "lines", import_s, limit)
    path = "per-row path" if args.per_row else "default path"
    print(
        f"{'':15}CPU {import_cpu:.1f} s = {import_cpu / max(summary.rows, 1) * 1e6:.0f} µs/line"
        f" ({path}; SQLite runs in-process), peak RSS {rss:,.0f} MB"
    )
    if api_orders:
        report("HTTP API", api_orders, "orders", api_s, limit / (api_lines / api_orders))
        print(f"{'':15}{api_lines:,} lines, {API_THREADS} connections")
    report("raw limit", raw_rows, "lines", raw_s, limit)
    print(f"{'':15}csv.reader + sqlite3 executemany into one table, same disk")


def report(what: str, count: int, unit: str, seconds: float, limit: float) -> None:
    """One result line; `limit` is the raw rate in the same unit."""
    print(
        f"  {what:<12} {count:>10,} {unit:<6} in {seconds:7.1f} s {rate(count, seconds)}"
        f"   {count / seconds / limit:6.3f} x limit"
    )


if __name__ == "__main__":
    main()
