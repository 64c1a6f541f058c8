from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import Conflict, NotFound, ValidationFailed
from careloop.customers.models import TimelineEvent
from careloop.shops.models import Shop
from careloop.support import service
from careloop.support.clocks import sla_state
from careloop.support.models import StaffTask
from careloop.support.sla import ClockState
from tests.conftest import ShopFactory
from tests.support.factories import make_customer, make_order, make_staff


@pytest.fixture
def desk(session: Session, shop: Shop) -> Session:
    """A session inside a transaction with the shop attached."""
    session.begin()
    session.merge(shop)
    return session


@pytest.fixture
def other_shop(make_shop: ShopFactory) -> Shop:
    return make_shop("other")


def _types(session: Session, customer_id: int) -> list[str]:
    rows = session.scalars(
        select(TimelineEvent.type)
        .where(TimelineEvent.customer_id == customer_id, TimelineEvent.type.like("ticket.%"))
        .order_by(TimelineEvent.id)
    )
    return list(rows)


def test_open_ticket_links_customer_and_order_and_guesses_the_problem(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    lan = make_customer(desk, ctx, shop)
    order = make_order(desk, ctx, shop, lan)
    ticket = service.open_ticket(
        session=desk,
        clock=ctx.clock,
        shop=shop,
        customer_id=lan.id,
        subject="Cốc bị vỡ",
        body="Hàng đến nơi thì cốc bị vỡ rồi",
        channel="sms",
        order_id=order.id,
    )
    assert ticket.status == "new"
    assert ticket.problem_type == "damaged_defective"
    assert ticket.order_id == order.id
    assert ticket.sla_policy == "standard"
    assert _types(desk, lan.id) == ["ticket.opened"]
    assert service.open_ticket_count(session=desk, shop_id=shop.id, customer_id=lan.id) == 1


def test_the_same_source_event_opens_one_ticket(desk: Session, ctx: AppContext, shop: Shop) -> None:
    lan = make_customer(desk, ctx, shop)
    first, again = (
        service.open_ticket(
            session=desk,
            clock=ctx.clock,
            shop=shop,
            customer_id=lan.id,
            subject="Low NPS",
            body="",
            source_event_key="survey:1",
        )
        for _ in range(2)
    )
    assert first.id == again.id
    assert service.open_ticket_count(session=desk, shop_id=shop.id, customer_id=lan.id) == 1


def test_an_angry_customer_gets_the_two_hour_promise(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    lan = make_customer(desk, ctx, shop)
    ticket = service.open_ticket(
        session=desk,
        clock=ctx.clock,
        shop=shop,
        customer_id=lan.id,
        subject="Quá tệ",
        body="Dịch vụ quá tệ, tôi rất bực mình",
    )
    assert ticket.problem_type == "angry"
    state = sla_state(desk, shop, ticket, ctx.clock.now())
    assert state.first_response.target == timedelta(hours=2)


def test_bad_input_names_every_field_and_stores_nothing(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.open_ticket(
            session=desk,
            clock=ctx.clock,
            shop=shop,
            customer_id=999,
            subject=" ",
            body="",
            channel="fax",
            priority="asap",
        )
    assert {e.field for e in caught.value.errors} == {
        "subject",
        "channel",
        "priority",
        "customer_id",
    }


def test_a_customer_of_another_shop_cannot_get_a_ticket_here(
    other_shop: Shop, desk: Session, ctx: AppContext, shop: Shop
) -> None:
    other = desk.merge(other_shop)
    stranger = make_customer(desk, ctx, other)
    with pytest.raises(ValidationFailed, match="customer_id"):
        service.open_ticket(
            session=desk, clock=ctx.clock, shop=shop, customer_id=stranger.id, subject="x", body=""
        )


def test_reply_answers_then_resolve_sets_fcr_asks_csat_and_schedules_a_check_in(
    desk: Session, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    make_staff(desk, ctx, shop, "owner@acme.test", role="owner")
    lan = make_customer(desk, ctx, shop)
    ticket = service.open_ticket(
        session=desk, clock=clock, shop=shop, customer_id=lan.id, subject="Hỏi", body="cách dùng?"
    )
    clock.advance(timedelta(minutes=20))
    service.reply(session=desk, clock=clock, shop=shop, ticket_id=ticket.id, body="Dạ, như sau...")
    assert ticket.status == "open"
    assert ticket.first_responded_at == clock.now()
    service.resolve_ticket(session=desk, clock=clock, shop=shop, ticket_id=ticket.id)
    assert ticket.status == "resolved"
    assert ticket.first_contact_resolution is True
    assert service.open_ticket_count(session=desk, shop_id=shop.id, customer_id=lan.id) == 0
    follow_up = desk.scalar(select(StaffTask).where(StaffTask.ticket_id == ticket.id))
    assert follow_up is not None and follow_up.kind == "follow_up"
    assert follow_up.due_at == clock.now() + timedelta(days=3)
    assert _types(desk, lan.id) == ["ticket.opened", "ticket.answered", "ticket.resolved"]
    state = sla_state(desk, shop, ticket, clock.now())
    assert state.first_response.state is ClockState.MET


def test_a_customer_reply_reopens_a_resolved_ticket_and_clears_fcr(
    desk: Session, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    lan = make_customer(desk, ctx, shop)
    ticket = service.open_ticket(
        session=desk, clock=clock, shop=shop, customer_id=lan.id, subject="Hỏi", body="?"
    )
    service.reply(session=desk, clock=clock, shop=shop, ticket_id=ticket.id, body="Đây ạ")
    service.resolve_ticket(session=desk, clock=clock, shop=shop, ticket_id=ticket.id)
    clock.advance(timedelta(hours=1))
    service.add_customer_message(
        session=desk, clock=clock, shop=shop, ticket=ticket, body="Vẫn chưa được", channel="sms"
    )
    assert ticket.status == "open"
    assert ticket.reopen_count == 1
    assert ticket.first_contact_resolution is False
    assert "ticket.reopened" in _types(desk, lan.id)
    state = sla_state(desk, shop, ticket, clock.now())
    assert state.next_response.state is ClockState.RUNNING


def test_pending_customer_pauses_and_closed_ticket_refuses_replies(
    desk: Session, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    lan = make_customer(desk, ctx, shop)
    ticket = service.open_ticket(
        session=desk, clock=clock, shop=shop, customer_id=lan.id, subject="Hỏi", body="?"
    )
    service.reply(
        session=desk, clock=clock, shop=shop, ticket_id=ticket.id, body="Mã đơn?", pending=True
    )
    assert ticket.status == "pending_customer"
    assert sla_state(desk, shop, ticket, clock.now()).resolution.state is ClockState.PAUSED
    assert ticket.sla_check_at is None
    service.close_ticket(session=desk, clock=clock, shop=shop, ticket_id=ticket.id)
    with pytest.raises(Conflict, match="closed"):
        service.reply(session=desk, clock=clock, shop=shop, ticket_id=ticket.id, body="hi")


def test_notes_stay_internal_and_another_shops_ticket_is_not_found(
    other_shop: Shop, desk: Session, ctx: AppContext, shop: Shop
) -> None:
    lan = make_customer(desk, ctx, shop)
    ticket = service.open_ticket(
        session=desk, clock=ctx.clock, shop=shop, customer_id=lan.id, subject="Hỏi", body="?"
    )
    note = service.add_note(
        session=desk, clock=ctx.clock, shop=shop, ticket_id=ticket.id, body="VIP", staff_id=None
    )
    assert note.kind == "note"
    assert ticket.first_responded_at is None
    other = desk.merge(other_shop)
    with pytest.raises(NotFound):
        service.get_ticket(desk, other.id, ticket.id)


def test_create_task_is_idempotent_and_assigns_by_rule(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    owner = make_staff(desk, ctx, shop, "owner@acme.test", role="owner")
    agent = make_staff(desk, ctx, shop, "agent@acme.test")
    lan = make_customer(desk, ctx, shop)
    due = ctx.clock.now() + timedelta(days=1)
    tasks = [
        service.create_task(
            session=desk,
            clock=ctx.clock,
            shop=shop,
            customer_id=lan.id,
            kind="call",
            title="Gọi cảm ơn",
            due_at=due,
            assignee_rule=rule,
            source="journeys",
            idempotency_key=f"k-{rule}",
        )
        for rule in ("owner", "least_busy", "agent@acme.test", None)
    ]
    assert [t.assignee_id for t in tasks] == [owner.id, agent.id, agent.id, None]
    again = service.create_task(
        session=desk,
        clock=ctx.clock,
        shop=shop,
        customer_id=lan.id,
        kind="call",
        title="changed",
        due_at=due,
        source="journeys",
        idempotency_key="k-owner",
    )
    assert again.id == tasks[0].id and again.title == "Gọi cảm ơn"


def test_create_task_rejects_an_unknown_kind_and_assignee(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    with pytest.raises(ValidationFailed, match="kind"):
        service.create_task(
            session=desk,
            clock=ctx.clock,
            shop=shop,
            customer_id=None,
            kind="dance",
            title="x",
            due_at=ctx.clock.now(),
            source="x",
            idempotency_key="k",
        )
    with pytest.raises(ValidationFailed, match="assignee_rule"):
        service.create_task(
            session=desk,
            clock=ctx.clock,
            shop=shop,
            customer_id=None,
            kind="call",
            title="x",
            due_at=ctx.clock.now(),
            assignee_rule="nobody@x.test",
            source="x",
            idempotency_key="k",
        )


def test_tasks_done_or_skipped_with_a_note(desk: Session, ctx: AppContext, shop: Shop) -> None:
    task = service.create_task(
        session=desk,
        clock=ctx.clock,
        shop=shop,
        customer_id=None,
        kind="handwritten_card",
        title="Viết thiệp",
        due_at=ctx.clock.now(),
        source="journeys",
        idempotency_key="card",
    )
    with pytest.raises(ValidationFailed, match="note"):
        service.complete_task(
            session=desk, clock=ctx.clock, shop=shop, task_id=task.id, outcome="skipped"
        )
    service.complete_task(
        session=desk,
        clock=ctx.clock,
        shop=shop,
        task_id=task.id,
        outcome="skipped",
        note="hết thiệp",
    )
    assert (task.status, task.note) == ("skipped", "hết thiệp")
    with pytest.raises(Conflict):
        service.complete_task(session=desk, clock=ctx.clock, shop=shop, task_id=task.id)
    assert service.list_tasks(session=desk, shop_id=shop.id) == []


def test_a_coupon_compensation_is_issued_by_loyalty_and_recorded_on_the_ticket(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    pytest.importorskip("careloop.loyalty.service")
    lan = make_customer(desk, ctx, shop)
    ticket = service.open_ticket(
        session=desk, clock=ctx.clock, shop=shop, customer_id=lan.id, subject="Vỡ", body="vỡ"
    )
    entry = service.record_compensation(
        session=desk, clock=ctx.clock, shop=shop, ticket_id=ticket.id, kind="coupon", percent_off=15
    )
    assert entry["percent_off"] == 15 and entry["code"]
    assert ticket.compensations == [entry]
    assert "compensate" in ticket.playbook
    with pytest.raises(ValidationFailed, match="kind"):
        service.record_compensation(
            session=desk, clock=ctx.clock, shop=shop, ticket_id=ticket.id, kind="hug"
        )


def test_the_inbox_puts_the_most_urgent_deadline_first(
    desk: Session, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    from careloop.support.views import inbox, next_deadline

    lan = make_customer(desk, ctx, shop)
    question = service.open_ticket(
        session=desk, clock=clock, shop=shop, customer_id=lan.id, subject="Hỏi size", body="?"
    )
    clock.advance(timedelta(minutes=30))
    angry = service.open_ticket(
        session=desk, clock=clock, shop=shop, customer_id=lan.id, subject="Quá tệ", body="!"
    )
    rows = inbox(session=desk, shop=shop, now=clock.now())
    assert [r.id for r in rows] == [angry.id, question.id]
    countdown = next_deadline(rows[0])
    assert countdown is not None and countdown.remaining_minutes == 120
