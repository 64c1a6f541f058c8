from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from careloop.channels.models import Message
from careloop.journeys.effects import LiveEffects
from careloop.journeys.enroll import holdout_point
from careloop.journeys.models import JourneyEnrollment
from careloop.journeys.runner import LostLease, claim_due, run_claimed
from careloop.journeys.service import pause_journey
from careloop.orders.models import Product
from tests.journeys.conftest import World, messages_of

NOTE = """\
key: note
name: Note
trigger:
  event: app.visited
{extra}
steps:
  - id: first
    send: {{channels: [email], template: test.note, kind: transactional}}
  - id: pause
    wait: {{duration: 2d}}
  - id: second
    send: {{channels: [email], template: test.note, kind: transactional}}
"""


def enrollments(world: World) -> list[JourneyEnrollment]:
    with world.session() as s:
        return list(s.scalars(select(JourneyEnrollment).order_by(JourneyEnrollment.id)))


def test_the_same_event_key_twice_enrolls_once_and_sends_once(world: World) -> None:
    world.install("golden_hours")
    mai = world.customer()
    world.order(mai)
    world.order(mai)  # the platform re-sends the webhook
    world.work()
    assert len(enrollments(world)) == 1
    assert len(messages_of(world, mai)) == 1


def test_a_running_enrollment_finishes_on_the_version_it_started(world: World) -> None:
    world.install(text=NOTE.format(extra=""))
    mai = world.customer()
    world.event(mai, "app.visited", {})
    world.work()
    world.install(
        text=NOTE.format(extra="").replace(
            "kind: transactional}\n  - id: pause",
            "kind: transactional}\n  - id: stop\n    exit: {}\n  - id: pause",
        )
    )
    world.event(mai, "app.visited", {})
    world.days_later(3)
    first, second = enrollments(world)
    assert (first.status, first.step_id) == ("done", "end")
    assert (second.status, second.exit_reason) == ("exited", "exit step")
    assert len(messages_of(world, mai)) == 3


def test_reentry_once_enrolls_a_customer_only_the_first_time(world: World) -> None:
    world.install(text=NOTE.format(extra="reentry: once"))
    mai = world.customer()
    for _ in range(3):
        world.event(mai, "app.visited", {})
    world.work()
    assert len(enrollments(world)) == 1


def test_not_while_active_waits_for_the_running_enrollment_to_finish(world: World) -> None:
    world.install(text=NOTE.format(extra="reentry: not_while_active"))
    mai = world.customer()
    world.event(mai, "app.visited", {})
    world.event(mai, "app.visited", {})
    world.days_later(3)
    world.event(mai, "app.visited", {})
    world.work()
    assert len(enrollments(world)) == 2


def test_holdout_customers_are_recorded_but_get_nothing(world: World) -> None:
    world.install(text=NOTE.format(extra="holdout: 0.5"))
    customers = [world.customer(f"h{i}") for i in range(12)]
    for c in customers:
        world.event(c, "app.visited", {})
    world.work()
    rows = enrollments(world)
    held = [e for e in rows if e.status == "holdout"]
    assert 0 < len(held) < 12
    for e in held:
        assert holdout_point("note", e.customer_id, e.trigger_key) < 0.5
        assert messages_of(world, next(c for c in customers if c.id == e.customer_id)) == []


def test_a_paused_journey_holds_its_enrollments_until_resumed(world: World) -> None:
    world.install(text=NOTE.format(extra=""))
    mai = world.customer()
    world.event(mai, "app.visited", {})
    world.work()
    with world.session() as s, s.begin():
        pause_journey(session=s, clock=world.clock, shop=s.merge(world.shop), key="note")
    world.days_later(3)
    assert len(messages_of(world, mai)) == 1
    world.install(text=NOTE.format(extra=""))  # same text: re-activates the same version
    world.work()
    assert len(messages_of(world, mai)) == 2


def test_a_worker_that_lost_its_lease_rolls_its_step_back(world: World) -> None:
    world.install(text=NOTE.format(extra=""))
    mai = world.customer()
    world.event(mai, "app.visited", {})
    from careloop.journeys.tasks import dispatch_events

    dispatch_events(world.ctx)
    with world.session() as s, s.begin():
        (slow,) = claim_due(session=s, clock=world.clock, owner="slow")
    world.clock.advance(timedelta(minutes=5))  # the lease runs out
    with world.session() as s, s.begin():
        (fast,) = claim_due(session=s, clock=world.clock, owner="fast")
    with world.session() as s, s.begin():
        run_claimed(session=s, clock=world.clock, claim=fast, effects=LiveEffects())
    try:
        with world.session() as s, s.begin():
            run_claimed(session=s, clock=world.clock, claim=slow, effects=LiveEffects())
    except LostLease:
        pass
    else:
        raise AssertionError("the slow worker should have lost")
    keys = [m.idempotency_key for m in messages_of(world, mai)]
    assert keys == [f"enr:{fast.enrollment_id}:first"]


def test_a_birthday_enrolls_three_days_before_and_only_once_a_year(world: World) -> None:
    world.install("birthday")
    today = world.clock.now().date()
    mai = world.customer(
        birthday=date(1990, (today + timedelta(days=3)).month, (today + timedelta(days=3)).day)
    )
    world.customer(
        "c2",
        birthday=date(1990, (today + timedelta(days=10)).month, (today + timedelta(days=10)).day),
    )
    world.work()
    world.clock.advance(timedelta(hours=2))
    world.work()
    rows = enrollments(world)
    assert [(e.customer_id, e.trigger_key) for e in rows] == [
        (mai.id, f"birthday:{(today + timedelta(days=3)).year}")
    ]
    assert [m.template_key for m in messages_of(world, mai)] == ["birthday.wish"]


def test_a_product_running_out_triggers_the_reorder_reminder_14_days_before(world: World) -> None:
    world.install("replenishment")
    mai = world.customer()
    world.order(mai, lines=[("COFFEE", 2)])
    with world.session() as s, s.begin():
        s.execute(update(Product).where(Product.sku == "COFFEE").values(usage_days=15))
    world.days_later(10)
    assert enrollments(world) == []
    world.days_later(7)  # run-out on day 30, now day 17
    (enrollment,) = enrollments(world)
    assert enrollment.trigger_key == "runout:o1:COFFEE"
    assert enrollment.context["days_left"] == 13
    assert [m.template_key for m in messages_of(world, mai)] == ["replenishment.reminder"]


def test_sixty_days_without_an_order_starts_re_engagement_once(world: World) -> None:
    world.install("re_engagement")
    mai = world.customer()
    world.order(mai, status="placed")
    world.days_later(59)
    assert enrollments(world) == []
    world.days_later(2)
    world.days_later(2)
    rows = [e for e in enrollments(world) if e.status != "holdout"]
    assert len(enrollments(world)) == 1
    if rows:
        assert messages_of(world, mai)[0].template_key == "re_engagement.we_miss_you"


def test_a_suppressed_send_is_recorded_with_its_rule(world: World) -> None:
    world.install(text=NOTE.format(extra="").replace("transactional", "marketing"))
    mai = world.customer(email=None)
    world.event(mai, "app.visited", {})
    world.work()
    with world.session() as s:
        (message,) = s.scalars(select(Message))
    assert (message.status, message.reason) == ("suppressed", "unreachable")
