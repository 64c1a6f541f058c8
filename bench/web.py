"""Staff web app speed (not a test): p50/p95 of every main staff page on a big shop.

    .venv/bin/python bench/web.py [--customers 100000] [--orders 1000000] [--repeat 20]
                                  [--rebuild] [--database-url postgresql+psycopg://...]
    bash scripts/with-postgres.sh .venv/bin/python bench/web.py --postgres

Builds (once; cached in bench/out/, or kept in the given database) the demo shop "demo"
with `careloop demo` (staff, catalogue, loyalty, journeys, tickets for its first 2,000
customers), then grows it with bulk inserts (fixed seed) to `--customers` customers and
`--orders` orders, with their timeline events (orders, surveys, reviews, journey
messages), messages, survey responses, reviews and loyalty members, and computes RFM
segments with the real job. Then it starts `careloop serve --no-worker`, logs in through
the login form as the owner and requests every main staff page: once cold (the first
request, caches empty) and `--repeat` times warm, printing p50/p95 per page and flagging
pages over the limit (150 ms at p95, issue 9).

The figure snapshots behind the overview, journeys and reports pages are computed first
with `careloop metrics refresh` (what the worker keeps doing in production), and the bench
says so. With `--while-writing` a writer posts a real new order through the API before
every measured request, so anything keyed on the data version is behind at every view, as
in a live shop; pages that show figures as of a time print it (the snapshot's age).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _common import OUT, stopwatch
from load import cli, percentile, start_server

SEED = 9
LIMIT_MS = 150.0
DEMO_CUSTOMERS = 2000  # built by `careloop demo` with every capability's extra data
BATCH = 5000  # customers per transaction while growing the shop
HISTORY_DAYS = 548
VERSION = 1  # bump when the generated data changes shape, so a cached file is rebuilt
PASSWORD = "careloop-demo"
OWNER = "owner@demo.local"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"|name="csrf-token" content="([^"]+)"')
STATUSES = [("delivered", 0.86), ("cancelled", 0.05), ("returned", 0.03), ("shipped", 0.03)]
STATUSES.append(("paid", 1 - sum(s for _, s in STATUSES)))
JOURNEY_STEPS = [("post_purchase", "thank_you"), ("post_purchase", "review_request")]
JOURNEY_STEPS += [("win_back", "day_60"), ("birthday", "gift")]


def table(name: str) -> Any:
    import careloop.db.models as models

    return models.Base.metadata.tables[name]


def _status(rng: random.Random) -> str:
    x = rng.random()
    for status, share in STATUSES:
        if x < share:
            return status
        x -= share
    return "delivered"


def _order_counts(rng: random.Random, customers: int, orders: int) -> list[int]:
    """Orders per customer: at least one, skewed (a few loyal customers order a lot)."""
    weights = [rng.expovariate(1.0) ** 1.5 for _ in range(customers)]
    spare = orders - customers
    scale = spare / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    for i in range(orders - sum(counts)):
        counts[i % customers] += 1
    return counts


class Grower:
    """Bulk rows for customers beyond the demo's, in the shapes the services write."""

    def __init__(self, shop_id: int, now: datetime, product_ids: list[tuple[int, str, str, int]]):
        self.shop_id = shop_id
        self.now = now
        self.products = product_ids
        self.rng = random.Random(SEED)
        self.message_no = 0

    def batch(self, session: Any, first: int, counts: list[int]) -> int:
        from careloop.customers.search_key import customer_search_key
        from careloop.demo.people import draw_person

        rng = self.rng
        customers = []
        for i, _ in enumerate(counts):
            person = draw_person(rng, self.now.date())
            created = self.now - timedelta(days=rng.uniform(0, HISTORY_DAYS))
            row = {
                "shop_id": self.shop_id,
                "external_id": f"BW{first + i:07d}",
                "name": person.name,
                "email": person.email,
                "phone": person.phone,
                "zalo_user_id": person.zalo_user_id,
                "birthday": person.birthday,
                "locale": person.locale,
                "timezone": "Asia/Ho_Chi_Minh",
                "preferred_channel": person.preferred_channel,
                "tags": person.tags,
                "referral_code": f"W{first + i:07d}",
                "created_at": created,
                "updated_at": created,
                "erased_at": None,
            }
            row["search_key"] = customer_search_key(
                name=person.name, email=person.email, phone=person.phone
            )
            customers.append(row)
        from sqlalchemy import insert

        ids = list(
            session.execute(
                insert(table("customers")).returning(
                    table("customers").c.id, sort_by_parameter_order=True
                ),
                customers,
            ).scalars()
        )
        orders, events, lines_for = [], [], []
        for cid, row, n in zip(ids, customers, counts, strict=True):
            events.append(self._event(cid, None, "customer.created", row["created_at"], {}))
            for k in range(n):
                placed = row["created_at"] + (self.now - row["created_at"]) * rng.random() ** 2
                placed = placed if k else row["created_at"]
                status = _status(rng)
                product = rng.choice(self.products)
                qty = rng.choice((1, 1, 1, 2, 3))
                ext = f"{row['external_id']}-{k:03d}"
                order = {
                    "shop_id": self.shop_id,
                    "external_id": ext,
                    "customer_id": cid,
                    "status": status,
                    "currency": "VND",
                    "total_minor": product[3] * qty,
                    "discount_codes": [],
                    "source": "bench",
                    "placed_at": placed,
                    "paid_at": placed + timedelta(minutes=5) if status != "cancelled" else None,
                    "shipped_at": None,
                    "delivered_at": placed + timedelta(days=2) if status == "delivered" else None,
                    "returned_at": placed + timedelta(days=9) if status == "returned" else None,
                    "cancelled_at": placed + timedelta(hours=3) if status == "cancelled" else None,
                    "created_at": placed,
                    "updated_at": placed,
                }
                orders.append(order)
                lines_for.append((product, qty))
        order_ids = list(
            session.execute(
                insert(table("orders")).returning(
                    table("orders").c.id, sort_by_parameter_order=True
                ),
                orders,
            ).scalars()
        )
        lines = []
        for oid, order, (product, qty) in zip(order_ids, orders, lines_for, strict=True):
            lines.append(
                {
                    "shop_id": self.shop_id,
                    "order_id": oid,
                    "product_id": product[0],
                    "sku": product[1],
                    "product_name": product[2],
                    "quantity": qty,
                    "unit_price_minor": product[3],
                }
            )
            payload = {"order_id": order["external_id"], "status": "placed"}
            events.append(
                self._event(order["customer_id"], oid, "order.placed", order["placed_at"], payload)
            )
            if order["delivered_at"] is not None and order["placed_at"] > self.now - timedelta(
                days=120
            ):
                payload = {"order_id": order["external_id"], "status": "delivered"}
                events.append(
                    self._event(
                        order["customer_id"], oid, "order.delivered", order["delivered_at"], payload
                    )
                )
        session.execute(insert(table("order_lines")), lines)
        self._feedback_and_messages(session, ids, events)
        session.execute(insert(table("timeline_events")), events)
        return len(orders)

    def _event(
        self, cid: int, oid: int | None, type_: str, at: datetime, payload: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "customer_id": cid,
            "order_id": oid,
            "type": type_,
            "occurred_at": at,
            "recorded_at": self.now,
            "source": "bench",
            "event_key": None,
            "payload": payload,
            "summary": "",
            "history": True,
        }

    def _feedback_and_messages(
        self, session: Any, ids: list[int], events: list[dict[str, Any]]
    ) -> None:
        """Per customer: maybe an NPS/CSAT answer, a review, journey messages (last 90 days)."""
        from sqlalchemy import insert

        rng = self.rng
        responses, reviews, messages = [], [], []
        for cid in ids:
            if rng.random() < 0.15:
                at = self.now - timedelta(days=rng.uniform(0, 365))
                kind = "nps" if rng.random() < 0.6 else "csat"
                score = rng.choice(range(0, 11) if kind == "nps" else range(1, 6))
                key = f"bench:{cid}:{kind}"
                responses.append(
                    {
                        "shop_id": self.shop_id,
                        "customer_id": cid,
                        "response_key": key,
                        "kind": kind,
                        "score": score,
                        "source": "bench",
                        "answered_at": at,
                        "created_at": at,
                    }
                )
                payload = {"kind": kind, "score": score}
                events.append(self._event(cid, None, "survey.answered", at, payload))
            if rng.random() < 0.04:
                at = self.now - timedelta(days=rng.uniform(0, 365))
                rating = rng.choices((1, 2, 3, 4, 5), weights=(3, 2, 5, 25, 65))[0]
                reviews.append(
                    {
                        "shop_id": self.shop_id,
                        "customer_id": cid,
                        "review_id": f"bench-{cid}",
                        "platform": rng.choice(("google", "shopee", "facebook")),
                        "rating": rating,
                        "text": "Sản phẩm tốt, giao hàng nhanh" if rating >= 4 else "Giao chậm",
                        "posted_at": at,
                        "created_at": at,
                    }
                )
                payload = {"rating": rating, "platform": "google"}
                events.append(self._event(cid, None, "review.posted", at, payload))
            if rng.random() < 0.5:
                self._message(cid, messages, events)
        for name, rows in (
            ("survey_responses", responses),
            ("reviews", reviews),
            ("messages", messages),
        ):
            if rows:
                session.execute(insert(table(name)), rows)

    def _message(
        self, cid: int, messages: list[dict[str, Any]], events: list[dict[str, Any]]
    ) -> None:
        rng = self.rng
        self.message_no += 1
        journey, step = rng.choice(JOURNEY_STEPS)
        at = self.now - timedelta(days=rng.uniform(0, 90))
        reached = ["sent", "delivered"]
        if rng.random() < 0.45:
            reached.append("opened")
            if rng.random() < 0.25:
                reached.append("clicked")
        key = f"bench:{self.message_no}"
        messages.append(
            {
                "shop_id": self.shop_id,
                "customer_id": cid,
                "channel": rng.choice(("zalo", "sms", "email")),
                "kind": "marketing" if journey != "post_purchase" else "service",
                "template_key": f"{journey}.{step}",
                "locale": "vi",
                "subject": "Cảm ơn bạn",
                "body_text": "Cảm ơn bạn đã mua hàng tại Nhà Mộc!",
                "idempotency_key": key,
                "status": reached[-1],
                "dedup_id": key,
                "created_at": at,
            }
        )
        for k, stage in enumerate(reached):
            payload = {"journey_key": journey, "step_key": step, "message_id": key}
            when = at + timedelta(hours=k * 3)
            events.append(self._event(cid, None, f"message.{stage}", when, payload))


