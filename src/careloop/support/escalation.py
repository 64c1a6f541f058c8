"""What the SLA clocks make happen: a warning to the assignee before a breach, and on a
breach a timeline event, a reassignment and a notification to the owner. Notifications are
staff tasks, shown within the recipient's working hours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop, StaffUser
from careloop.support import task_text
from careloop.support.clocks import refresh_sla
from careloop.support.models import Ticket
from careloop.support.sla import ClockState, SlaClock, TicketSla
from careloop.support.tickets import add_event
from careloop.support.worklist import create_task, least_busy

_LABELS = {
    "first_response": "first response",
    "next_response": "next response",
    "resolution": "resolution",
}


def _assignee_rule(session: Session, ticket: Ticket) -> str:
    staff = session.get(StaffUser, ticket.assignee_id) if ticket.assignee_id else None
    return staff.email if staff is not None else "owner"


def apply_sla(session: Session, clock: Clock, shop: Shop, ticket: Ticket, state: TicketSla) -> int:
    """Record new warnings and breaches of `state`; returns how many were new."""
    done = 0
    for sla_clock in state.clocks:
        if sla_clock.state is ClockState.WARNING and sla_clock.due_at is not None:
            done += _warn(session, clock, shop, ticket, sla_clock, sla_clock.due_at)
        if sla_clock.breached_at is not None:
            done += _breach(session, clock, shop, ticket, sla_clock, sla_clock.breached_at)
    return done


def _warn(
    session: Session, clock: Clock, shop: Shop, ticket: Ticket, sla_clock: SlaClock, due: datetime
) -> int:
    key = f"sla:{ticket.id}:{sla_clock.name}:{due.isoformat()}:warn"
    if not add_event(
        session, ticket, "sla_warning", clock.now(), data={"clock": sla_clock.name}, event_key=key
    ):
        return 0
    create_task(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        kind="other",
        title=task_text.SLA_WARNING_TITLE.format(id=ticket.id, clock=_LABELS[sla_clock.name]),
        body=ticket.subject,
        due_at=due,
        assignee_rule=_assignee_rule(session, ticket),
        source="support.sla",
        idempotency_key=key,
    )
    return 1


def _breach(
    session: Session, clock: Clock, shop: Shop, ticket: Ticket, sla_clock: SlaClock, at: datetime
) -> int:
    key = f"sla:{ticket.id}:{sla_clock.name}:{at.isoformat()}:breach"
    data = {"clock": sla_clock.name, "due_at": at.isoformat(), "policy": ticket.sla_policy}
    if not add_event(session, ticket, "sla_breached", clock.now(), data=data, event_key=key):
        return 0
    ticket.breached_at = ticket.breached_at or at
    record_event(
        session=session,
        clock=clock,
        shop_id=ticket.shop_id,
        customer_id=ticket.customer_id,
        order_id=ticket.order_id,
        type="ticket.sla_breached",
        source="support",
        event_key=key,
        payload={"ticket_id": ticket.id, **data},
        summary=f"Ticket #{ticket.id} missed its {_LABELS[sla_clock.name]} target",
    )
    if sla_clock.stopped_at is None:  # still owed: hand it to someone else, tell the owner
        _escalate(session, clock, shop, ticket, sla_clock, key)
    return 1


def _escalate(
    session: Session, clock: Clock, shop: Shop, ticket: Ticket, sla_clock: SlaClock, key: str
) -> None:
    now = clock.now()
    other = least_busy(session, shop.id, exclude=ticket.assignee_id)
    if other is not None and other.id != ticket.assignee_id:
        add_event(
            session,
            ticket,
            "escalated",
            now,
            data={"from": ticket.assignee_id, "to": other.id, "clock": sla_clock.name},
        )
        ticket.assignee_id = other.id
    ticket.escalated_at = now
    create_task(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        kind="other",
        title=task_text.SLA_BREACHED_TITLE.format(id=ticket.id, clock=_LABELS[sla_clock.name]),
        body=ticket.subject,
        due_at=now,
        assignee_rule="owner",
        source="support.sla",
        idempotency_key=f"{key}:owner",
    )


def check_due_tickets(*, session: Session, clock: Clock, limit: int = 200) -> int:
    """The worker's SLA pass over tickets whose clocks may have changed colour."""
    now = clock.now()
    stmt = (
        select(Ticket)
        .where(Ticket.sla_check_at.is_not(None), Ticket.sla_check_at <= now)
        .order_by(Ticket.sla_check_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    done = 0
    shops: dict[int, Shop] = {}
    for ticket in session.scalars(stmt).all():
        shop = shops.get(ticket.shop_id) or session.get(Shop, ticket.shop_id)
        assert shop is not None
        shops[shop.id] = shop
        state = refresh_sla(session, shop, ticket, now)
        done += 1 + apply_sla(session, clock, shop, ticket, state)
    return done
