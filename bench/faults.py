"""Fault test (not a unit test): journey steps under killed workers and a database restart.

    bash scripts/with-postgres.sh .venv/bin/python bench/faults.py [--steps 50000] [--workers 4]

On the PostgreSQL server that scripts/with-postgres.sh starts (it exports
CARELOOP_TEST_DATABASE_URL, CARELOOP_TEST_PG_BINDIR and CARELOOP_TEST_PG_DATA), it makes
`--steps / 6` enrollments (rounded up) of a six-step journey (an email, a tag, an SMS,
bonus points, a branch on the tag, a webhook) all due now, and starts `--workers` real
`careloop worker` processes. Emails go to a local aiosmtpd sink, SMS to a local HTTP sink
speaking eSMS's API, webhooks to a local HTTP receiver.
While they work: a random worker is SIGKILLed (and started again) every few seconds, the
database is restarted once (pg_ctl restart), and one worker is paused with SIGSTOP for
longer than its journey and channel leases, then resumed.

The sinks behave as the real receivers document: eSMS accepts a RequestId once (a repeat
gets the first answer and sends nothing), the webhook receiver keys on the Idempotency-Key
header, and SMTP has no de-duplication at all. Each sink reports raw requests and unique
messages. When all is done: every step must have run once, no message may reach a
customer twice (duplicates 0: for SMTP every repeat counts, for eSMS and the webhook a
repeat the receiver dropped is "raw" only), and none may vanish: a message is delivered, or
flagged `maybe_sent` on the customer's timeline for staff (an email whose send was in
flight when its worker died is never resent: SMTP cannot drop a repeat). Lost must be 0.
The other steps are counted too: every customer carries the tag once and has exactly one
bonus ledger entry of the journey (the branch shows as the webhook sent after it).
The ingest inbox is under the same faults: `--orders` API orders (customers shared by
several orders) and their paid, shipped and delivered changes, released in random order, wait
in the inbox as `POST /api/v1/orders` stores them, and the workers apply them in batches
(orders.inbox, docs/decisions/0029) while being killed: every order must be stored once in its
last state, each status event on the timeline once, every row applied.
Exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import and_, func, insert, select, text

sys.path.insert(0, str(Path(__file__).parent))
from _common import OUT, free_port

JOURNEY_LEASE_SECONDS = 5
CHANNEL_LEASE_SECONDS = 5
SEED = 7
# An after-sales journey of six steps, three of them sends: an email, a tag, an SMS,
# bonus points (a ledger entry), a branch on the tag, a webhook.
STEPS_PER_ENROLLMENT = 6
SEND_STEPS = ("mail", "text", "hook")
TAG = "faults"
POINTS = 10
JOURNEY = f"""\
key: faults
name: Faults
trigger: {{event: app.faults}}
steps:
  - id: mail
    send: {{channels: [email], template: faults.note, kind: transactional}}
  - id: tag
    add_tag: {{tag: {TAG}}}
  - id: text
    send: {{channels: [sms], template: faults.note, kind: transactional}}
  - id: points
    add_points: {{points: {POINTS}, reason: faults}}
  - id: tagged
    branch:
      cases:
        - if: {{fact: tags, contains: {TAG}}}
          goto: hook
      else: end
  - id: hook
    send: {{channels: [webhook], template: faults.note, kind: transactional}}
"""
ESMS_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
HOOK_PATH = "/hook"
CHUNK = 5000
REPORT_EVERY_SECONDS = 15.0
CHANNELS = ("email", "sms", "webhook")
# The ingest inbox backlog (`--orders`): each order's statuses after "placed", in time order.
PATH = ("paid", "shipped", "delivered")
BACKLOG_START = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


class Sink:
    """What one receiver got: raw requests per de-duplication id."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.raw: Counter[str] = Counter()

    def add(self, key: str) -> bool:
        """Count a request; True if it is the first with this id."""
        self.raw[key] += 1
        return self.raw[key] == 1

    @property
    def requests(self) -> int:
        return sum(self.raw.values())

    def repeats(self) -> int:
        return sum(n - 1 for n in self.raw.values() if n > 1)


