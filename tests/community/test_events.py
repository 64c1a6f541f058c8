from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from careloop.community.models import Rsvp
from careloop.community.workshops import cancel_rsvp, check_in, create_event, rsvp, rsvps_of
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import Conflict
from careloop.customers.models import Customer, TimelineEvent
from careloop.shops.models import Shop

from .factories import links, make_customer, messages, run_worker


def _event(ctx: AppContext, shop: Shop, capacity: int = 2, **extra: object) -> int:
    with ctx.sessions() as s, s.begin():
        return create_event(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            title="Home brewing workshop",
            starts_at=ctx.clock.now() + timedelta(days=3),
            capacity=capacity,
            language="en",
            segments=["champions"],
            **extra,  # type: ignore[arg-type]
        ).id


def _rsvp(ctx: AppContext, shop: Shop, event_id: int, customer: Customer) -> str:
    with ctx.sessions() as s, s.begin():
        return rsvp(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            event_id=event_id,
            customer_id=customer.id,
        ).status


def test_an_event_fills_up_and_a_cancellation_promotes_the_first_on_the_waitlist(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    event_id = _event(ctx, shop, capacity=2)
    a, b, c, d = (make_customer(ctx, shop, cid) for cid in ("A", "B", "C", "D"))
    assert [_rsvp(ctx, shop, event_id, x) for x in (a, b)] == ["going", "going"]
    clock.advance(timedelta(minutes=1))
    assert _rsvp(ctx, shop, event_id, c) == "waitlist"
    clock.advance(timedelta(minutes=1))
    assert _rsvp(ctx, shop, event_id, d) == "waitlist"
    assert _rsvp(ctx, shop, event_id, a) == "going"  # asking again changes nothing

    with ctx.sessions() as s, s.begin():
        promoted = cancel_rsvp(
            session=s,
            clock=clock,
            shop=s.merge(shop),
            event_id=event_id,
            customer_id=b.id,
            links=links(ctx),
        )
        assert promoted is not None and promoted.customer_id == c.id

    with ctx.sessions() as s:
        statuses = {cust.external_id: r.status for r, cust in rsvps_of(s, shop.id, event_id)}
        assert statuses == {"A": "going", "B": "cancelled", "C": "going", "D": "waitlist"}
        types = s.scalars(
            select(TimelineEvent.type).where(
                TimelineEvent.customer_id == c.id, TimelineEvent.type.like("event.%")
            )
        ).all()
        assert sorted(types) == ["event.promoted", "event.waitlisted"]
    run_worker(ctx)
    told = messages(ctx, "event:")
    assert [(m.customer_id, m.template_key, m.kind) for m in told] == [
        (c.id, "community.event_promoted", "service")
    ]
    assert "/rsvp/" in told[0].body_text


def test_reminders_go_the_day_before_and_the_thank_you_with_a_survey_after_check_in(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    event_id = _event(ctx, shop, capacity=5)
    a, b = make_customer(ctx, shop, "A"), make_customer(ctx, shop, "B")
    _rsvp(ctx, shop, event_id, a)
    _rsvp(ctx, shop, event_id, b)
    run_worker(ctx)
    assert messages(ctx, "event:") == []
    clock.advance(timedelta(days=2, hours=1))  # the day before, 11:00 local
    run_worker(ctx)
    reminders = messages(ctx, "event:")
    assert {m.template_key for m in reminders} == {"community.event_reminder"}
    assert len(reminders) == 2
    clock.advance(timedelta(days=1))
    with ctx.sessions() as s, s.begin():
        check_in(session=s, clock=clock, shop=s.merge(shop), event_id=event_id, customer_id=a.id)
    clock.advance(timedelta(hours=3))
    run_worker(ctx)
    thanks = [m for m in messages(ctx, "event:") if m.template_key == "community.event_thanks"]
    assert [m.customer_id for m in thanks] == [a.id]
    assert "__careloop_link_survey__" in thanks[0].body_text  # signed by the dispatcher
    with ctx.sessions() as s:
        attended = s.scalars(
            select(TimelineEvent.customer_id).where(TimelineEvent.type == "event.attended")
        ).all()
        assert attended == [a.id]
    run_worker(ctx)
    assert len(messages(ctx, "event:")) == 3  # each step once


def test_a_members_only_workshop_seat_costs_the_workshop_seat_reward(
    ctx: AppContext, shop: Shop
) -> None:
    from careloop.loyalty.entitlements import grant_entitlement

    event_id = _event(ctx, shop, seat_reward=True)
    member, other = make_customer(ctx, shop, "M"), make_customer(ctx, shop, "N")
    with ctx.sessions() as s, s.begin():
        grant_entitlement(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=member.id,
            key="workshop_seat",
            source="reward",
            idempotency_key="seat-1",
        )
    assert _rsvp(ctx, shop, event_id, member) == "going"
    with pytest.raises(Conflict, match="workshop seat"):
        _rsvp(ctx, shop, event_id, other)
    with ctx.sessions() as s:
        row = s.scalar(select(Rsvp).where(Rsvp.customer_id == member.id))
        assert row is not None and row.used_seat_reward
