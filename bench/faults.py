"""Fault test (not a unit test): journey steps under killed workers and a database restart.

    bash scripts/with-postgres.sh .venv/bin/python bench/faults.py [--steps 50000] [--workers 4]

On the PostgreSQL server that scripts/with-postgres.sh starts (it exports
CARELOOP_TEST_DATABASE_URL, CARELOOP_TEST_PG_BINDIR and CARELOOP_TEST_PG_DATA), it makes
`--steps / 2` enrollments of a two-step journey (an email, then an SMS) all due now, and
starts `--workers` real `careloop worker` processes. Emails go to a local aiosmtpd sink,
SMS to a local HTTP sink speaking eSMS's API. While they work: a random worker is SIGKILLed
(and started again) every few seconds, the database is restarted once (pg_ctl restart),
and one worker is paused with SIGSTOP for longer than its journey lease, then resumed.
When all is done it counts, at the sinks, what was delivered: every step must have run
once, and no message may arrive twice (duplicates 0) or never (lost 0). Exit status 1
otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).parent))
from _common import OUT, free_port

JOURNEY_LEASE_SECONDS = 5
SEED = 7
JOURNEY = """\
key: faults
name: Faults
trigger: {event: app.faults}
steps:
  - id: mail
    send: {channels: [email], template: faults.note, kind: transactional}
  - id: text
    send: {channels: [sms], template: faults.note, kind: transactional}
"""
ESMS_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
CHUNK = 5000


class Sinks:
    """What the local SMTP and SMS servers received, by the message's de-duplication id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.emails: Counter[str] = Counter()
        self.sms: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.emails[str(parsed.get("Message-ID", "")).strip("<>").split("@")[0]] += 1
        return "250 Message accepted"

    def http_handler(self) -> type[BaseHTTPRequestHandler]:
        sinks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
                with sinks.lock:
                    sinks.sms[str(body.get("RequestId"))] += 1
                answer = json.dumps(
                    {"CodeResult": "100", "SMSID": f"esms-{body.get('RequestId')}"}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                return None

        return Handler


def prepare(url: str, enrollments: int, smtp_port: int, sms_base: str) -> None:
    """A fresh schema: one shop, its channels pointing at the sinks, due enrollments."""
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
            ("sms", {"api_key": "ek", "secret_key": "es", "base_url": sms_base}, "esms"),
        ):
            set_channel_settings(
                session=s,
                clock=clock,
                shop=shop,
                channel=channel,
                provider=provider,
                values=values,
            )
        for channel in ("email", "sms"):
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
    engine.dispose()


class Workers:
    def __init__(self, url: str, count: int, log: Path) -> None:
        self.url, self.log = url, log.open("ab")
        self.procs = [self.start() for _ in range(count)]
        self.killed = 0

    def start(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "CARELOOP_DATABASE_URL": self.url,
            "CARELOOP_JOURNEY_LEASE_SECONDS": str(JOURNEY_LEASE_SECONDS),
        }
        return subprocess.Popen(
            [sys.executable, "-m", "careloop.cli", "worker"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill_one(self, rng: random.Random) -> None:
        i = rng.randrange(len(self.procs))
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()
        self.killed += 1
        self.procs[i] = self.start()

    def pause_one_past_lease(self, rng: random.Random) -> None:
        victim = self.procs[rng.randrange(len(self.procs))]
        victim.send_signal(signal.SIGSTOP)
        time.sleep(JOURNEY_LEASE_SECONDS + 3)  # real processes: wall time is the point
        victim.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=30)


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
                select(func.count()).where(Message.status.in_(("queued", "sending", "maybe_sent")))
            )
            total = s.scalar(select(func.count()).select_from(Message))
        return int(finished or 0), int(open_messages or 0), int(total or 0)
    finally:
        engine.dispose()


def final_counts(url: str) -> dict[str, Any]:
    from careloop.channels.models import Message
    from careloop.db.engine import make_engine, make_session_factory
    from careloop.journeys.models import JourneyEnrollment

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
        dedup = {
            channel: set(s.scalars(select(Message.dedup_id).where(Message.channel == channel)))
            for channel in ("email", "sms")
        }
    engine.dispose()
    return {"enrollments": statuses, "messages": message_statuses, "keys": keys, "dedup": dedup}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--steps", type=int, default=50_000, help="journey steps (2 per enrollment)"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before giving up")
    parser.add_argument("--kill-every", type=float, default=15.0, help="mean seconds between kills")
    args = parser.parse_args()
    url = os.environ.get("CARELOOP_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        raise SystemExit("run under scripts/with-postgres.sh (needs CARELOOP_TEST_DATABASE_URL)")
    rng = random.Random(SEED)
    enrollments = args.steps // 2

    sinks = Sinks()
    smtp_port = free_port()
    smtp = Controller(sinks, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", 0), sinks.http_handler())
    threading.Thread(target=http.serve_forever, daemon=True).start()
    sms_base = f"http://127.0.0.1:{http.server_address[1]}"
    prepare(url, enrollments, smtp_port, sms_base)

    OUT.mkdir(exist_ok=True)
    started = time.monotonic()
    workers = Workers(url, args.workers, OUT / "faults-workers.log")
    restarted = paused = False
    next_kill = time.monotonic() + rng.expovariate(1 / args.kill_every)
    done = False
    try:
        while time.monotonic() - started < args.timeout:
            time.sleep(0.5)  # watching real processes: wall time
            try:
                finished, open_messages, _total = progress(url)
            except Exception:  # the database is restarting
                continue
            share = finished / enrollments
            if finished == enrollments and open_messages == 0:
                done = True
                break
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
    expected_keys = 2 * enrollments
    steps_run = len(counts["keys"])
    step_twice = sum(n - 1 for n in counts["keys"].values() if n > 1)
    email_ids, sms_ids = counts["dedup"]["email"], counts["dedup"]["sms"]
    delivered = len(set(sinks.emails) & email_ids) + len(set(sinks.sms) & sms_ids)
    duplicates = sum(n - 1 for n in sinks.emails.values() if n > 1) + sum(
        n - 1 for n in sinks.sms.values() if n > 1
    )
    lost = expected_keys - delivered
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
    print(f"  steps run   {steps_run:,} of {expected_keys:,} (run twice: {step_twice})")
    print(
        f"  delivered   {delivered:,} ({sum(sinks.emails.values()):,} emails,"
        f" {sum(sinks.sms.values()):,} SMS received)"
    )
    twice = {
        channel: {k: n for k, n in received.items() if n > 1}
        for channel, received in (("email", sinks.emails), ("sms", sinks.sms))
    }
    print(f"  duplicates  {duplicates} {twice if duplicates else ''}")
    print(f"  lost        {lost}")
    ok = done and duplicates == 0 and lost == 0 and step_twice == 0 and steps_run == expected_keys
    print("  result      " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
