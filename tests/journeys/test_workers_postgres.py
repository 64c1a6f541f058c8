"""Three `careloop worker` processes on PostgreSQL, one SIGKILLed mid-batch: every journey
step still runs exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.journeys.dispatch import dispatch_pending
from careloop.journeys.models import JourneyEnrollment
from tests.conftest import PG_URL
from tests.journeys.conftest import World

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (CARELOOP_TEST_DATABASE_URL)"),
]

CUSTOMERS = 60
STEPS = ("s1", "s2", "s3")
JOURNEY = """\
key: burst
name: Burst
trigger: {event: app.visited}
steps:
""" + "".join(
    f"  - id: {s}\n    send: {{channels: [email], template: test.note, kind: transactional}}\n"
    for s in STEPS
)


def start_worker(db_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CARELOOP_DATABASE_URL": db_url,
        "CARELOOP_JOURNEY_LEASE_SECONDS": "3",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "careloop.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, timeout: float = 90.0) -> bool:  # type: ignore[no-untyped-def]
    # Real processes on a real clock: polling is the only way to watch them.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    world: World, ctx: AppContext, db_url: str
) -> None:
    world.install(text=JOURNEY)
    customers = [world.customer(f"w{i}", email=f"w{i}@example.com") for i in range(CUSTOMERS)]
    for c in customers:
        world.event(c, "app.visited", {})
    with ctx.sessions() as s, s.begin():
        while dispatch_pending(session=s, clock=world.clock):
            pass

    def count(stmt):  # type: ignore[no-untyped-def]
        with ctx.sessions() as s:
            return s.scalar(stmt)

    workers = {w.pid: w for w in (start_worker(db_url) for _ in range(3))}
    try:
        # Kill whichever worker is first seen holding a claim, in the middle of its batch.
        holder = select(JourneyEnrollment.lease_owner).where(
            JourneyEnrollment.lease_owner.is_not(None)
        )
        owner: list[str] = []
        assert wait_for(lambda: owner.extend(filter(None, [count(holder.limit(1))])) or owner)
        victim = workers[int(owner[0].split(":")[1])]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        running = (
            select(func.count())
            .select_from(JourneyEnrollment)
            .where(JourneyEnrollment.status != "done")
        )
        assert wait_for(lambda: count(running) == 0), "enrollments left unfinished"
    finally:
        for w in workers.values():
            if w.poll() is None:
                w.terminate()
        for w in workers.values():
            w.wait(timeout=30)

    with ctx.sessions() as s:
        keys = list(s.scalars(select(Message.idempotency_key)))
        enrollment_ids = list(s.scalars(select(JourneyEnrollment.id)))
    assert len(enrollment_ids) == CUSTOMERS
    expected = {f"enr:{e}:{step}" for e in enrollment_ids for step in STEPS}
    assert Counter(keys) == Counter(expected)
