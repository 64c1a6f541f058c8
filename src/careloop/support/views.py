"""Tickets and tasks as the API and the CLI show them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.customers.models import Customer
from careloop.orders.models import Order
from careloop.shops.models import Shop, StaffUser
from careloop.support.clocks import sla_state
from careloop.support.models import StaffTask, Ticket
from careloop.support.playbooks import (
    COMPENSATIONS,
    checklist,
    compensation_label,
    playbook_for,
    playbook_title,
    step_label,
    suggested_reply,
)
from careloop.support.schemas import ClockPublic, MessagePublic, TaskPublic, TicketPublic
from careloop.support.tickets import ACTIVE, messages_of, ticket_ref


def _email(session: Session, staff_id: int | None) -> str | None:
    staff = session.get(StaffUser, staff_id) if staff_id else None
    return staff.email if staff else None


def ticket_public(
    session: Session,
    shop: Shop,
    ticket: Ticket,
    now: datetime,
    *,
    with_messages: bool = False,
    locale: str = "en",
) -> TicketPublic:
    """The ticket; its playbook (title, steps, compensation names) reads in `locale`, the
    staff member's language, while the suggested reply is in the customer's."""
    customer = session.get(Customer, ticket.customer_id)
    order = session.get(Order, ticket.order_id) if ticket.order_id else None
    state = sla_state(session, shop, ticket, now)
    steps = checklist(ticket.problem_type, ticket.playbook or {}, locale)
    return TicketPublic(
        id=ticket.id,
        ref=ticket_ref(ticket),
        customer_id=customer.external_id if customer else "",
        order_id=order.external_id if order else None,
        subject=ticket.subject,
        status=ticket.status,
        priority=ticket.priority,
        problem_type=ticket.problem_type,
        channel=ticket.channel,
        source=ticket.source,
        assignee=_email(session, ticket.assignee_id),
        sla_policy=ticket.sla_policy,
        sla=[
            ClockPublic(
                name=c.name,
                state=c.state,
                due_at=c.due_at,
                remaining_minutes=c.remaining.total_seconds() / 60
                if c.remaining is not None
                else None,
            )
            for c in state.clocks
        ],
        playbook={
            "title": playbook_title(ticket.problem_type, locale),
            "steps": [
                {"step": step, "label": step_label(step, locale), "todo": todo, "done": done}
                for step, todo, done in steps
            ],
            "compensation_options": list(playbook_for(ticket.problem_type).compensations),
            "compensation_labels": {
                kind: compensation_label(kind, locale) for kind in COMPENSATIONS
            },
            "suggested_reply": suggested_reply(
                ticket.problem_type,
                locale=(customer.locale if customer and customer.locale else shop.locale),
                name=(customer.name.split(" ")[-1] if customer and customer.name else ""),
                shop=shop.name,
                order=order.external_id if order else "",
            ),
        },
        compensations=list(ticket.compensations or []),
        first_contact_resolution=ticket.first_contact_resolution,
        csat_score=ticket.csat_score,
        created_at=ticket.created_at,
        resolved_at=ticket.resolved_at,
        messages=_messages(session, ticket) if with_messages else [],
    )


def _messages(session: Session, ticket: Ticket) -> list[MessagePublic]:
    """The conversation; a reply's delivery is its message's honest state now (queued,
    sent, delivered, failed...), not what it was when the reply was written, and its channel
    the one it went out on (a Zalo ticket answered by email says Email)."""
    from careloop.channels.honest import honest_state
    from careloop.channels.models import Message

    rows = messages_of(session, ticket)
    outbound = [m.outbound_message_id for m in rows if m.outbound_message_id]
    sent = (
        {
            mid: (honest_state(status), channel)
            for mid, status, channel in session.execute(
                select(Message.id, Message.status, Message.channel).where(
                    Message.shop_id == ticket.shop_id, Message.id.in_(outbound)
                )
            )
        }
        if outbound
        else {}
    )
    shown = []
    for m in rows:
        state, channel = sent.get(m.outbound_message_id or 0, (m.delivery, None))
        shown.append(
            MessagePublic(
                id=m.id,
                kind=m.kind,
                author=m.author,
                channel=channel or m.channel,
                body=m.body,
                delivery=state,
                created_at=m.created_at,
            )
        )
    return shown


def task_public(session: Session, task: StaffTask) -> TaskPublic:
    customer = session.get(Customer, task.customer_id) if task.customer_id else None
    return TaskPublic(
        id=task.id,
        kind=task.kind,
        title=task.title,
        body=task.body,
        due_at=task.due_at,
        notify_at=task.notify_at,
        status=task.status,
        assignee=_email(session, task.assignee_id),
        customer_id=customer.external_id if customer else None,
        ticket_id=task.ticket_id,
        source=task.source,
        note=task.note,
    )


def next_deadline(ticket: TicketPublic) -> ClockPublic | None:
    """The clock that falls due first (breached ones first of all): the inbox countdown."""
    owed = [c for c in ticket.sla if c.state in ("running", "warning", "breached") and c.due_at]
    return min(owed, key=lambda c: c.due_at or ticket.created_at) if owed else None


def inbox(
    *,
    session: Session,
    shop: Shop,
    now: datetime,
    status: str = "active",
    assignee_id: int | None = None,
    limit: int = 500,
) -> list[TicketPublic]:
    """Tickets for the staff inbox, the most urgent SLA deadline first; `status` "active"
    (new, open, pending), "all", or one status."""
    stmt = select(Ticket).where(Ticket.shop_id == shop.id)
    if status == "active":
        stmt = stmt.where(Ticket.status.in_(ACTIVE))
    elif status != "all":
        stmt = stmt.where(Ticket.status == status)
    if assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    rows = session.scalars(stmt.order_by(Ticket.id.desc()).limit(limit))
    views = [ticket_public(session, shop, t, now) for t in rows]

    def urgency(view: TicketPublic) -> tuple[int, datetime]:
        clock = next_deadline(view)
        return (0, clock.due_at) if clock and clock.due_at else (1, view.created_at)

    return sorted(views, key=urgency)
