"""The desk's satisfaction asks go through channels' Outreach port: quiet hours and caps
apply to them as to every other message a customer can receive (issue 22 item 2; DESIGN.md
"Rules of the engine" 5: quiet hours in the customer's time zone are deferred, not dropped;
every suppressed message is recorded with the reason)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from careloop.channels.models import Message
from careloop.channels.outreach import Outcome
from careloop.channels.outreach_fake import InMemoryOutreach
from careloop.channels.policy import RULE_WINDOW_CAP
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from careloop.support import service
from careloop.support import tickets as service_tickets
from careloop.support.models import Ticket
from careloop.support.tickets import CSAT_TEMPLATE, REPLY_TEMPLATE
from tests.support.factories import make_customer, make_staff

# 22:30 on 2 Nov 2026 in Ho Chi Minh City (UTC+7), and 08:00 the next morning there.
LATE_EVENING = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)


def _complaint(ctx: AppContext, shop: Shop, customer: Customer, ref: str) -> int:
    with ctx.sessions() as s, s.begin():
        ticket = service.ingest_customer_reply(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            channel="sms",
            text="Cốc em nhận hôm qua bị vỡ ạ",
            provider_ref=ref,
        )
        return ticket.id


def _answer_and_resolve(ctx: AppContext, shop: Shop, ticket_id: int, staff_id: int) -> None:
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        service.reply(
            session=s,
            clock=ctx.clock,
            shop=merged,
            ticket_id=ticket_id,
            body="Em gửi cốc mới hôm nay ạ.",
            staff_id=staff_id,
        )
        service.resolve_ticket(
            session=s, clock=ctx.clock, shop=merged, ticket_id=ticket_id, staff_id=staff_id
        )


def _messages(ctx: AppContext, template_key: str) -> list[Message]:
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(Message).where(Message.template_key == template_key).order_by(Message.id)
            )
        )


def _setup(ctx: AppContext, shop: Shop) -> tuple[Customer, int]:
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        agent = make_staff(s, ctx, merged, "an@acme.test", role="owner")
        lan = make_customer(s, ctx, merged)
        s.flush()
        s.expunge(lan)
        return lan, agent.id


def test_a_satisfaction_ask_in_the_customers_quiet_hours_is_queued_for_the_morning(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    clock.advance(LATE_EVENING - clock.now())
    lan, agent_id = _setup(ctx, shop)
    ticket_id = _complaint(ctx, shop, lan, "sms-1")
    _answer_and_resolve(ctx, shop, ticket_id, agent_id)

    # The answer itself is transactional: it goes now, quiet hours or not.
    (answer,) = _messages(ctx, REPLY_TEMPLATE)
    assert (answer.status, answer.next_attempt_at) == ("queued", LATE_EVENING)
    (ask,) = _messages(ctx, CSAT_TEMPLATE)
    assert (ask.status, ask.next_attempt_at) == ("queued", NEXT_MORNING)
    with ctx.sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.csat_asked_at == LATE_EVENING


def test_a_satisfaction_ask_over_the_shops_cap_is_suppressed_with_the_rule_recorded(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    # On the shop object itself: the desk's calls merge it into their sessions.
    shop.contact_policy = {"capped_classes": ["marketing", "service"], "max_per_window": 1}
    with ctx.sessions() as s, s.begin():
        s.merge(shop)
    lan, agent_id = _setup(ctx, shop)
    first = _complaint(ctx, shop, lan, "sms-1")
    _answer_and_resolve(ctx, shop, first, agent_id)
    with ctx.sessions() as s, s.begin():
        service.close_ticket(session=s, clock=clock, shop=s.merge(shop), ticket_id=first)
    clock.advance(timedelta(days=3))
    second = _complaint(ctx, shop, lan, "sms-2")
    assert second != first
    _answer_and_resolve(ctx, shop, second, agent_id)

    asked, held = _messages(ctx, CSAT_TEMPLATE)
    assert asked.status == "queued"
    assert (held.status, held.reason) == ("suppressed", RULE_WINDOW_CAP)
    with ctx.sessions() as s:
        ticket = s.get(Ticket, second)
        assert ticket is not None and ticket.csat_asked_at is None


def _ticket_on_sms(ctx: AppContext, shop: Shop) -> int:
    lan, _ = _setup(ctx, shop)
    return _complaint(ctx, shop, lan, "sms-1")


def _send(ctx: AppContext, shop: Shop, ticket_id: int, outreach: InMemoryOutreach) -> str:
    with ctx.sessions() as s, s.begin():
        return service_tickets.send_to_customer(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            ticket=s.get_one(Ticket, ticket_id),
            template_key=CSAT_TEMPLATE,
            kind="service",
            context={},
            idempotency_key=f"support-csat:{ticket_id}",
            outreach=outreach,
        )


def test_the_desk_asks_on_the_tickets_channel_first_and_queues_a_deferred_ask_for_later(
    ctx: AppContext, shop: Shop
) -> None:
    fake = InMemoryOutreach()
    ticket_id = _ticket_on_sms(ctx, shop)
    assert _send(ctx, shop, ticket_id, fake) == "queued:1"
    (request,) = fake.requests
    assert request.channels[0] == "sms" and request.reply and request.on_defer == "schedule"
    assert request.context["ticket"]["id"] == ticket_id


def test_the_desk_words_each_outcome_of_the_port_for_its_staff(ctx: AppContext, shop: Shop) -> None:
    ticket_id = _ticket_on_sms(ctx, shop)
    answers = {
        "suppressed": Outcome("suppressed", rule=RULE_WINDOW_CAP),
        "duplicate": Outcome("enqueued"),
        "scheduled": Outcome("deferred", ("sms",), "quiet_hours", NEXT_MORNING, message_id=9),
    }
    said = {
        name: _send(ctx, shop, ticket_id, InMemoryOutreach(answer=lambda r, n, o=outcome: o))
        for name, outcome in answers.items()
    }
    assert said == {
        "suppressed": f"not_sent: {RULE_WINDOW_CAP}",
        "duplicate": "duplicate",
        "scheduled": "queued:9",
    }
