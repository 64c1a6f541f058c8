"""The one queue (careloop/core/queue.py): claim, lease, fence and retry, on a table of its
own, with the virtual clock, on SQLite and (CARELOOP_TEST_DATABASE_URL) PostgreSQL.

Claims on PostgreSQL use `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL documentation,
"SELECT", The Locking Clause: "With SKIP LOCKED, any selected rows that cannot be
immediately locked are skipped"); the exactly-once runs of journeys and channels on top of
it are tested in tests/journeys and tests/channels."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from careloop.core import queue
from careloop.core.clock import VirtualClock
from careloop.core.queue import Lease, LostLease, RetryPolicy
from careloop.db.base import UTCDateTime
from careloop.db.engine import make_engine
from tests.conftest import START

META = MetaData()
ITEMS = Table(
    "test_queue_items",
    META,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("due_at", UTCDateTime, nullable=True),
    Column("state", String(16)),
    Column("fence", Integer, nullable=False, default=0),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UTCDateTime, nullable=True),
    Index("ix_test_queue_items_due", "state", "due_at"),
)
DUE = "state = 'due' AND due_at <= :q_now"
DONE = queue.fenced_update(ITEMS).values(state=bindparam("state"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    META.create_all(engine)
    try:
        yield engine
    finally:
        META.drop_all(engine)
        engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine)


def add_items(sessions: sessionmaker[Session], count: int, clock: VirtualClock) -> None:
    with sessions() as s, s.begin():
        s.execute(
            ITEMS.insert(),
            [
                {"due_at": clock.now() - timedelta(minutes=count - n), "state": "due", "fence": 0}
                for n in range(count)
            ],
        )


def claim(
    sessions: sessionmaker[Session], clock: VirtualClock, owner: str, limit: int = 10
) -> list[Lease]:
    with sessions() as s, s.begin():
        return queue.claim(
            s,
            ITEMS,
            now=clock.now(),
            until=queue.lease_until(clock, 60),
            owner=owner,
            limit=limit,
            due=DUE,
            order_by="due_at, id",
        )


def test_a_claim_leases_the_oldest_due_rows_with_a_new_fence(
    sessions: sessionmaker[Session],
) -> None:
    clock = VirtualClock(START)
    add_items(sessions, 5, clock)
    first = claim(sessions, clock, "a", limit=3)
    second = claim(sessions, clock, "b", limit=3)
    assert [lease.id for lease in first] == [1, 2, 3]
    assert [lease.id for lease in second] == [4, 5]  # leased rows are not due
    assert {lease.fence for lease in first + second} == {1}
    assert all(lease.until == START + timedelta(seconds=60) for lease in first)
    with sessions() as s:
        owners = {r.id: r.lease_owner for r in s.execute(ITEMS.select())}
    assert owners == {1: "a", 2: "a", 3: "a", 4: "b", 5: "b"}


def test_a_lease_that_expired_is_reclaimed_by_another_worker(
    sessions: sessionmaker[Session],
) -> None:
    clock = VirtualClock(START)
    add_items(sessions, 1, clock)
    [dead] = claim(sessions, clock, "dies")
    clock.advance(timedelta(seconds=60))
    assert claim(sessions, clock, "early") == []  # still leased at the last second
    clock.advance(timedelta(seconds=1))
    [taken] = claim(sessions, clock, "heir")
    assert taken.id == dead.id
    assert taken.fence == dead.fence + 1


def test_a_stale_fencing_token_cannot_complete(sessions: sessionmaker[Session]) -> None:
    clock = VirtualClock(START)
    add_items(sessions, 1, clock)
    [dead] = claim(sessions, clock, "slow")
    clock.advance(timedelta(seconds=61))
    [heir] = claim(sessions, clock, "heir")
    with pytest.raises(LostLease) as lost, sessions() as s, s.begin():
        queue.complete(s, DONE, [{**queue.fence_params(dead), "state": "done-by-slow"}])
    assert lost.value.args == (dead.id,)
    with sessions() as s, s.begin():
        queue.complete(s, DONE, [{**queue.fence_params(heir), "state": "done"}])
    with sessions() as s:
        row = s.execute(ITEMS.select()).one()
    assert (row.state, row.fence, row.lease_owner, row.lease_until) == (
        "done",
        heir.fence + 1,
        None,
        None,
    )


def test_a_batch_completion_with_one_lost_lease_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    """The whole executemany is checked: the caller's transaction rolls back as one."""
    clock = VirtualClock(START)
    add_items(sessions, 2, clock)
    leases = claim(sessions, clock, "w")
    with sessions() as s, s.begin():
        s.execute(ITEMS.update().where(ITEMS.c.id == leases[1].id).values(fence=ITEMS.c.fence + 1))
    with pytest.raises(LostLease), sessions() as s, s.begin():
        queue.complete(s, DONE, [{**queue.fence_params(x), "state": "done"} for x in leases])
    with sessions() as s:
        assert {row.state for row in s.execute(ITEMS.select())} == {"due"}


