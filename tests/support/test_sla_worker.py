from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import TimelineEvent
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop
from careloop.support import service
from careloop.support.models import StaffTask, Ticket, TicketEventRow
from careloop.support.tasks import feedback_pass, sla_pass
from tests.support.factories import make_customer, make_staff

# conftest's START is Monday 2026-11-02 10:00 in Ho Chi Minh City.


def _open_angry_ticket(ctx: AppContext, shop: Shop) -> tuple[int, int, int]:
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        owner = make_staff(s, ctx, shop, "owner@acme.test", role="owner")
        agent = make_staff(s, ctx, shop, "agent@acme.test")
        lan = make_customer(s, ctx, shop)
        ticket = service.open_ticket(
            session=s,
            clock=ctx.clock,
            shop=shop,
            customer_id=lan.id,
            subject="Quá tệ",
            body="Tôi rất bực mình",
            assignee_rule="agent@acme.test",
        )
        return ticket.id, owner.id, agent.id


def _tasks(ctx: AppContext) -> list[tuple[str, int | None]]:
    with ctx.sessions() as s:
        rows = s.execute(select(StaffTask.title, StaffTask.assignee_id).order_by(StaffTask.id))
        return [(title, assignee) for title, assignee in rows]


def test_the_worker_warns_the_assignee_then_escalates_a_breach_to_the_owner(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    ticket_id, owner_id, agent_id = _open_angry_ticket(ctx, shop)
    assert sla_pass(ctx) == 0
    clock.advance(timedelta(hours=1, minutes=31))  # 11:31, lunch 12-13 not yet counted
    sla_pass(ctx)
    assert _tasks(ctx) == [
        (f"SLA warning: ticket #{ticket_id} needs its first response soon", agent_id)
    ]
    clock.advance(timedelta(hours=2))  # due 13:00 (2 h of business time) has passed
    sla_pass(ctx)
    assert sla_pass(ctx) == 0  # nothing new on a second pass
    with ctx.sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.assignee_id == owner_id  # reassigned away from the agent
        assert ticket.escalated_at is not None
        breaches = s.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "ticket.sla_breached")
        ).all()
        assert [b.payload["clock"] for b in breaches] == ["first_response"]
    assert _tasks(ctx)[-1] == (
        f"SLA breached: ticket #{ticket_id} missed its first response target",
        owner_id,
    )


def test_a_late_answer_is_recorded_as_a_breach_without_escalation(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    ticket_id, _owner_id, agent_id = _open_angry_ticket(ctx, shop)
    clock.advance(timedelta(hours=4))
    with ctx.sessions() as s, s.begin():
        service.reply(
            session=s, clock=clock, shop=s.merge(shop), ticket_id=ticket_id, body="Xin lỗi chị"
        )
    with ctx.sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.breached_at is not None
        assert ticket.assignee_id == agent_id and ticket.escalated_at is None


def test_no_warning_at_night_the_clock_waits_for_opening_hours(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    clock.advance(timedelta(hours=8))  # 18:00, the shop is closed
    ticket_id, _owner, _agent = _open_angry_ticket(ctx, shop)
    clock.advance(timedelta(hours=13))  # 07:00 next morning
    sla_pass(ctx)
    assert _tasks(ctx) == []
    with ctx.sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.sla_check_at is not None
        # Warn after 1.5 h of the 2 h: 09:30 local, 02:30 UTC.
        assert ticket.sla_check_at.hour == 2 and ticket.sla_check_at.minute == 30


def test_staff_notifications_wait_for_working_hours(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    clock.advance(timedelta(hours=10))  # 20:00 local
    with ctx.sessions() as s, s.begin():
        task = service.create_task(
            session=s,
            clock=clock,
            shop=s.merge(shop),
            customer_id=None,
            kind="call",
            title="Gọi khách",
            due_at=clock.now(),
            source="test",
            idempotency_key="night",
        )
        # Tuesday 08:00 local = 01:00 UTC.
        assert task.notify_at.isoformat() == "2026-11-03T01:00:00+00:00"
        visible = service.list_tasks(session=s, shop_id=shop.id, visible_at=clock.now())
        assert visible == []
        tomorrow = clock.now() + timedelta(hours=12)
        assert service.list_tasks(session=s, shop_id=shop.id, visible_at=tomorrow) == [task]


def _feedback(ctx: AppContext, shop: Shop, type_: str, payload: dict[str, object], key: str) -> int:
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        lan = make_customer(s, ctx, shop)
        record_event(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=lan.id,
            type=type_,
            payload=payload,
            event_key=key,
            source="test",
        )
        return lan.id


def test_unhappy_feedback_opens_one_ticket_with_the_two_hour_promise(
    ctx: AppContext, shop: Shop
) -> None:
    detractor = _feedback(ctx, shop, "survey.answered", {"kind": "nps", "score": 3}, "s1")
    _feedback(ctx, shop, "survey.answered", {"kind": "nps", "score": 9}, "s2")
    _feedback(ctx, shop, "survey.answered", {"kind": "csat", "score": 3}, "s3")
    critic = _feedback(ctx, shop, "review.posted", {"rating": 1, "platform": "google"}, "r1")
    _feedback(ctx, shop, "review.posted", {"rating": 4, "platform": "google"}, "r2")
    assert feedback_pass(ctx) == 5
    assert feedback_pass(ctx) == 0
    with ctx.sessions() as s:
        tickets = s.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert [(t.customer_id, t.subject, t.sla_policy) for t in tickets] == [
            (detractor, "Low NPS score: 3", "negative_feedback"),
            (critic, "1★ review on google", "negative_feedback"),
        ]
        assert (
            s.scalar(select(TicketEventRow.id).where(TicketEventRow.type == "sla_warning")) is None
        )
