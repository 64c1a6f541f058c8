"""The runner claims a batch in one statement and runs it in one transaction: the leases,
fences and exactly-once sends still hold for every enrollment in it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from careloop.channels.models import Message
from careloop.channels.outreach import ChannelsOutreach, ContactRequest, Outreach
from careloop.channels.policy import ContactPolicy
from careloop.core.clock import Clock
from careloop.customers.models import Customer
from careloop.customers.service import set_consent
from careloop.journeys.dispatch import dispatch_pending
from careloop.journeys.effects import LiveEffects
from careloop.journeys.models import JourneyEnrollment
from careloop.journeys.runner import LEASE_SECONDS, RETRY_SECONDS, claim_due, run_batch, run_due
from careloop.shops.models import Shop
from tests.conftest import PG_URL
from tests.journeys.conftest import World

HELLO = """\
key: hello
name: Hello
trigger: {{event: app.visited}}
steps:
  - id: hello
    send: {{channels: [email], template: test.note, kind: {kind}}}
"""


def enroll(world: World, count: int, *, kind: str = "transactional") -> list[Customer]:
    world.install(text=HELLO.format(kind=kind))
    customers = [world.customer(f"b{i}", email=f"b{i}@example.com") for i in range(count)]
    for c in customers:
        world.event(c, "app.visited", {})
    with world.session() as s, s.begin():
        while dispatch_pending(session=s, clock=world.clock):
            pass
    return customers


def rows(world: World) -> list[JourneyEnrollment]:
    with world.session() as s:
        return list(s.scalars(select(JourneyEnrollment).order_by(JourneyEnrollment.id)))


def message_keys(world: World) -> Counter[str]:
    with world.session() as s:
        return Counter(s.scalars(select(Message.idempotency_key)))


def stagger(world: World) -> list[int]:
    """Make the enrollments due one minute apart, the last enrolled the longest overdue;
    their ids, oldest due first."""
    ids = [e.id for e in rows(world)]
    with world.session() as s, s.begin():
        for n, enrollment_id in enumerate(ids):
            s.execute(
                update(JourneyEnrollment)
                .where(JourneyEnrollment.id == enrollment_id)
                .values(due_at=world.clock.now() - timedelta(minutes=n + 1))
            )
    return list(reversed(ids))


def test_a_batch_claim_leases_the_oldest_due_first_and_the_next_claim_gets_the_rest(
    world: World,
) -> None:
    enroll(world, 5)
    oldest_first = stagger(world)
    with world.session() as s, s.begin():
        first = claim_due(session=s, clock=world.clock, owner="a", limit=3)
    with world.session() as s, s.begin():
        second = claim_due(session=s, clock=world.clock, owner="b", limit=3)
    assert [c.enrollment_id for c in first] == sorted(oldest_first[:3])
    assert [c.enrollment_id for c in second] == sorted(oldest_first[3:])
    assert {c.fence for c in first + second} == {1}
    owners = {e.id: e.lease_owner for e in rows(world)}
    assert owners == {i: "a" if i in oldest_first[:3] else "b" for i in oldest_first}


@pytest.mark.postgres_only
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (CARELOOP_TEST_DATABASE_URL)")
def test_two_workers_claiming_at_the_same_moment_get_disjoint_batches(world: World) -> None:
    enroll(world, 10)
    first_worker = world.session()
    try:
        with first_worker.begin():
            # Not committed yet: its rows are locked, and the second worker skips them.
            first = claim_due(session=first_worker, clock=world.clock, owner="a", limit=6)
            with world.session() as s, s.begin():
                second = claim_due(session=s, clock=world.clock, owner="b", limit=6)
    finally:
        first_worker.close()
    assert len(first) == 6
    assert len(second) == 4
    taken = [c.enrollment_id for c in first + second]
    assert sorted(taken) == [e.id for e in rows(world)]


def test_a_batch_runs_every_step_once_and_releases_every_lease(world: World) -> None:
    enroll(world, 7)
    assert run_due(sessions=world.ctx.sessions, clock=world.clock, effects=LiveEffects()) == 7
    assert run_due(sessions=world.ctx.sessions, clock=world.clock, effects=LiveEffects()) == 0
    assert {(e.status, e.lease_owner, e.fence) for e in rows(world)} == {("done", None, 2)}
    assert message_keys(world) == Counter(f"enr:{e.id}:hello" for e in rows(world))


class HookedOutreach(ChannelsOutreach):
    """The real Outreach, calling `before_send` just before it enqueues."""

    def __init__(self, effects: Hooked, session: Session, clock: Clock, **kw: Any) -> None:
        super().__init__(session, clock, **kw)
        self.effects = effects

    def enqueue(
        self, request: ContactRequest, channels: Sequence[str], scheduled_for: datetime | None
    ) -> int | None:
        self.effects.before_send(self.session, request)
        return super().enqueue(request, channels, scheduled_for)


class Hooked(LiveEffects):
    def outreach(
        self,
        session: Session,
        clock: Clock,
        *,
        rules: ContactPolicy,
        consents: Mapping[int, Mapping[str, str]] | None = None,
    ) -> Outreach:
        return HookedOutreach(self, session, clock, rules=rules, consents=consents)

    def before_send(self, session: Session, request: ContactRequest) -> None:
        return None


class FailsFor(Hooked):
    """Live effects whose send to one enrollment raises, or bumps its fence the first time
    (as an exit event, or a worker that took it over, would)."""

    def __init__(self, enrollment_id: int, *, steal: bool = False) -> None:
        self.enrollment_id, self.steal, self.calls = enrollment_id, steal, 0

    def before_send(self, session: Session, request: ContactRequest) -> None:
        if request.enrollment_id == self.enrollment_id:
            self.calls += 1
            if not self.steal:
                raise RuntimeError("provider template exploded")
            if self.calls == 1:
                session.execute(
                    update(JourneyEnrollment)
                    .where(JourneyEnrollment.id == self.enrollment_id)
                    .values(fence=JourneyEnrollment.fence + 1)
                )


def test_a_step_that_fails_in_a_batch_costs_only_its_own_enrollment(world: World) -> None:
    enroll(world, 4)
    broken = rows(world)[1].id
    effects = FailsFor(broken)
    assert run_due(sessions=world.ctx.sessions, clock=world.clock, effects=effects) == 3
    others = [e.id for e in rows(world) if e.id != broken]
    assert message_keys(world) == Counter(f"enr:{i}:hello" for i in others)
    failed = next(e for e in rows(world) if e.id == broken)
    assert (failed.status, failed.step_id, failed.lease_owner) == ("active", "hello", None)
    assert failed.context["attempts"] == 1
    assert "provider template exploded" in failed.context["last_error"]
    assert failed.due_at == world.clock.now() + timedelta(seconds=RETRY_SECONDS)


def test_a_fence_lost_during_a_batch_commits_nothing_of_it_and_each_step_runs_once(
    world: World,
) -> None:
    enroll(world, 4)
    stolen = rows(world)[2].id
    effects = FailsFor(stolen, steal=True)
    assert run_due(sessions=world.ctx.sessions, clock=world.clock, effects=effects) == 4
    assert effects.calls == 2  # the batch's attempt, rolled back; then its own transaction
    assert message_keys(world) == Counter(f"enr:{e.id}:hello" for e in rows(world))
    assert {e.status for e in rows(world)} == {"done"}


def test_an_enrollment_taken_over_after_the_claim_is_left_to_its_new_owner(
    world: World,
) -> None:
    enroll(world, 3)
    oldest_first = stagger(world)
    with world.session() as s, s.begin():
        ours = claim_due(session=s, clock=world.clock, owner="slow")
    world.clock.advance(timedelta(minutes=5))  # our leases ran out
    with world.session() as s, s.begin():
        (theirs,) = claim_due(session=s, clock=world.clock, owner="fast", limit=1)
    assert theirs.enrollment_id == oldest_first[0]
    with world.session() as s, s.begin():
        ran, rest = run_batch(session=s, clock=world.clock, claims=ours, effects=LiveEffects())
    assert (ran, rest) == (2, [])
    taken = next(e for e in rows(world) if e.id == theirs.enrollment_id)
    assert (taken.status, taken.lease_owner, taken.fence) == ("active", "fast", 2)
    assert message_keys(world) == Counter(f"enr:{i}:hello" for i in oldest_first[1:])


def test_caps_and_consents_hold_between_enrollments_of_one_batch(world: World) -> None:
    with world.session() as s, s.begin():
        shop = s.merge(world.shop)
        shop.contact_policy = {"quiet_hours": None}
    customers = enroll(world, 3, kind="marketing")
    mai, lan, _ = customers
    with world.session() as s, s.begin():
        shop = s.get_one(Shop, world.shop.id)
        set_consent(
            session=s,
            clock=world.clock,
            shop=shop,
            customer=s.get_one(Customer, lan.id),
            channel="email",
            state="denied",
            source="test",
        )
    # Mai visits again: a second enrollment of hers, due in the same batch as the first.
    world.event(mai, "app.visited", {"again": True})
    with world.session() as s, s.begin():
        dispatch_pending(session=s, clock=world.clock)
    assert len(rows(world)) == 4
    run_due(sessions=world.ctx.sessions, clock=world.clock, effects=LiveEffects())
    with world.session() as s:
        outcome: dict[int, list[Any]] = {}
        for message in s.scalars(select(Message).order_by(Message.id)):
            outcome.setdefault(message.customer_id, []).append((message.status, message.reason))
    statuses = {cid: [status for status, _ in found] for cid, found in outcome.items()}
    assert statuses[mai.id] == ["queued", "deferred"]  # one a day, the second waits
    assert outcome[lan.id] == [("suppressed", "no_consent")]
    assert statuses[customers[2].id] == ["queued"]


class Slow(Hooked):
    """Live effects whose every send takes a third of the lease on the clock."""

    def __init__(self, world: World) -> None:
        self.world = world

    def before_send(self, session: Session, request: ContactRequest) -> None:
        self.world.clock.advance(timedelta(seconds=LEASE_SECONDS / 3))


def test_a_slow_batch_commits_in_pieces_and_renews_the_leases_of_the_rest(
    world: World,
) -> None:
    enroll(world, 4)
    claimed_at = world.clock.now()
    assert run_due(sessions=world.ctx.sessions, clock=world.clock, effects=Slow(world)) == 4
    # Four thirds of a lease went by: without renewal the last claims would have expired.
    assert world.clock.now() > claimed_at + timedelta(seconds=LEASE_SECONDS)
    # Claimed once, written back once: renewing a lease keeps its fence.
    assert {(e.status, e.lease_owner, e.fence) for e in rows(world)} == {("done", None, 2)}
    assert message_keys(world) == Counter(f"enr:{e.id}:hello" for e in rows(world))