def test_renewing_extends_only_the_leases_still_held(sessions: sessionmaker[Session]) -> None:
    clock = VirtualClock(START)
    add_items(sessions, 2, clock)
    mine, lost = claim(sessions, clock, "w")
    with sessions() as s, s.begin():
        s.execute(ITEMS.update().where(ITEMS.c.id == lost.id).values(fence=ITEMS.c.fence + 1))
    later = START + timedelta(seconds=200)
    with sessions() as s, s.begin():
        queue.renew(s, ITEMS, [mine, lost], later)
    with sessions() as s:
        until = {r.id: r.lease_until for r in s.execute(ITEMS.select())}
    assert until[mine.id] == later
    assert until[lost.id] == START + timedelta(seconds=60)


def test_linear_retry_waits_longer_each_attempt_and_gives_up_at_the_limit() -> None:
    clock = VirtualClock(START)
    policy = RetryPolicy(base_seconds=300, max_attempts=3, growth="linear")
    assert policy.retry_at(1, clock) == START + timedelta(seconds=300)
    assert policy.retry_at(2, clock) == START + timedelta(seconds=600)
    assert policy.retry_at(3, clock) is None  # dead: no more tries


def test_exponential_retry_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(base_seconds=60, max_attempts=8, cap_seconds=3600)
    assert [policy.delay(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_jittered_retry_stays_between_half_and_all_of_the_step() -> None:
    """Equal jitter: half of the step fixed, half random (seeded: the same every run)."""
    policy = RetryPolicy(base_seconds=60, max_attempts=8, cap_seconds=3600, jitter=True)
    rng = random.Random(7)
    for attempt in range(1, 9):
        step = min(60 * 2 ** (attempt - 1), 3600)
        assert step / 2 <= policy.delay(attempt, rng) <= step


def test_a_lease_is_free_when_none_is_held_or_its_time_ran_out() -> None:
    assert queue.lapsed(None, START)
    assert not queue.lapsed(START, START)
    assert queue.lapsed(START, START + timedelta(microseconds=1))


_PLANS = {  # PostgreSQL's `enable_*` settings turned off to force each join
    "hash": (),
    "nested loop": ("hashjoin", "mergejoin"),
    "nested loop that rescans the pick": ("hashagg", "sort", "hashjoin", "mergejoin", "material"),
}


@pytest.mark.parametrize("plan", list(_PLANS))
def test_a_claim_never_leases_more_than_its_limit_whatever_join_the_planner_picks(
    sessions: sessionmaker[Session], plan: str
) -> None:
    """PostgreSQL may run `id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)` as a semi join
    that rescans the subquery for every row, and each rescan skips the rows this statement
    already updated and locks the next one (seen once in CI: a claim of one message took
    three). The claim runs its pick once, as an InitPlan (`= ANY(ARRAY(subquery))`). The
    plans are forced with the documented settings (PostgreSQL documentation, "Planner Method
    Configuration"); on SQLite they are all the same claim."""
    clock = VirtualClock(START)
    add_items(sessions, 20, clock)
    with sessions() as s, s.begin():
        if s.get_bind().dialect.name == "postgresql":
            for method in _PLANS[plan]:
                s.execute(text(f"SET LOCAL enable_{method} = off"))
        leases = queue.claim(
            s,
            ITEMS,
            now=clock.now(),
            until=queue.lease_until(clock, 60),
            owner="one",
            limit=1,
            due=DUE,
            order_by="due_at, id",
        )
    with sessions() as s:
        leased = s.scalars(select(ITEMS.c.id).where(ITEMS.c.lease_owner.is_not(None))).all()
    assert [lease.id for lease in leases] == [1]
    assert leased == [1]