def build(url: str, customers: int, orders: int) -> None:
    """The demo shop grown to `customers` and `orders`; printed step by step."""
    os.environ["CARELOOP_DATABASE_URL"] = url
    from sqlalchemy import func, insert, select

    from careloop.context import build_context
    from careloop.db.engine import transaction
    from careloop.demo.service import load_demo
    from careloop.shops.models import Shop

    cli(url, "init")
    ctx = build_context()
    with stopwatch() as watch:
        load_demo(ctx, customers=DEMO_CUSTOMERS, seed=SEED)
    print(f"  demo shop ({DEMO_CUSTOMERS:,} customers, every capability) {watch.seconds:.0f} s")
    now = ctx.clock.now()
    with ctx.sessions() as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "demo")).one()
        shop_id = shop.id
        have_orders = session.scalar(
            select(func.count())
            .select_from(table("orders"))
            .where(table("orders").c.shop_id == shop_id)
        )
        p = table("products")
        products = [
            (int(i), str(s), str(n), int(price))
            for i, s, n, price in session.execute(
                select(p.c.id, p.c.sku, p.c.name, p.c.price_minor).where(p.c.shop_id == shop_id)
            )
        ]
    grow = customers - DEMO_CUSTOMERS
    counts = _order_counts(random.Random(SEED), grow, orders - int(have_orders or 0))
    grower = Grower(shop_id, now, products)
    started = time.perf_counter()
    written = 0
    for first in range(0, grow, BATCH):
        with transaction(ctx.sessions) as session:
            written += grower.batch(session, first, counts[first : first + BATCH])
        done = min(first + BATCH, grow)
        print(
            f"\r  grown by {done:,} customers, {written:,} orders"
            f" ({time.perf_counter() - started:.0f} s)",
            end="",
            flush=True,
        )
    print()
    with transaction(ctx.sessions) as session:
        members = []
        rng = random.Random(SEED + 1)
        c = table("customers")
        m = table("loyalty_members")
        have = select(m.c.customer_id).where(m.c.shop_id == shop_id)
        for (cid,) in session.execute(
            select(c.c.id).where(c.c.shop_id == shop_id, c.c.id.not_in(have))
        ):
            if rng.random() < 0.6:
                tier = rng.choices(("silver", "gold", "platinum"), weights=(85, 12, 3))[0]
                members.append(
                    {
                        "shop_id": shop_id,
                        "customer_id": cid,
                        "tier": tier,
                        "tier_since": now,
                        "joined_at": now,
                        "updated_at": now,
                    }
                )
        session.execute(insert(m), members)
        print(f"  {len(members):,} more loyalty members")
    ctx.engine.dispose()
    with stopwatch() as watch:
        cli(url, "segments", "--shop", "demo")
    print(f"  RFM segments (the real job) {watch.seconds:.0f} s")


