"""Ticket lifecycle: open, reply, note, assign, pending, resolve, reopen, close; compensation
and the playbook checklist. Every change is a ticket event (the SLA clocks replay them) and the
customer-facing moments are timeline events."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.channels.outreach import ContactRequest, Kind, Outreach, outreach_for
from careloop.core.clock import Clock
from careloop.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from careloop.core.ports import Rewards, port
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.feedback.service import record_response
from careloop.orders.models import Order
from careloop.shops.models import Shop, StaffUser
from careloop.support import task_text
from careloop.support.classifier import classify
from careloop.support.clocks import refresh_sla
from careloop.support.config import sla_rules, support_settings
from careloop.support.models import Ticket, TicketEventRow, TicketMessage
from careloop.support.peers import entitlements_of, segment_of
from careloop.support.playbooks import COMPENSATIONS, STEPS
from careloop.support.sla import Priority, ProblemType, TicketFacts, TicketStatus, select_policy
from careloop.support.worklist import create_task, least_busy, resolve_assignee

log = logging.getLogger("careloop.support")

ACTIVE: Final = ("new", "open", "pending_customer")
CHANNELS: Final = ("system", "staff", "api", "email", "sms", "zalo")
CUSTOMER_CHANNELS: Final = ("email", "sms", "zalo")
REPLY_TEMPLATE: Final = "support.reply"
CSAT_TEMPLATE: Final = "support.csat_ask"


def _refresh(session: Session, clock: Clock, shop: Shop, ticket: Ticket, now: datetime) -> None:
    """Recompute the clocks; a breach that a late answer reveals is recorded at once."""
    from careloop.support.escalation import apply_sla  # escalation builds on this module

    apply_sla(session, clock, shop, ticket, refresh_sla(session, shop, ticket, now))


def get_ticket(session: Session, shop_id: int, ticket_id: int) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.shop_id == shop_id, Ticket.id == ticket_id))
    if ticket is None:
        raise NotFound("ticket", ticket_id)
    return ticket


def ticket_ref(ticket: Ticket) -> str:
    """The tag in email subjects that threads a reply back: `[#T-42]`."""
    return f"[#T-{ticket.id}]"


def add_event(
    session: Session,
    ticket: Ticket,
    type: str,
    at: datetime,
    *,
    staff_id: int | None = None,
    data: dict[str, Any] | None = None,
    event_key: str | None = None,
) -> bool:
    """Append a ticket event; an `event_key` already stored is skipped (returns False)."""
    row = TicketEventRow(
        shop_id=ticket.shop_id,
        ticket_id=ticket.id,
        type=type,
        at=at,
        staff_id=staff_id,
        data=data or {},
        event_key=event_key,
    )
    if event_key is None:
        session.add(row)
        session.flush()
        return True
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def _timeline(
    session: Session, clock: Clock, ticket: Ticket, type: str, key: str, summary: str, **extra: Any
) -> None:
    record_event(
        session=session,
        clock=clock,
        shop_id=ticket.shop_id,
        customer_id=ticket.customer_id,
        order_id=ticket.order_id,
        type=type,
        source="support",
        event_key=f"ticket:{ticket.id}:{key}",
        payload={"ticket_id": ticket.id, "subject": ticket.subject, **extra},
        summary=summary,
    )


# --- Opening ----------------------------------------------------------------------------------


def _facts(
    session: Session,
    shop: Shop,
    customer_id: int,
    priority: str,
    problem: str,
    negative: bool,
    now: datetime,
) -> TicketFacts:
    segment = segment_of(session=session, shop_id=shop.id, customer_id=customer_id)
    held = entitlements_of(session=session, shop_id=shop.id, customer_id=customer_id, now=now)
    return TicketFacts(
        Priority(priority), ProblemType(problem), segment, frozenset(held or ()), negative
    )


def _validate_open(
    session: Session,
    shop: Shop,
    customer_id: int,
    subject: str,
    channel: str,
    priority: str,
    problem_type: str | None,
    order_id: int | None,
) -> Customer:
    errors: list[FieldError] = []
    if not subject.strip():
        errors.append(FieldError("subject", "must not be empty"))
    if channel not in CHANNELS:
        errors.append(FieldError("channel", f"one of {', '.join(CHANNELS)}"))
    if priority not in Priority.__members__.values():
        errors.append(FieldError("priority", f"one of {', '.join(p.value for p in Priority)}"))
    if problem_type is not None and problem_type not in ProblemType.__members__.values():
        errors.append(
            FieldError("problem_type", f"one of {', '.join(p.value for p in ProblemType)}")
        )
    customer = session.scalar(
        select(Customer).where(Customer.shop_id == shop.id, Customer.id == customer_id)
    )
    if customer is None:
        errors.append(FieldError("customer_id", f"no customer {customer_id} in this shop"))
    if order_id is not None:
        order = session.scalar(select(Order).where(Order.shop_id == shop.id, Order.id == order_id))
        if order is None or order.customer_id != customer_id:
            errors.append(FieldError("order_id", f"no order {order_id} of this customer"))
    if errors:
        raise ValidationFailed(errors)
    assert customer is not None
    return customer


# Problems about a delivery: a message without an order number is about the latest one.
ORDER_PROBLEMS: Final = ("not_arrived", "damaged_defective", "not_satisfied", "how_to_use")
RECENT_ORDER: Final = timedelta(days=60)


def _recent_order(session: Session, shop_id: int, customer_id: int, now: datetime) -> int | None:
    return session.scalar(
        select(Order.id)
        .where(
            Order.shop_id == shop_id,
            Order.customer_id == customer_id,
            Order.placed_at >= now - RECENT_ORDER,
        )
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(1)
    )


def open_ticket(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer_id: int,
    subject: str,
    body: str,
    channel: str = "system",
    priority: str = "normal",
    source_event_key: str | None = None,
    problem_type: str | None = None,
    order_id: int | None = None,
    source: str | None = None,
    from_negative_feedback: bool = False,
    assignee_rule: str | None = "least_busy",
    external_ref: str | None = None,
    staff_id: int | None = None,
    guess_order: bool = False,
) -> Ticket:
    """Open a ticket with the customer's first message; the same `source_event_key` returns
    the ticket already opened. The problem type is guessed from the text unless given; with
    `guess_order`, an order problem is linked to the customer's latest recent order."""
    _validate_open(session, shop, customer_id, subject, channel, priority, problem_type, order_id)
    if source_event_key is not None:
        existing = session.scalar(
            select(Ticket).where(
                Ticket.shop_id == shop.id, Ticket.source_event_key == source_event_key
            )
        )
        if existing is not None:
            return existing
    problem = problem_type or classify(f"{subject}\n{body}").value
    if order_id is None and guess_order and problem in ORDER_PROBLEMS:
        order_id = _recent_order(session, shop.id, customer_id, clock.now())
    facts = _facts(
        session, shop, customer_id, priority, problem, from_negative_feedback, clock.now()
    )
    policy = select_policy(facts, sla_rules(session, shop.id))
    assignee = resolve_assignee(session, shop.id, assignee_rule)
    now = clock.now()
    ticket = Ticket(
        shop_id=shop.id,
        customer_id=customer_id,
        order_id=order_id,
        subject=subject.strip()[:300],
        status=TicketStatus.NEW.value,
        priority=priority,
        problem_type=problem,
        channel=channel,
        source=source or channel,
        source_event_key=source_event_key,
        from_negative_feedback=from_negative_feedback,
        assignee_id=assignee.id if assignee else None,
        sla_policy=policy.name,
        playbook={},
        compensations=[],
        reopen_count=0,
        staff_reply_count=0,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(ticket)
    except IntegrityError:  # the same source event, opened concurrently
        found = session.scalar(
            select(Ticket).where(
                Ticket.shop_id == shop.id, Ticket.source_event_key == source_event_key
            )
        )
        if found is None:
            raise
        return found
    add_event(session, ticket, "created", now, staff_id=staff_id, data={"policy": policy.name})
    if body.strip():
        author = "system" if channel == "system" else "customer"
        _add_message(session, ticket, "message", author, channel, body, now, external_ref, staff_id)
    _timeline(
        session,
        clock,
        ticket,
        "ticket.opened",
        "opened",
        f"Ticket #{ticket.id}: {ticket.subject}",
        problem_type=problem,
        priority=priority,
        channel=channel,
    )
    _refresh(session, clock, shop, ticket, now)
    return ticket


def open_ticket_count(*, session: Session, shop_id: int, customer_id: int) -> int:
    """Tickets of the customer not yet resolved (journeys skip asking for a review then)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(
                Ticket.shop_id == shop_id,
                Ticket.customer_id == customer_id,
                Ticket.status.in_(ACTIVE),
            )
        )
        or 0
    )


def _add_message(
    session: Session,
    ticket: Ticket,
    kind: str,
    author: str,
    channel: str,
    body: str,
    at: datetime,
    external_ref: str | None = None,
    staff_id: int | None = None,
) -> TicketMessage:
    message = TicketMessage(
        shop_id=ticket.shop_id,
        ticket_id=ticket.id,
        kind=kind,
        author=author,
        staff_id=staff_id,
        channel=channel,
        body=body,
        external_ref=external_ref,
        created_at=at,
    )
    session.add(message)
    session.flush()
    return message


def messages_of(session: Session, ticket: Ticket) -> list[TicketMessage]:
    return list(
        session.scalars(
            select(TicketMessage)
            .where(TicketMessage.shop_id == ticket.shop_id, TicketMessage.ticket_id == ticket.id)
            .order_by(TicketMessage.created_at, TicketMessage.id)
        )
    )


# --- Status --------------------------------------------------------------------------------------


def _set_status(
    session: Session, ticket: Ticket, status: TicketStatus, at: datetime, staff_id: int | None
) -> bool:
    if ticket.status == status.value:
        return False
    add_event(
        session,
        ticket,
        "status_changed",
        at,
        staff_id=staff_id,
        data={"status": status.value, "from": ticket.status},
    )
    ticket.status = status.value
    ticket.updated_at = at
    return True


def set_pending(
    *, session: Session, clock: Clock, shop: Shop, ticket_id: int, staff_id: int | None = None
) -> Ticket:
    """Waiting on the customer: the SLA clocks pause until they answer."""
    ticket = _active(session, shop, ticket_id)
    now = clock.now()
    _set_status(session, ticket, TicketStatus.PENDING_CUSTOMER, now, staff_id)
    _refresh(session, clock, shop, ticket, now)
    return ticket


def _active(session: Session, shop: Shop, ticket_id: int) -> Ticket:
    ticket = get_ticket(session, shop.id, ticket_id)
    if ticket.status not in ACTIVE:
        raise Conflict(f"ticket {ticket_id} is {ticket.status}; reopen it first")
    return ticket


def resolve_ticket(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    ticket_id: int,
    staff_id: int | None = None,
    note: str = "",
    notify: bool = True,
) -> Ticket:
    """Resolve: stops the clocks, sets the first-contact-resolution flag, asks for CSAT
    (unless `notify=False`) and schedules the follow-up check-in. Resolving a resolved
    ticket again changes nothing."""
    ticket = get_ticket(session, shop.id, ticket_id)
    if ticket.status == TicketStatus.RESOLVED.value:
        return ticket
    if ticket.status == TicketStatus.CLOSED.value:
        raise Conflict(f"ticket {ticket_id} is closed")
    now = clock.now()
    if note.strip():
        _add_message(session, ticket, "note", "staff", "staff", note, now, staff_id=staff_id)
    _set_status(session, ticket, TicketStatus.RESOLVED, now, staff_id)
    ticket.resolved_at = now
    if ticket.first_contact_resolution is None:
        # Solved by the first answer: one staff reply, never reopened.
        ticket.first_contact_resolution = ticket.staff_reply_count <= 1 and not ticket.reopen_count
    cycle = ticket.reopen_count
    _timeline(
        session,
        clock,
        ticket,
        "ticket.resolved",
        f"resolved:{cycle}",
        f"Ticket #{ticket.id} resolved",
        first_contact_resolution=ticket.first_contact_resolution,
    )
    _after_resolution(session, clock, shop, ticket, now, notify)
    _refresh(session, clock, shop, ticket, now)
    return ticket


def _after_resolution(
    session: Session, clock: Clock, shop: Shop, ticket: Ticket, now: datetime, notify: bool
) -> None:
    settings = support_settings(shop)
    if notify and settings.csat_ask and ticket.csat_asked_at is None:
        sent = send_to_customer(
            session=session,
            clock=clock,
            shop=shop,
            ticket=ticket,
            template_key=CSAT_TEMPLATE,
            kind="service",
            context={},
            idempotency_key=f"support-csat:{ticket.id}",
        )
        if sent is None or not sent.startswith("not_sent"):
            ticket.csat_asked_at = now
    assignee = session.get(StaffUser, ticket.assignee_id) if ticket.assignee_id else None
    create_task(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        kind="follow_up",
        title=task_text.FOLLOW_UP_TITLE.format(id=ticket.id, subject=ticket.subject),
        body=task_text.FOLLOW_UP_BODY,
        due_at=now + settings.follow_up_after,
        assignee_rule=assignee.email if assignee else "owner",
        source="support",
        idempotency_key=f"support-followup:{ticket.id}:{ticket.reopen_count}",
    )


def close_ticket(
    *, session: Session, clock: Clock, shop: Shop, ticket_id: int, staff_id: int | None = None
) -> Ticket:
    """Closed for good: a later customer message opens a new ticket."""
    ticket = get_ticket(session, shop.id, ticket_id)
    now = clock.now()
    if _set_status(session, ticket, TicketStatus.CLOSED, now, staff_id):
        ticket.closed_at = now
    _refresh(session, clock, shop, ticket, now)
    return ticket


def reopen_ticket(
    *, session: Session, clock: Clock, shop: Shop, ticket_id: int, staff_id: int | None = None
) -> Ticket:
    ticket = get_ticket(session, shop.id, ticket_id)
    if ticket.status in ACTIVE:
        return ticket
    _reopen(session, clock, ticket, clock.now(), staff_id)
    _refresh(session, clock, shop, ticket, clock.now())
    return ticket


def _reopen(
    session: Session, clock: Clock, ticket: Ticket, at: datetime, staff_id: int | None
) -> None:
    add_event(session, ticket, "reopened", at, staff_id=staff_id, data={"from": ticket.status})
    ticket.status = TicketStatus.OPEN.value
    ticket.reopen_count += 1
    ticket.resolved_at = ticket.closed_at = None
    ticket.first_contact_resolution = False
    ticket.updated_at = at
    _timeline(
        session,
        clock,
        ticket,
        "ticket.reopened",
        f"reopened:{ticket.reopen_count}",
        f"Ticket #{ticket.id} reopened",
    )


# --- Conversation -------------------------------------------------------------------------------


def reply_channels(ticket: Ticket, customer: Customer) -> list[str]:
    """The ticket's own channel first, then the customer's other reachable channels."""
    reachable = [
        name
        for name, address in (
            # ZNS reaches a phone; OA replies reach the Zalo user id.
            ("zalo", customer.zalo_user_id or customer.phone),
            ("sms", customer.phone),
            ("email", customer.email),
        )
        if address
    ]
    first = ticket.channel if ticket.channel in CUSTOMER_CHANNELS else customer.preferred_channel
    chain = [first] if first in reachable else []
    return chain + [name for name in reachable if name not in chain]


def _contact_request(
    session: Session, shop: Shop, ticket: Ticket, template_key: str, kind: Kind, key: str
) -> ContactRequest | None:
    """The request a message on the ticket makes; None when the customer has no address."""
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    chain = reply_channels(ticket, customer)
    if not chain:
        return None
    return ContactRequest(
        shop=shop,
        customer=customer,
        template_key=template_key,
        kind=kind,
        idempotency_key=key,
        channels=chain,
        reply=True,
        zalo_route="either",
        # The desk has no queue of its own: a deferred ask is queued for its time.
        on_defer="schedule",
    )


def reply_route(
    *, session: Session, clock: Clock, shop: Shop, ticket: Ticket, outreach: Outreach | None = None
) -> tuple[str, ...]:
    """The channels a staff reply on the ticket would go on now, first one first (the
    ticket came on Zalo, but the customer prefers email and only email is set up: email).
    Empty when the customer has no address at all."""
    request = _contact_request(session, shop, ticket, REPLY_TEMPLATE, "transactional", "route")
    if request is None:
        return ()
    return (outreach or outreach_for(session, clock)).route(request)


def send_to_customer(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    ticket: Ticket,
    template_key: str,
    kind: Kind,
    context: dict[str, Any],
    idempotency_key: str,
    outreach: Outreach | None = None,
) -> str:
    """Contact the customer through channels' Outreach port, under the one contact policy
    (a satisfaction ask waits out the customer's quiet hours, counts against the caps).
    Returns "queued:<message id>" (also when queued for the end of the quiet hours),
    "duplicate" or "not_sent: <why>"."""
    request = _contact_request(session, shop, ticket, template_key, kind, idempotency_key)
    if request is None:
        return "not_sent: the customer has no email, phone or Zalo id"
    full = {
        "ticket": {"id": ticket.id, "ref": ticket_ref(ticket), "subject": ticket.subject},
        **context,
    }
    outcome = (outreach or outreach_for(session, clock)).contact(replace(request, context=full))
    if outcome.message_id is not None:
        return f"queued:{outcome.message_id}"
    if outcome.status == "suppressed":
        why = f"{outcome.rule}: {outcome.detail}" if outcome.detail else outcome.rule
        log.info("ticket %s: %s not sent: %s", ticket.id, template_key, why)
        return f"not_sent: {why}"[:300]
    if outcome.status == "deferred":
        return f"not_sent: {outcome.rule} until {outcome.until:%Y-%m-%d %H:%M}"
    return "duplicate"


def reply(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    ticket_id: int,
    body: str,
    staff_id: int | None = None,
    pending: bool = False,
    notify: bool = True,
) -> TicketMessage:
    """A staff answer, sent on the ticket's channel; `pending` then waits on the customer.
    `notify=False` records an answer given elsewhere (on the phone) without sending it."""
    if not body.strip():
        raise ValidationFailed([FieldError("body", "must not be empty")])
    ticket = get_ticket(session, shop.id, ticket_id)
    if ticket.status == TicketStatus.CLOSED.value:
        raise Conflict(f"ticket {ticket_id} is closed")
    now = clock.now()
    message = _add_message(
        session, ticket, "message", "staff", ticket.channel, body, now, None, staff_id
    )
    add_event(
        session, ticket, "staff_replied", now, staff_id=staff_id, data={"message_id": message.id}
    )
    ticket.staff_reply_count += 1
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    if ticket.status in ACTIVE:
        target = TicketStatus.PENDING_CUSTOMER if pending else TicketStatus.OPEN
        _set_status(session, ticket, target, now, staff_id)
    ticket.updated_at = now
    _timeline(
        session,
        clock,
        ticket,
        "ticket.answered",
        f"answered:{message.id}",
        f"Ticket #{ticket.id} answered",
    )
    if not notify:
        _refresh(session, clock, shop, ticket, now)
        return message
    delivery = send_to_customer(
        session=session,
        clock=clock,
        shop=shop,
        ticket=ticket,
        template_key=REPLY_TEMPLATE,
        kind="transactional",
        context={"reply_text": body},
        idempotency_key=f"support-reply:{message.id}",
    )
    message.delivery = delivery[:32] if not delivery.startswith("not_sent") else "not_sent"
    if delivery.startswith("queued:"):
        message.outbound_message_id = int(delivery.split(":", 1)[1])
    _refresh(session, clock, shop, ticket, now)
    return message


def add_customer_message(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    ticket: Ticket,
    body: str,
    channel: str,
    external_ref: str | None = None,
) -> TicketMessage:
    """The customer wrote again: threads onto the ticket and reopens it if it was resolved."""
    if ticket.status == TicketStatus.CLOSED.value:
        raise Conflict(f"ticket {ticket.id} is closed; open a new one")
    now = clock.now()
    if ticket.status == TicketStatus.RESOLVED.value:
        _reopen(session, clock, ticket, now, None)
    message = _add_message(session, ticket, "message", "customer", channel, body, now, external_ref)
    add_event(session, ticket, "customer_replied", now, data={"message_id": message.id})
    if ticket.status == TicketStatus.PENDING_CUSTOMER.value:
        _set_status(session, ticket, TicketStatus.OPEN, now, None)
    ticket.updated_at = now
    _refresh(session, clock, shop, ticket, now)
    return message


def add_note(
    *, session: Session, clock: Clock, shop: Shop, ticket_id: int, body: str, staff_id: int | None
) -> TicketMessage:
    """An internal note: never sent, never stops a clock."""
    if not body.strip():
        raise ValidationFailed([FieldError("body", "must not be empty")])
    ticket = get_ticket(session, shop.id, ticket_id)
    return _add_message(
        session, ticket, "note", "staff", "staff", body, clock.now(), None, staff_id
    )


def assign(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    ticket_id: int,
    assignee_rule: str | None,
    staff_id: int | None = None,
) -> Ticket:
    """Assign to "owner", "least_busy", a staff email, or nobody (None)."""
    ticket = get_ticket(session, shop.id, ticket_id)
    if assignee_rule == "least_busy":
        assignee = least_busy(session, shop.id, exclude=ticket.assignee_id)
    else:
        assignee = resolve_assignee(session, shop.id, assignee_rule)
    new_id = assignee.id if assignee else None
    if new_id != ticket.assignee_id:
        add_event(
            session,
            ticket,
            "assigned",
            clock.now(),
            staff_id=staff_id,
            data={"from": ticket.assignee_id, "to": new_id},
        )
        ticket.assignee_id = new_id
    return ticket


def update_ticket(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    ticket_id: int,
    problem_type: str | None = None,
    priority: str | None = None,
    order_id: int | None = None,
    staff_id: int | None = None,
) -> Ticket:
    """Re-triage; the SLA policy is chosen again for the new facts."""
    ticket = get_ticket(session, shop.id, ticket_id)
    _validate_open(
        session,
        shop,
        ticket.customer_id,
        ticket.subject,
        ticket.channel,
        priority or ticket.priority,
        problem_type,
        order_id,
    )
    changes: dict[str, Any] = {}
    for name, value in (
        ("problem_type", problem_type),
        ("priority", priority),
        ("order_id", order_id),
    ):
        if value is not None and getattr(ticket, name) != value:
            changes[name] = [getattr(ticket, name), value]
            setattr(ticket, name, value)
    if not changes:
        return ticket
    facts = _facts(
        session,
        shop,
        ticket.customer_id,
        ticket.priority,
        ticket.problem_type,
        ticket.from_negative_feedback,
        clock.now(),
    )
    ticket.sla_policy = select_policy(facts, sla_rules(session, shop.id)).name
    now = clock.now()
    add_event(session, ticket, "updated", now, staff_id=staff_id, data=changes)
    _refresh(session, clock, shop, ticket, now)
    return ticket


# --- Playbook and compensation ------------------------------------------------------------------


def check_step(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    ticket_id: int,
    step: str,
    done: bool = True,
    staff_id: int | None = None,
) -> Ticket:
    """Tick (or untick) a playbook step."""
    if step not in STEPS:
        raise ValidationFailed([FieldError("step", f"one of {', '.join(STEPS)}")])
    ticket = get_ticket(session, shop.id, ticket_id)
    playbook = dict(ticket.playbook or {})
    if done and step not in playbook:
        playbook[step] = {"done_at": clock.now().isoformat(), "by": staff_id}
    elif not done:
        playbook.pop(step, None)
    ticket.playbook = playbook  # reassigned so the JSON column is seen as changed
    return ticket


def record_compensation(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    ticket_id: int,
    kind: str,
    percent_off: int | None = None,
    amount_off_minor: int | None = None,
    note: str = "",
    staff_id: int | None = None,
) -> dict[str, Any]:
    """Record what the customer got: a coupon (issued by loyalty), an express replacement
    without return, or a refund. Ticks the playbook's "compensate" step."""
    if kind not in COMPENSATIONS:
        raise ValidationFailed([FieldError("kind", f"one of {', '.join(COMPENSATIONS)}")])
    ticket = get_ticket(session, shop.id, ticket_id)
    entry: dict[str, Any] = {"kind": kind, "at": clock.now().isoformat(), "by": staff_id}
    if note.strip():
        entry["note"] = note.strip()
    if kind == "coupon":
        entry |= _issue_coupon(session, clock, shop, ticket, percent_off, amount_off_minor)
    elif amount_off_minor is not None:
        entry["amount_minor"] = amount_off_minor
    ticket.compensations = [*(ticket.compensations or []), entry]
    add_event(session, ticket, "compensation", clock.now(), staff_id=staff_id, data=entry)
    check_step(
        session=session,
        clock=clock,
        shop=shop,
        ticket_id=ticket.id,
        step="compensate",
        staff_id=staff_id,
    )
    return entry


def _issue_coupon(
    session: Session,
    clock: Clock,
    shop: Shop,
    ticket: Ticket,
    percent_off: int | None,
    amount_off_minor: int | None,
) -> dict[str, Any]:
    if (percent_off is None) == (amount_off_minor is None):
        raise ValidationFailed([FieldError("percent_off", "give percent_off or amount_off_minor")])
    count = len(ticket.compensations or [])
    coupon = port(Rewards).issue_coupon(
        session,
        clock,
        shop_id=shop.id,
        customer_id=ticket.customer_id,
        percent_off=percent_off,
        amount_off_minor=amount_off_minor,
        valid_days=30,
        reason=f"ticket #{ticket.id}",
        idempotency_key=f"support-coupon:{ticket.id}:{count}",
    )
    return {
        "code": coupon.code,
        "expires_at": coupon.expires_at.isoformat() if coupon.expires_at else None,
        **({"percent_off": percent_off} if percent_off is not None else {}),
        **({"amount_off_minor": amount_off_minor} if amount_off_minor is not None else {}),
    }


# --- CSAT ------------------------------------------------------------------------------------


def record_csat(
    *, session: Session, clock: Clock, shop: Shop, ticket_id: int, score: int, source: str
) -> Ticket:
    """The customer's 1-5 rating of how the ticket was handled, recorded once as a
    `survey.answered` (kind csat) on their timeline."""
    if not 1 <= score <= 5:
        raise ValidationFailed([FieldError("score", "a CSAT score is 1-5")])
    ticket = get_ticket(session, shop.id, ticket_id)
    if ticket.csat_score is not None:
        return ticket
    ticket.csat_score = score
    now = clock.now()
    add_event(session, ticket, "csat", now, data={"score": score})
    record_response(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=ticket.customer_id,
        kind="csat",
        score=score,
        response_key=f"ticket-csat:{ticket.id}",
        source=source,
        channel=ticket.channel if ticket.channel in CUSTOMER_CHANNELS else None,
    )
    if score <= 2:  # an unhappy ending: the owner calls, the playbook's last chance
        create_task(
            session=session,
            clock=clock,
            shop=shop,
            customer_id=ticket.customer_id,
            ticket_id=ticket.id,
            kind="call",
            title=task_text.LOW_CSAT_TITLE.format(
                score=score, id=ticket.id, subject=ticket.subject
            ),
            due_at=now,
            assignee_rule="owner",
            source="support",
            idempotency_key=f"support-low-csat:{ticket.id}",
        )
    return ticket