class Sinks:
    """The local SMTP, eSMS and webhook receivers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.email, self.sms, self.hook = Sink("email"), Sink("sms"), Sink("webhook")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.email.add(str(parsed.get("Message-ID", "")).strip("<>").split("@")[0])
        return "250 Message accepted"

    def http_handler(self) -> type[BaseHTTPRequestHandler]:
        sinks = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as the real providers' endpoints do.
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path == ESMS_PATH:
                    body = json.loads(raw)
                    request_id = str(body.get("RequestId"))
                    with sinks.lock:
                        sinks.sms.add(request_id)
                    # eSMS: a RequestId already accepted gets the same answer, no second SMS.
                    self.answer(200, {"CodeResult": "100", "SMSID": f"esms-{request_id}"})
                elif self.path == HOOK_PATH:
                    with sinks.lock:
                        sinks.hook.add(str(self.headers.get("Idempotency-Key")))
                    self.answer(200, {"ok": True})
                else:
                    self.answer(404, {})

            def answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        return Handler


class QuietHTTPServer(ThreadingHTTPServer):
    """A killed worker resets its keep-alive connection: expected here, not an error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def prepare(
    url: str, enrollments: int, smtp_port: int, sms_base: str, orders: int, rng: random.Random
) -> None:
    """A fresh schema: one shop, its channels pointing at the sinks, due enrollments, and
    a backlog of `orders` API orders with their status changes in the ingest inbox."""
    from careloop.channels.models import MessageTemplate
    from careloop.channels.settings import set_channel_settings
    from careloop.core.clock import SystemClock
    from careloop.customers.models import Customer
    from careloop.db.engine import make_engine, make_session_factory
    from careloop.db.migrate import upgrade
    from careloop.journeys.models import JourneyEnrollment
    from careloop.journeys.service import activate_journey, save_journey
    from careloop.shops.service import create_shop

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    clock = SystemClock()
    now = clock.now()
    with make_session_factory(engine)() as s, s.begin():
        shop = create_shop(session=s, clock=clock, slug="faults")
        for channel, values, provider in (
            (
                "email",
                {
                    "host": "127.0.0.1",
                    "port": smtp_port,
                    "security": "none",
                    "from_address": "care@faults.test",
                },
                None,
            ),
            (
                "sms",
                {"api_key": "ek", "secret_key": "es", "base_url": sms_base, "allow_private": True},
                "esms",
            ),
            (
                "webhook",
                {"url": sms_base + HOOK_PATH, "secret": "hs", "allow_private": True},
                None,
            ),
        ):
            set_channel_settings(
                session=s,
                clock=clock,
                shop=shop,
                channel=channel,
                provider=provider,
                values=values,
            )
        for channel in ("email", "sms", "webhook"):
            for locale in ("vi", "en"):
                s.add(
                    MessageTemplate(
                        shop_id=shop.id,
                        template_key="faults.note",
                        channel=channel,
                        locale=locale,
                        subject="Hello {{ customer.first_name }}",
                        body_text="Hello {{ customer.first_name }}, thanks.",
                        body_html="",
                        data={},
                        updated_at=now,
                    )
                )
        journey = save_journey(session=s, clock=clock, shop=shop, text=JOURNEY, source_name="b")
        activate_journey(session=s, clock=clock, shop=shop, key="faults")
        s.flush()
        s.execute(
            insert(Customer),
            [
                {
                    "shop_id": shop.id,
                    "external_id": f"c{i}",
                    "name": f"Khách {i}",
                    "email": f"c{i}@faults.test",
                    "phone": f"+8490{i:07d}",
                    "tags": [],
                    "referral_code": f"F{i:08d}",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(enrollments)
            ],
        )
        first = int(s.scalar(text("SELECT min(id) FROM customers")) or 0)
        shop_id, journey_id = shop.id, journey.id
    rows = []
    for n in range(enrollments):
        rows.append(
            {
                "shop_id": shop_id,
                "journey_id": journey_id,
                "journey_key": "faults",
                "customer_id": first + n,
                "trigger_key": f"faults:{n}",
                "status": "active",
                "step_id": "mail",
                "due_at": now,
                "context": {},
                "fence": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(rows) == CHUNK or n == enrollments - 1:
            with make_session_factory(engine)() as s, s.begin():
                s.execute(insert(JourneyEnrollment), rows)
            rows = []
    with make_session_factory(engine)() as s, s.begin():
        append_backlog(s, clock, shop_id, orders, rng)
    engine.dispose()


def planned_orders(count: int) -> list[tuple[str, str, list[tuple[str, datetime]]]]:
    """(order id, customer id, statuses after placed with their times) of the backlog:
    customers shared by several orders, every order paid, shipped and delivered."""
    placed = BACKLOG_START
    return [
        (
            f"F{n:06d}",
            f"buyer-{n % max(1, count // 3)}",
            [(status, placed + timedelta(hours=6 * (k + 1))) for k, status in enumerate(PATH)],
        )
        for n in range(count)
    ]


def append_backlog(s: Any, clock: Any, shop_id: int, count: int, rng: random.Random) -> None:
    """The inbox rows `POST /api/v1/orders` and `POST .../status` store (orders.inbox.append),
    each order before its status changes, those in random order (a "delivered" may come
    before its "paid"), the orders interleaved: what the workers apply under the faults."""
    from careloop.orders import inbox

    streams = []
    for order_id, customer_id, path in planned_orders(count):
        order = {
            "order_id": order_id,
            "customer_id": customer_id,
            "customer_name": f"Người mua {customer_id}",
            "placed_at": BACKLOG_START.isoformat(),
            "total": 250000,
            "currency": "VND",
            "lines": [{"sku": "FAULTS-1", "product_name": "Cà phê", "unit_price": 250000}],
        }
        changes = [
            {"order_id": order_id, "status": status, "at": at.isoformat(), "event_id": status}
            for status, at in path
        ]
        rng.shuffle(changes)
        streams.append([("order", order), *(("status", change) for change in changes)])
    while streams:
        stream = streams[rng.randrange(len(streams))]
        topic, payload = stream.pop(0)
        if not stream:
            streams.remove(stream)
        inbox.append(
            session=s,
            clock=clock,
            shop_id=shop_id,
            source="api",
            topic=topic,
            external_id=f"{topic}:{payload['order_id']}:{payload.get('status', '')}",
            order_key=f"order:{payload['order_id']}",
            payload=json.dumps(payload),
            check_backlog=False,
        )


def backlog_counts(url: str, count: int) -> dict[str, int]:
    """What the backlog left: orders missing or not in their last state, status events
    missing or stored twice, inbox rows not applied."""
    from careloop.customers.models import TimelineEvent
    from careloop.db.engine import make_engine, make_session_factory
    from careloop.orders.models import IngestInboxRow, Order

    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        status = dict(s.execute(select(Order.external_id, Order.status)).all())
        events = Counter(
            s.scalars(select(TimelineEvent.event_key).where(TimelineEvent.type.like("order.%")))
        )
        states = Counter(s.scalars(select(IngestInboxRow.state)))
    engine.dispose()
    wanted = {
        f"order:{order_id}:{s}": order_id
        for order_id, _customer, path in planned_orders(count)
        for s in ("placed", *(status for status, _at in path))
    }
    return {
        "orders": len(status),
        "wrong_state": sum(
            1 for order_id, _c, _p in planned_orders(count) if status.get(order_id) != PATH[-1]
        ),
        "events_lost": sum(1 for key in wanted if key not in events),
        "events_twice": sum(n - 1 for key, n in events.items() if key in wanted and n > 1),
        "not_applied": sum(n for state, n in states.items() if state != "applied"),
    }


def inbox_pending(url: str) -> int:
    from careloop.db.engine import make_engine, make_session_factory
    from careloop.orders.models import IngestInboxRow

    engine = make_engine(url, pool_size=1)
    try:
        with make_session_factory(engine)() as s:
            return int(s.scalar(select(func.count()).where(IngestInboxRow.state == "pending")) or 0)
    finally:
        engine.dispose()


class Workers:
    """`careloop worker` processes, forked by bench/_zygote.py (already imported)."""

    def __init__(self, url: str, count: int, log: Path) -> None:
        env = {
            **os.environ,
            "CARELOOP_DATABASE_URL": url,
            "CARELOOP_JOURNEY_LEASE_SECONDS": str(JOURNEY_LEASE_SECONDS),
            "CARELOOP_CHANNEL_LEASE_SECONDS": str(CHANNEL_LEASE_SECONDS),
        }
        self.zygote = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "_zygote.py"), str(log)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pids = [self.start() for _ in range(count)]
        self.killed = 0

    def start(self) -> int:
        assert self.zygote.stdin is not None and self.zygote.stdout is not None
        self.zygote.stdin.write("spawn\n")
        self.zygote.stdin.flush()
        return int(self.zygote.stdout.readline())

    def kill_one(self, rng: random.Random) -> None:
        i = rng.randrange(len(self.pids))
        os.kill(self.pids[i], signal.SIGKILL)
        self.killed += 1
        self.pids[i] = self.start()

    def pause_one_past_lease(self, rng: random.Random) -> None:
        victim = self.pids[rng.randrange(len(self.pids))]
        os.kill(victim, signal.SIGSTOP)
        # Real processes: wall time is the point. Past both leases, so the others take over.
        time.sleep(max(JOURNEY_LEASE_SECONDS, CHANNEL_LEASE_SECONDS) + 3)
        os.kill(victim, signal.SIGCONT)

    def stop(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for pid in self.pids:
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.1)  # waiting for real processes to exit
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert self.zygote.stdin is not None
        self.zygote.stdin.close()
        self.zygote.wait(timeout=30)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def restart_postgres() -> bool:
    bindir, data = (
        os.environ.get("CARELOOP_TEST_PG_BINDIR"),
        os.environ.get("CARELOOP_TEST_PG_DATA"),
    )
    if not bindir or not data:
        return False
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*as_pg, f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "restart"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return True


def progress(url: str) -> tuple[int, int, int]:
    """(enrollments finished, messages not yet final, messages total)."""
    from careloop.channels.models import Message
    from careloop.db.engine import make_engine, make_session_factory
    from careloop.journeys.models import JourneyEnrollment

    engine = make_engine(url, pool_size=1)
    try:
        with make_session_factory(engine)() as s:
            finished = s.scalar(
                select(func.count()).where(JourneyEnrollment.status.in_(("done", "exited")))
            )
            open_messages = s.scalar(
                select(func.count()).where(
                    Message.status.in_(("queued", "claimed", "sending", "maybe_sent")),
                    # A final maybe_sent (no next attempt) is waiting for staff, not for us.
                    ~and_(Message.status == "maybe_sent", Message.next_attempt_at.is_(None)),
                )
            )
            total = s.scalar(select(func.count()).select_from(Message))
        return int(finished or 0), int(open_messages or 0), int(total or 0)
    finally:
        engine.dispose()


def final_counts(url: str) -> dict[str, Any]:
    from careloop.channels.models import Message
    from careloop.customers.models import Customer, TimelineEvent
    from careloop.db.engine import make_engine, make_session_factory
    from careloop.journeys.models import JourneyEnrollment
    from careloop.loyalty.models import PointsEntry

    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        statuses = Counter(
            dict(
                s.execute(
                    select(JourneyEnrollment.status, func.count()).group_by(
                        JourneyEnrollment.status
                    )
                ).all()
            )
        )
        message_statuses = Counter(
            dict(s.execute(select(Message.status, func.count()).group_by(Message.status)).all())
        )
        keys = Counter(s.scalars(select(Message.idempotency_key)))
        tags = Counter(
            sum(1 for tag in (tags or []) if tag == TAG)
            for tags in s.scalars(select(Customer.tags))
        )
        points_keys = Counter(
            s.scalars(
                select(PointsEntry.idempotency_key).where(
                    PointsEntry.idempotency_key.like("enr:%:points")
                )
            )
        )
        points_total = int(
            s.scalar(
                select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                    PointsEntry.idempotency_key.like("enr:%:points")
                )
            )
            or 0
        )
        dedup = {
            channel: set(s.scalars(select(Message.dedup_id).where(Message.channel == channel)))
            for channel in CHANNELS
        }
        flagged = {
            channel: set(
                s.scalars(
                    select(Message.dedup_id).where(
                        Message.channel == channel, Message.status == "maybe_sent"
                    )
                )
            )
            for channel in CHANNELS
        }
        flag_events = s.scalar(
            select(func.count()).where(TimelineEvent.type == "message.maybe_sent")
        )
    engine.dispose()
    return {
        "enrollments": statuses,
        "messages": message_statuses,
        "keys": keys,
        "tags": tags,
        "points_keys": points_keys,
        "points_total": points_total,
        "dedup": dedup,
        "flagged": flagged,
        "flag_events": int(flag_events or 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--steps", type=int, default=50_000, help="journey steps (6 per enrollment, 3 sends)"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--orders", type=int, default=600, help="API orders (each with 3 status changes) queued"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before giving up")
    parser.add_argument("--kill-every", type=float, default=10.0, help="mean seconds between kills")
    parser.add_argument(
        "--no-faults", action="store_true", help="no kills, restart or pause (for profiling)"
    )
    parser.add_argument(
        "--profile", metavar="DIR", help="run each worker under cProfile, stats into DIR"
    )
    args = parser.parse_args()
    # The bench's SMTP sink and SMS/webhook server listen on 127.0.0.1: let the outbound
    # guard reach them, in this process (setup) and in the workers it forks.
    os.environ["CARELOOP_ALLOW_PRIVATE_NETWORK"] = "1"
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        os.environ["CARELOOP_BENCH_PROFILE"] = str(Path(args.profile).resolve())
    url = os.environ.get("CARELOOP_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        raise SystemExit("run under scripts/with-postgres.sh (needs CARELOOP_TEST_DATABASE_URL)")
    rng = random.Random(SEED)
    # `timeout` and friends send SIGTERM: stop the workers on the way out all the same.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    enrollments = -(-args.steps // STEPS_PER_ENROLLMENT)

    sinks = Sinks()
    smtp_port = free_port()
    smtp = Controller(sinks, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    http = QuietHTTPServer(("127.0.0.1", 0), sinks.http_handler())
    threading.Thread(target=http.serve_forever, daemon=True).start()
    sms_base = f"http://127.0.0.1:{http.server_address[1]}"
    prepare(url, enrollments, smtp_port, sms_base, args.orders, rng)

    OUT.mkdir(exist_ok=True)
    started = time.monotonic()
    workers = Workers(url, args.workers, OUT / "faults-workers.log")
    restarted = paused = False
    next_kill = time.monotonic() + rng.expovariate(1 / args.kill_every)
    done = False
    next_report = started + REPORT_EVERY_SECONDS
    try:
        while time.monotonic() - started < args.timeout:
            time.sleep(0.5)  # watching real processes: wall time
            try:
                finished, open_messages, total = progress(url)
            except Exception:  # the database is restarting
                continue
            # Progress of the whole run, the sends after the last step included, so the
            # faults are spread over all of it.
            expected_messages = len(SEND_STEPS) * enrollments
            final = total - open_messages
            share = (finished / enrollments + final / expected_messages) / 2
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + REPORT_EVERY_SECONDS
                print(
                    f"  {time.monotonic() - started:5.0f} s: {finished:,} of {enrollments:,}"
                    f" enrollments finished, {total - open_messages:,} of {total:,} messages final",
                    flush=True,
                )
            if finished == enrollments and open_messages == 0 and not inbox_pending(url):
                done = True
                break
            if args.no_faults:
                continue
            if not restarted and share >= 0.3:
                restarted = restart_postgres()
                print(f"  restarted PostgreSQL at {share:.0%}", flush=True)
            elif not paused and share >= 0.5:
                workers.pause_one_past_lease(rng)
                paused = True
                print(f"  paused a worker past its lease at {share:.0%}", flush=True)
            elif time.monotonic() >= next_kill and share < 0.95:
                workers.kill_one(rng)
                next_kill = time.monotonic() + rng.expovariate(1 / args.kill_every)
    finally:
        workers.stop()
        seconds = time.monotonic() - started
        smtp.stop()
        http.shutdown()

    counts = final_counts(url)
    backlog = backlog_counts(url, args.orders)
    expected_keys = len(SEND_STEPS) * enrollments
    sends_run = len(counts["keys"])
    # A tag added twice shows as two in the list; a ledger entry twice, as a key twice.
    tagged = counts["tags"][1]
    points_run = len(counts["points_keys"])
    # The branch's effect: it sent the customer (tagged) on to the webhook step.
    branched = sum(1 for key in counts["keys"] if key.endswith(":hook"))
    steps_run = sends_run + tagged + points_run + branched
    expected_steps = STEPS_PER_ENROLLMENT * enrollments
    step_twice = (
        sum(n - 1 for n in counts["keys"].values() if n > 1)
        + sum(n - 1 for n, customers in counts["tags"].items() if n > 1 for _ in range(customers))
        + sum(n - 1 for n in counts["points_keys"].values() if n > 1)
    )
    points_ok = counts["points_total"] == POINTS * points_run
    print(
        f"fault test (postgresql, {args.workers} workers, {os.cpu_count()} CPU,"
        f" load {os.getloadavg()[0]:.1f})"
    )
    print(f"  finished    {'yes' if done else 'NO (timeout)'} in {seconds:.0f} s")
    print(
        f"  faults      {workers.killed} SIGKILLs, database restarted: {restarted},"
        f" worker paused past lease: {paused}"
    )
    print(f"  enrollments {dict(counts['enrollments'])}")
    print(f"  messages    {dict(counts['messages'])}")
    print(
        f"  steps run   {steps_run:,} of {expected_steps:,} (run twice: {step_twice}):"
        f" sends {sends_run:,} of {expected_keys:,}, tagged {tagged:,} of {enrollments:,},"
        f" bonus points {points_run:,} of {enrollments:,}"
        f" ({counts['points_total']:,} points), branches to the webhook {branched:,}"
    )
    duplicates = lost = 0
    for sink in (sinks.email, sinks.sms, sinks.hook):
        ours = counts["dedup"][sink.name]
        flagged = counts["flagged"][sink.name]
        unique = set(sink.raw) & ours
        # SMTP drops nothing: every repeat reached the customer. The others drop repeats.
        dup = sink.repeats() if sink.name == "email" else 0
        missing = len(ours - unique - flagged)
        fate = "delivered again" if sink.name == "email" else "dropped by the receiver"
        duplicates += dup
        lost += missing
        print(
            f"  {sink.name:<11} {sink.requests:,} requests, {len(unique):,} unique,"
            f" {sink.repeats()} repeats ({fate});"
            f" duplicates {dup}; maybe_sent for staff {len(flagged)}"
            f" ({len(flagged & set(sink.raw))} of them did arrive); lost {missing}"
        )
    print(f"  flagged     {counts['flag_events']} message.maybe_sent events on timelines")
    print(
        f"  inbox       {backlog['orders']:,} of {args.orders:,} orders stored"
        f" ({args.orders * (1 + len(PATH)):,} rows), {backlog['wrong_state']} not in their last"
        f" state, status events lost {backlog['events_lost']}, twice"
        f" {backlog['events_twice']}, rows not applied {backlog['not_applied']}"
    )
    lost += args.orders - backlog["orders"] + backlog["events_lost"] + backlog["not_applied"]
    lost += backlog["wrong_state"]
    duplicates += backlog["events_twice"]
    print(f"  duplicates  {duplicates}")
    print(f"  lost        {lost}")
    ok = (
        done
        and duplicates == 0
        and lost == 0
        and step_twice == 0
        and sends_run == expected_keys
        and tagged == enrollments
        and points_run == enrollments
        and points_ok
    )
    print("  result      " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