def is_built(url: str, customers: int) -> bool:
    from sqlalchemy import create_engine, func, inspect, select

    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("customers"):
            return False
        with engine.connect() as conn:
            c = table("customers")
            n = conn.scalar(select(func.count()).select_from(c))
            s = table("customer_segments")
            segs = conn.scalar(select(func.count()).select_from(s))
        return n == customers and bool(segs)
    finally:
        engine.dispose()


def pages(url: str) -> list[tuple[str, str]]:
    """(name, path) of every main staff page, with real ids from the shop."""
    from sqlalchemy import create_engine, func, select

    engine = create_engine(url)
    with engine.connect() as conn:
        shop_id = conn.scalar(select(table("shops").c.id).where(table("shops").c.slug == "demo"))

        def first(name: str, column: str, *where: Any, order: Any = None) -> Any:
            t = table(name)
            stmt = select(t.c[column]).where(t.c.shop_id == shop_id, *where).limit(1)
            return conn.scalar(stmt.order_by(order) if order is not None else stmt)

        o = table("orders")
        busiest = conn.scalar(
            select(o.c.customer_id)
            .where(o.c.shop_id == shop_id)
            .group_by(o.c.customer_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        c = table("customers")
        sample_name = conn.scalar(select(c.c.name).where(c.c.id == busiest))
        phone = conn.scalar(
            select(c.c.phone).where(c.c.shop_id == shop_id, c.c.phone.is_not(None)).limit(1)
        )
        journey = first("journeys", "key")
        ticket = first("support_tickets", "id")
        member = first("loyalty_members", "customer_id")
        template = first("message_templates", "template_key")
        message = first("messages", "id")
    engine.dispose()
    folded = _fold(sample_name or "nguyen")
    found = [
        ("overview", "/"),
        ("customers list", "/customers"),
        ("customers page 40", "/customers?page=40"),
        ("customers search name", "/customers?q=" + folded.replace(" ", "+")),
        ("customers search phone", "/customers?q=0" + (phone or "+84912")[3:]),
        ("customers search common word", "/customers?q=nguyen"),
        ("customers search last digits", "/customers?q=" + (phone or "+84912345678")[-4:]),
        ("customers search + filter", "/customers?q=nguyen&segment=champions"),
        ("customers filtered", "/customers?segment=champions&tier=gold"),
        ("customer 360", f"/customers/{busiest}"),
        ("customer timeline more", f"/customers/{busiest}/timeline"),
        ("segments grid", "/segments"),
        ("journeys list", "/journeys"),
        ("journey", f"/journeys/{journey}" if journey else ""),
        ("templates", "/templates"),
        ("template", f"/templates/{template}" if template else ""),
        ("message log", "/messages"),
        ("message", f"/messages/{message}" if message else ""),
        ("inbox (tickets)", "/tickets"),
        ("ticket", f"/tickets/{ticket}" if ticket else ""),
        ("tasks", "/tasks"),
        ("loyalty", "/loyalty"),
        ("loyalty members", "/loyalty/members"),
        ("loyalty member", f"/loyalty/members/{member}" if member else ""),
        ("loyalty rewards", "/loyalty/rewards"),
        ("loyalty coupons", "/loyalty/coupons"),
        ("loyalty referrals", "/loyalty/referrals"),
        ("feedback", "/feedback"),
        ("feedback reviews", "/feedback/reviews"),
        ("feedback themes", "/feedback/themes"),
        ("reports (monthly review)", "/reports"),
        ("imports", "/import"),
        ("settings", "/settings"),
        ("settings channels", "/settings/channels"),
        ("settings connectors", "/settings/connectors"),
        ("community", "/community"),
        ("community campaigns", "/community/campaigns"),
        ("community events", "/community/events"),
        ("community launches", "/community/launches"),
    ]
    return [(name, path) for name, path in found if path]


def _fold(text: str) -> str:
    try:
        from careloop.customers.search_key import fold
    except ImportError:  # measuring a version from before the search key
        from careloop.demo.people import ascii_fold as fold
    return fold(text)


def login(client: httpx.Client) -> None:
    form = client.get("/login")
    token = next(g for g in CSRF_RE.search(form.text).groups() if g)  # type: ignore[union-attr]
    done = client.post(
        "/login",
        # Land on a light page: the overview is measured (cold, then warm) like the others.
        data={"email": OWNER, "password": PASSWORD, "next": "/settings", "csrf_token": token},
        follow_redirects=True,
    )
    if done.status_code != 200 or "/login" in str(done.url):
        raise SystemExit(f"could not log in as {OWNER}: {done.status_code}")


AS_OF_RE = re.compile(r'data-testid="computed-at">([^<]*?)\s*(?:<|$)')


class Writer:
    """Posts one real new order through the API per call (a live shop's steady writes)."""

    def __init__(self, client: httpx.Client, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}
        self.written = 0

    def __call__(self) -> None:
        self.written += 1
        order = {
            "order_id": f"WRITE-{os.getpid()}-{time.time_ns()}",
            "customer_id": f"BW{self.written % 1000:07d}",
            "placed_at": datetime.now().astimezone().isoformat(),
            "total": "150000",
            "status": "paid",
        }
        done = self.client.post("/api/v1/orders", json=order, headers=self.headers)
        if done.status_code >= 300:
            raise SystemExit(f"writer: POST /api/v1/orders {done.status_code}: {done.text[:200]}")


def measure(
    client: httpx.Client,
    targets: list[tuple[str, str]],
    repeat: int,
    write: Writer | None = None,
) -> Iterator[tuple[str, str, int, float, list[float], str]]:
    for name, path in targets:
        if write:
            write()
        started = time.perf_counter()
        first = client.get(path)
        cold = time.perf_counter() - started
        times = []
        last = first
        for _ in range(repeat):
            if write:
                write()
            started = time.perf_counter()
            last = client.get(path)
            times.append(time.perf_counter() - started)
        shown = AS_OF_RE.search(last.text)
        yield name, path, first.status_code, cold, times, shown.group(1).strip() if shown else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="warm requests per page")
    parser.add_argument("--database-url", help="default: a cached SQLite file in bench/out/")
    parser.add_argument(
        "--postgres", action="store_true", help="use CARELOOP_DATABASE_URL (with-postgres.sh)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument(
        "--only", default="", help="pages whose name contains this (or any of a,b,c)"
    )
    parser.add_argument(
        "--while-writing",
        action="store_true",
        help="post a new order through the API before every measured request",
    )
    args = parser.parse_args()

    if args.postgres:
        url = os.environ["CARELOOP_DATABASE_URL"]
    elif args.database_url:
        url = args.database_url
    else:
        OUT.mkdir(exist_ok=True)
        path = OUT / f"web-{args.customers}-{args.orders}-{SEED}-v{VERSION}.db"
        if args.rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    database = url.split(":", 1)[0].split("+", 1)[0]
    if args.rebuild or not is_built(url, args.customers):
        print(f"building {args.customers:,} customers and {args.orders:,} orders ({database})")
        with stopwatch() as watch:
            build(url, args.customers, args.orders)
        print(f"  built in {watch.seconds:.0f} s")
    else:
        cli(url, "init")  # applies migrations written since the data was built
    wanted = args.only.split(",")
    targets = [(n, p) for n, p in pages(url) if any(w in n for w in wanted)]
    with stopwatch() as watch:
        refreshed = cli(url, "metrics", "refresh", "--shop", "demo")
    print(
        f"figure snapshots computed first (`careloop metrics refresh`, as the worker does)"
        f" in {watch.seconds:.1f} s:"
    )
    for line in refreshed.strip().splitlines():
        print(f"    {line}")
    key = cli(url, "apikey", "create", "--shop", "demo").strip().splitlines()[-1]
    log = OUT / f"web-server-{database}.log"
    server, base = start_server(url, log)
    slow = 0
    try:
        with httpx.Client(base_url=base, timeout=900) as client:
            login(client)
            writer = Writer(client, key) if args.while_writing else None
            print(
                f"staff pages ({database}, {args.customers:,} customers, {args.orders:,} orders,"
                f" {args.repeat} warm requests each; {os.cpu_count()} CPU,"
                f" load {os.getloadavg()[0]:.1f}"
                + ("; a new order posted before every request)" if writer else ")")
            )
            print(f"  {'page':28s} {'status':>6s} {'cold':>9s} {'p50':>9s} {'p95':>9s}")
            for name, _path, status, cold, times, as_of in measure(
                client, targets, args.repeat, writer
            ):
                p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
                flag = "  OVER 150 ms" if p95 > LIMIT_MS or status >= 400 else ""
                slow += bool(flag)
                shown = f"  [{as_of}]" if as_of else ""
                print(
                    f"  {name:28s} {status:>6d} {cold * 1000:>7.0f}ms {p50:>7.0f}ms"
                    f" {p95:>7.0f}ms{flag}{shown}",
                    flush=True,
                )
            if writer:
                print(f"  {writer.written:,} orders written while measuring")
    finally:
        server.terminate()
        server.wait(timeout=300)
    print(f"  result: {len(targets) - slow} of {len(targets)} pages under {LIMIT_MS:.0f} ms at p95")
    return 0 if slow == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
