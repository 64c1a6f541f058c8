from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import TimelineEvent
from careloop.shops.models import Shop
from careloop.support import service
from careloop.support.clocks import sla_state
from careloop.support.feedback_watch import scan_feedback
from careloop.support.models import Ticket
from careloop.support.sla import ClockState
from careloop.support.tickets import messages_of
from tests.support.factories import make_customer, make_order, make_staff


def test_an_sms_complaint_is_answered_resolved_and_rated_by_sms(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        agent = make_staff(s, ctx, shop, "an@acme.test", role="owner")
        lan = make_customer(s, ctx, shop)
        order = make_order(s, ctx, shop, lan)
        ticket = service.ingest_customer_reply(
            session=s,
            clock=clock,
            shop=shop,
            customer=lan,
            channel="sms",
            text="Cốc em nhận hôm qua bị vỡ ạ",
            provider_ref="sms-1",
        )
        # The gateway retrying the same message changes nothing.
        again = service.ingest_customer_reply(
            session=s,
            clock=clock,
            shop=shop,
            customer=lan,
            channel="sms",
            text="Cốc em nhận hôm qua bị vỡ ạ",
            provider_ref="sms-1",
        )
        assert again.id == ticket.id
        assert (ticket.status, ticket.problem_type, ticket.channel) == (
            "new",
            "damaged_defective",
            "sms",
        )
        assert ticket.assignee_id == agent.id
        assert ticket.order_id == order.id  # the message names no order: the latest one
        ticket_id, customer_id = ticket.id, lan.id

    clock.advance(timedelta(minutes=30))
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        answer = service.reply(
            session=s,
            clock=clock,
            shop=shop,
            ticket_id=ticket_id,
            body="Em xin lỗi, bên em gửi hỏa tốc cốc mới hôm nay, chị không cần gửi trả ạ.",
            staff_id=agent.id,
        )
        assert answer.delivery is not None and answer.delivery.startswith("queued")
        service.record_compensation(
            session=s,
            clock=clock,
            shop=shop,
            ticket_id=ticket_id,
            kind="express_replacement",
            note="gửi GHN hỏa tốc",
        )

    clock.advance(timedelta(minutes=10))
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        lan_again = s.get(type(lan), customer_id)
        assert lan_again is not None
        thread = service.ingest_customer_reply(
            session=s,
            clock=clock,
            shop=shop,
            customer=lan_again,
            channel="sms",
            text="Dạ em cảm ơn shop",
            provider_ref="sms-2",
        )
        assert thread.id == ticket_id
        service.resolve_ticket(session=s, clock=clock, shop=shop, ticket_id=ticket_id)

    clock.advance(timedelta(hours=2))
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        lan_again = s.get(type(lan), customer_id)
        assert lan_again is not None
        rated = service.ingest_customer_reply(
            session=s,
            clock=clock,
            shop=shop,
            customer=lan_again,
            channel="sms",
            text="5",
            provider_ref="sms-3",
        )
        assert rated.id == ticket_id
        scan_feedback(session=s, clock=clock)

    with ctx.sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        assert (ticket.status, ticket.csat_score) == ("resolved", 5)
        assert ticket.compensations[0]["kind"] == "express_replacement"
        assert "compensate" in ticket.playbook
        conversation = [(m.author, m.body) for m in messages_of(s, ticket)]
        assert [a for a, _ in conversation] == ["customer", "staff", "customer"]
        state = sla_state(s, s.merge(shop), ticket, clock.now())
        assert state.first_response.state is ClockState.MET
        answered = s.scalars(
            select(TimelineEvent).where(
                TimelineEvent.customer_id == customer_id, TimelineEvent.type == "survey.answered"
            )
        ).all()
        assert [(e.payload["kind"], e.payload["score"]) for e in answered] == [("csat", 5)]
        # A happy rating opens no new ticket.
        assert s.scalar(select(Ticket.id).where(Ticket.id != ticket_id)) is None
