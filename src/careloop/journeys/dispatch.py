"""Offering timeline events to journeys: exits, wake-ups of `wait_for`, new enrollments.

Journeys read the timeline through the one event feed (customers/event_feed.py, consumer
"journeys.dispatch", docs/decisions/0028): every event but those written as history, in id
order, a late commit re-read from the feed's gaps. The feed's cursor is locked for the pass
and moves in the same transaction as the enrollments the batch caused, so an event is acted
on exactly once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock, ensure_aware
from careloop.customers import event_feed
from careloop.customers.models import Customer, TimelineEvent
from careloop.journeys import conditions
from careloop.journeys.enroll import enroll
from careloop.journeys.facts import CustomerFacts
from careloop.journeys.models import RUNNABLE, Journey, JourneyEnrollment
from careloop.journeys.purchase_rule import order_enrolls
from careloop.journeys.schema import JourneyDef, Step
from careloop.journeys.service import definition_of, triggering_journeys
from careloop.orders.models import Order

# The journeys' cursor on the event feed (declared in journeys' manifest).
CONSUMER: Final = "journeys.dispatch"
BATCH_SIZE = 200
# An event this old when first offered (a late import not marked as backfill) enrolls no one:
# a "thank you" two weeks late does more harm than good.
STALE_EVENT_DAYS = 14

Triggering = Sequence[tuple[Journey, JourneyDef]]


def dispatch_pending(*, session: Session, clock: Clock, limit: int = BATCH_SIZE) -> int:
    """Read up to `limit` events journeys have not had (history passed over) and act on them;
    the feed's position commits with what they caused."""
    events = event_feed.read(
        session=session, clock=clock, consumer=CONSUMER, types=None, batch=limit, history=False
    )
    if not events:
        return 0
    journeys: dict[int, Triggering] = {}
    for event in events:
        if event.shop_id not in journeys:
            journeys[event.shop_id] = triggering_journeys(session, event.shop_id)
        handle_event(session=session, clock=clock, event=event, journeys=journeys[event.shop_id])
    return len(events)


def handle_event(
    *,
    session: Session,
    clock: Clock,
    event: TimelineEvent,
    journeys: Triggering,
    only_journey_ids: Collection[int] | None = None,
) -> None:
    """Everything one event means for journeys (also used by the simulator)."""
    if event.customer_id is None:
        return
    customer = session.get(Customer, event.customer_id)
    if customer is None or customer.shop_id != event.shop_id or customer.erased_at is not None:
        return
    payload = {**(event.payload or {}), "type": event.type}
    facts = CustomerFacts(
        session=session, customer=customer, now=clock.now(), context={"event": payload}
    )
    _exits_and_wakeups(session, clock, event, facts, only_journey_ids)
    if event.occurred_at < clock.now() - timedelta(days=STALE_EVENT_DAYS):
        return
    for journey, jdef in journeys:
        if event.type not in jdef.trigger.event_types():
            continue
        # Turned on at enrol_from: what happened before is not news (past orders imported
        # after go-live must not get a "thank you for your order" today).
        enrol_from = getattr(journey, "enrol_from", None)
        if enrol_from is not None and ensure_aware(event.occurred_at) < ensure_aware(enrol_from):
            continue
        if not conditions.holds(jdef.trigger.where, facts):
            continue
        order_ref = _order_ref(session, event)
        if not order_enrolls(
            session,
            enrol_on=jdef.enrol_on,
            shop_id=event.shop_id,
            customer_id=customer.id,
            order_ref=order_ref,
        ):
            continue  # e.g. a repeat order: the Golden Hours welcome a first purchase only
        trigger_key = f"order:{order_ref}" if order_ref else f"event:{event.id}"
        context: dict[str, Any] = {"event": payload, "event_id": event.id}
        if order_ref:
            context["order_id"] = order_ref
        enroll(
            session=session,
            clock=clock,
            journey=journey,
            jdef=jdef,
            customer_id=customer.id,
            trigger_key=trigger_key,
            anchor=event.occurred_at,
            context=context,
        )


def _order_ref(session: Session, event: TimelineEvent) -> str | None:
    ref = (event.payload or {}).get("order_id")
    if ref:
        return str(ref)
    if event.order_id is not None:
        return session.scalar(select(Order.external_id).where(Order.id == event.order_id))
    return None


def _exits_and_wakeups(
    session: Session,
    clock: Clock,
    event: TimelineEvent,
    facts: CustomerFacts,
    only_journey_ids: Collection[int] | None,
) -> None:
    stmt = select(JourneyEnrollment).where(
        JourneyEnrollment.shop_id == event.shop_id,
        JourneyEnrollment.customer_id == event.customer_id,
        JourneyEnrollment.status.in_(RUNNABLE),
    )
    if only_journey_ids is not None:
        stmt = stmt.where(JourneyEnrollment.journey_id.in_(list(only_journey_ids)))
    now = clock.now()
    for enrollment in session.scalars(stmt).all():
        journey = session.get(Journey, enrollment.journey_id)
        if journey is None:
            continue
        jdef = definition_of(journey)
        if event.occurred_at > enrollment.created_at and any(
            rule.event == event.type and conditions.holds(rule.where, facts)
            for rule in jdef.exit_on
        ):
            # Bumping the fence makes a runner that holds this row lose its step.
            session.execute(
                update(JourneyEnrollment)
                .where(
                    JourneyEnrollment.id == enrollment.id,
                    JourneyEnrollment.fence == enrollment.fence,
                )
                .values(
                    status="exited",
                    exit_reason=f"event {event.type}",
                    due_at=None,
                    finished_at=now,
                    updated_at=now,
                    fence=JourneyEnrollment.fence + 1,
                    lease_owner=None,
                    lease_until=None,
                )
            )
            continue
        step_id = enrollment.step_id
        if enrollment.status != "waiting" or step_id is None or step_id == "end":
            continue
        step = jdef.step(step_id)
        if _wakes(step, event.type):
            # Only a wake-up: the step itself looks for the event when it runs.
            session.execute(
                update(JourneyEnrollment)
                .where(
                    JourneyEnrollment.id == enrollment.id,
                    JourneyEnrollment.status == "waiting",
                    JourneyEnrollment.step_id == step_id,
                )
                .values(due_at=now)
            )


def _wakes(step: Step, event_type: str) -> bool:
    """Whether `event_type` may end the wait of `step`: the event a `wait_for` waits for, or
    the delivery a wait counted from delivery needs."""
    if step.wait_for is not None:
        return step.wait_for.event == event_type
    return (
        step.wait is not None
        and step.wait.counted_from == "delivery"
        and event_type == events.ORDER_DELIVERED
    )
