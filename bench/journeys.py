"""Journey runner throughput: due steps per second with a channel that only counts.

    .venv/bin/python bench/journeys.py                      # SQLite, 1 worker
    bash scripts/with-postgres.sh .venv/bin/python bench/journeys.py --postgres
                                                            # PostgreSQL, 1, 2 and 4 workers

100,000 enrollments (by default) of a one-step journey (a transactional send through the
contact policy) are made due at once; N worker processes run the real claim / run / fenced
write-back cycle (`careloop.journeys.runner.run_due`) until none is left. Prints steps/s
and the scaling ratio against one worker; progress goes to stderr every few seconds.

PostgreSQL gets ANALYZE after loading (and VACUUM ANALYZE between rounds), as autovacuum
would give a live database; the machine's core count is printed, since more workers than
cores cannot scale.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import sys
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text, update

from careloop.core.clock import SystemClock
from careloop.customers.models import Customer
from careloop.db.engine import make_engine, make_session_factory
from careloop.db.migrate import upgrade
from careloop.journeys.effects import DryRunEffects
from careloop.journeys.models import JourneyEnrollment
from careloop.journeys.runner import run_due
from careloop.journeys.service import activate_journey, save_journey
from careloop.shops.service import create_shop

JOURNEY = """\
key: bench
name: Bench
trigger: {event: app.bench}
steps:
  - id: hello
    send: {channels: [email], template: bench.hello, kind: transactional}
"""
CUSTOMERS = 1000
CHUNK = 5000
PROGRESS_EVERY = 10.0  # seconds


def prepare(url: str, enrollments: int) -> int:
    """A fresh schema with one shop, its customers and `enrollments` due enrollments."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    clock = SystemClock()
    sessions = make_session_factory(engine)
    now = clock.now()
    with sessions() as s, s.begin():
        shop = create_shop(session=s, clock=clock, slug="bench")
        journey = save_journey(session=s, clock=clock, shop=shop, text=JOURNEY, source_name="b")
        activate_journey(session=s, clock=clock, shop=shop, key="bench")
        s.execute(
            insert(Customer),
            [
                {
                    "shop_id": shop.id,
                    "external_id": f"c{i}",
                    "name": f"Customer {i}",
                    "email": f"c{i}@example.com",
                    "tags": [],
                    "referral_code": f"R{i:07d}",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(CUSTOMERS)
            ],
        )
        first = s.scalar(text("SELECT min(id) FROM customers"))
        shop_id, journey_id = shop.id, journey.id
    rows: list[dict[str, Any]] = []
    for n in range(enrollments):
        rows.append(
            {
                "shop_id": shop_id,
                "journey_id": journey_id,
                "journey_key": "bench",
                "customer_id": first + n % CUSTOMERS,
                "trigger_key": f"bench:{n}",
                "status": "active",
                "step_id": "hello",
                "due_at": now,
                "context": {},
                "fence": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(rows) == CHUNK or n == enrollments - 1:
            with sessions() as s, s.begin():
                s.execute(insert(JourneyEnrollment), rows)
            rows = []
    analyze(engine)
    engine.dispose()
    return enrollments


def analyze(engine: Any) -> None:
    """Planner statistics, as autovacuum keeps them on a live PostgreSQL."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE journey_enrollments"))


def reset(url: str) -> None:
    """Make every enrollment due again for the next round."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            update(JourneyEnrollment).values(
                status="active",
                step_id="hello",
                due_at=datetime.now(UTC),
                lease_owner=None,
                lease_until=None,
                finished_at=None,
            )
        )
    analyze(engine)
    engine.dispose()


def worker(url: str, start: Any, results: Any, progress: Any) -> None:
    engine = make_engine(url, pool_size=2) if "postgresql" in url else make_engine(url)
    sessions = make_session_factory(engine)
    effects = DryRunEffects(real_history=False)  # the channel that only counts
    clock = SystemClock()
    start.wait()
    began = time.perf_counter()
    steps = 0
    while True:
        done = run_due(sessions=sessions, clock=clock, effects=effects)
        if done == 0:
            break
        steps += done
        with progress.get_lock():
            progress.value += done
    results.put((steps, began, time.perf_counter(), sum(effects.outcomes.values())))
    engine.dispose()


def run_round(url: str, workers: int, total: int) -> tuple[int, float]:
    ctx = mp.get_context("fork")
    start = ctx.Barrier(workers)
    results = ctx.Queue()
    progress = ctx.Value("q", 0)
    procs = [
        ctx.Process(target=worker, args=(url, start, results, progress)) for _ in range(workers)
    ]
    for p in procs:
        p.start()
    began = time.perf_counter()
    got: list[Any] = []
    while len(got) < workers:
        try:
            got.append(results.get(timeout=PROGRESS_EVERY))
        except queue.Empty:
            done = progress.value
            elapsed = time.perf_counter() - began
            print(
                f"    ... {workers} worker(s): {done:,} of {total:,} steps after {elapsed:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    for p in procs:
        p.join()
    steps = sum(g[0] for g in got)
    elapsed = max(g[2] for g in got) - min(g[1] for g in got)
    return steps, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="use CARELOOP_TEST_DATABASE_URL")
    parser.add_argument("--workers", default=None, help="comma list, default 1 (SQLite) / 1,2,4")
    args = parser.parse_args()
    if args.postgres:
        url = os.environ["CARELOOP_TEST_DATABASE_URL"]
        counts = [int(w) for w in (args.workers or "1,2,4").split(",")]
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        counts = [int(w) for w in (args.workers or "1").split(",")]
    database = "PostgreSQL" if args.postgres else "SQLite"
    prepare(url, args.enrollments)
    print(
        f"{database}: {args.enrollments:,} due enrollments, one send step each"
        f" ({os.cpu_count()} CPU cores)",
        flush=True,
    )
    base: float | None = None
    ratios: list[str] = []
    for i, n in enumerate(counts):
        if i:
            reset(url)
        steps, elapsed = run_round(url, n, args.enrollments)
        rate = steps / elapsed
        base = base or rate
        assert steps == args.enrollments, f"{steps} steps for {args.enrollments} enrollments"
        ratios.append(f"{n} worker(s) x{rate / base:.2f}")
        print(
            f"  {n} worker(s): {steps:,} steps in {elapsed:.1f} s = {rate:,.0f} steps/s"
            f"  (x{rate / base:.2f} vs {counts[0]} worker(s))",
            flush=True,
        )
    if len(counts) > 1:
        print(f"  scaling vs {counts[0]} worker(s): " + ", ".join(ratios))


if __name__ == "__main__":
    main()
