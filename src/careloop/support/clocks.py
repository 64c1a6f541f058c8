"""The bridge between stored ticket events and the pure SLA clocks (careloop.support.sla)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.shops.models import Shop
from careloop.support.calendar import BusinessCalendar, add_business_time
from careloop.support.config import policy_named, support_settings
from careloop.support.models import Ticket, TicketEventRow
from careloop.support.sla import (
    ClockState,
    CustomerReplied,
    SlaPolicy,
    StaffReplied,
    StatusChanged,
    TicketCreated,
    TicketEvent,
    TicketReopened,
    TicketSla,
    TicketStatus,
    ticket_sla,
)

# Stored event types that move the clocks; the others (notes, assignment...) are history only.
_JUST_AFTER = timedelta(seconds=1)
CLOCK_EVENTS = ("created", "staff_replied", "customer_replied", "status_changed", "reopened")


def _as_sla_event(row: TicketEventRow) -> TicketEvent | None:
    match row.type:
        case "created":
            return TicketCreated(row.at)
        case "staff_replied":
            return StaffReplied(row.at)
        case "customer_replied":
            return CustomerReplied(row.at)
        case "status_changed":
            return StatusChanged(row.at, TicketStatus(row.data["status"]))
        case "reopened":
            return TicketReopened(row.at)
    return None


def sla_events(session: Session, ticket: Ticket) -> list[TicketEvent]:
    rows = session.scalars(
        select(TicketEventRow)
        .where(
            TicketEventRow.shop_id == ticket.shop_id,
            TicketEventRow.ticket_id == ticket.id,
            TicketEventRow.type.in_(CLOCK_EVENTS),
        )
        .order_by(TicketEventRow.at, TicketEventRow.id)
    )
    return [event for row in rows if (event := _as_sla_event(row)) is not None]


def policy_and_calendar(
    session: Session, shop: Shop, ticket: Ticket
) -> tuple[SlaPolicy, BusinessCalendar]:
    policy = policy_named(session, shop.id, ticket.sla_policy)
    calendar = support_settings(shop).calendar
    if not policy.business_hours:
        calendar = BusinessCalendar.always_open(calendar.timezone)
    return policy, calendar


def sla_state(session: Session, shop: Shop, ticket: Ticket, now: datetime) -> TicketSla:
    """The ticket's three clocks at `now`."""
    policy, calendar = policy_and_calendar(session, shop, ticket)
    now = max(now, ticket.created_at)
    return ticket_sla(sla_events(session, ticket), policy=policy, calendar=calendar, now=now)


def next_check(
    state: TicketSla, policy: SlaPolicy, calendar: BusinessCalendar, now: datetime
) -> datetime | None:
    """When the clocks next change colour: a running clock's warning moment or due moment."""
    moments: list[datetime] = []
    for clock in state.clocks:
        if clock.due_at is None or clock.remaining is None:
            continue
        if clock.state is ClockState.RUNNING:
            lead = clock.remaining - policy.warn_threshold(clock.target)
            moments.append(add_business_time(calendar, now, max(lead, timedelta(0))))
        elif clock.state is ClockState.WARNING:
            # Late means strictly after the due moment, so look just after it.
            moments.append(clock.due_at + _JUST_AFTER)
    return min(moments) if moments else None


def refresh_sla(session: Session, shop: Shop, ticket: Ticket, now: datetime) -> TicketSla:
    """Recompute the clocks and store when the worker must look at the ticket again."""
    policy, calendar = policy_and_calendar(session, shop, ticket)
    state = ticket_sla(
        sla_events(session, ticket),
        policy=policy,
        calendar=calendar,
        now=max(now, ticket.created_at),
    )
    ticket.sla_check_at = next_check(state, policy, calendar, now)
    return state
