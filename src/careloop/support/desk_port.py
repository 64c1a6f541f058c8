"""The support desk's implementations of the `SupportDesk`, `StaffTasks` and
`CustomerInsights` ports, and in-memory ones for callers' unit tests (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import NotFound
from careloop.core.ports import TicketFacts, TicketText
from careloop.customers.models import Customer
from careloop.segments.service import current_segment
from careloop.shops.models import Shop
from careloop.support import inbound, tickets, worklist
from careloop.support.models import Ticket


def _shop(session: Session, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)  # the caller's object, from the identity map
    if shop is None:
        raise NotFound("shop", shop_id)
    return shop


def facts_of(ticket: Ticket) -> TicketFacts:
    return TicketFacts(
        id=ticket.id,
        customer_id=ticket.customer_id,
        status=ticket.status,
        source=ticket.source,
        source_event_key=ticket.source_event_key,
        from_negative_feedback=bool(ticket.from_negative_feedback),
        csat_score=ticket.csat_score,
        created_at=ticket.created_at,
        resolved_at=ticket.resolved_at,
    )


class DeskSupport:
    """SupportDesk on the tickets tables."""

    def open_ticket(
        self,
        session: Session,
        clock: Clock,
        *,
        shop_id: int,
        customer_id: int,
        subject: str,
        body: str,
        source_event_key: str | None = None,
        channel: str = "system",
        priority: str = "normal",
        problem_type: str | None = None,
        order_id: int | None = None,
        source: str | None = None,
        from_negative_feedback: bool = False,
        assignee_rule: str | None = "least_busy",
    ) -> int:
        ticket = tickets.open_ticket(
            session=session,
            clock=clock,
            shop=_shop(session, shop_id),
            customer_id=customer_id,
            subject=subject,
            body=body,
            source_event_key=source_event_key,
            channel=channel,
            priority=priority,
            problem_type=problem_type,
            order_id=order_id,
            source=source,
            from_negative_feedback=from_negative_feedback,
            assignee_rule=assignee_rule,
        )
        return ticket.id

    def record_customer_reply(
        self,
        session: Session,
        clock: Clock,
        *,
        shop_id: int,
        customer_id: int,
        channel: str,
        text: str,
        provider_ref: str,
    ) -> None:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound("customer", customer_id)
        inbound.ingest_customer_reply(
            session=session,
            clock=clock,
            shop=_shop(session, shop_id),
            customer=customer,
            channel=channel,
            text=text,
            provider_ref=provider_ref,
        )

    def ticket(self, session: Session, *, shop_id: int, ticket_id: int) -> TicketFacts:
        return facts_of(tickets.get_ticket(session, shop_id, ticket_id))

    def ticket_texts(
        self, session: Session, *, shop_id: int, start: datetime, end: datetime
    ) -> list[TicketText]:
        rows = session.execute(
            select(Ticket.id, Ticket.subject, Ticket.created_at).where(
                Ticket.shop_id == shop_id, Ticket.created_at >= start, Ticket.created_at < end
            )
        )
        return [
            TicketText(id=id_, subject=subject or "", created_at=at) for id_, subject, at in rows
        ]


class DeskStaffTasks:
    """StaffTasks on the desk's task list."""

    def create_task(
        self,
        session: Session,
        clock: Clock,
        *,
        shop_id: int,
        customer_id: int | None,
        kind: str,
        title: str,
        due_at: datetime,
        source: str,
        idempotency_key: str,
        body: str = "",
        assignee_rule: str | None = None,
        ticket_id: int | None = None,
    ) -> int:
        task = worklist.create_task(
            session=session,
            clock=clock,
            shop=_shop(session, shop_id),
            customer_id=customer_id,
            kind=kind,
            title=title,
            body=body,
            due_at=due_at,
            assignee_rule=assignee_rule,
            source=source,
            idempotency_key=idempotency_key,
            ticket_id=ticket_id,
        )
        return task.id


class DeskInsights:
    """CustomerInsights from the desk's tickets and the customer's RFM segment."""

    def open_tickets(self, session: Session, *, shop_id: int, customer_id: int) -> int:
        return tickets.open_ticket_count(session=session, shop_id=shop_id, customer_id=customer_id)

    def segment(self, session: Session, *, shop_id: int, customer_id: int) -> str | None:
        found = current_segment(session=session, shop_id=shop_id, customer_id=customer_id)
        return None if found is None else str(found)


# --- in-memory doubles ------------------------------------------------------------------------


@dataclass
class FakeSupportDesk:
    """Tickets in a dict; a test sets the facts it needs (`tickets[id] = TicketFacts(...)`)."""

    tickets: dict[int, TicketFacts] = field(default_factory=dict)
    texts: list[TicketText] = field(default_factory=list)
    opened: dict[str, dict[str, Any]] = field(default_factory=dict)
    replies: list[tuple[int, str, str]] = field(default_factory=list)

    def open_ticket(
        self,
        session: Session,
        clock: Clock,
        *,
        shop_id: int,
        customer_id: int,
        subject: str,
        body: str,
        source_event_key: str | None = None,
        channel: str = "system",
        priority: str = "normal",
        problem_type: str | None = None,
        order_id: int | None = None,
        source: str | None = None,
        from_negative_feedback: bool = False,
        assignee_rule: str | None = "least_busy",
    ) -> int:
        key = source_event_key or f"ticket:{len(self.opened) + 1}"
        if key not in self.opened:
            ticket_id = max(self.tickets, default=0) + 1
            self.opened[key] = {"id": ticket_id, "subject": subject, "priority": priority}
            self.tickets[ticket_id] = TicketFacts(
                id=ticket_id,
                customer_id=customer_id,
                status="open",
                source=source,
                source_event_key=source_event_key,
                from_negative_feedback=from_negative_feedback,
                csat_score=None,
                created_at=clock.now(),
                resolved_at=None,
            )
        return int(self.opened[key]["id"])

    def record_customer_reply(
        self,
        session: Session,
        clock: Clock,
        *,
        shop_id: int,
        customer_id: int,
        channel: str,
        text: str,
        provider_ref: str,
    ) -> None:
        self.replies.append((customer_id, channel, text))

    def ticket(self, session: Session, *, shop_id: int, ticket_id: int) -> TicketFacts:
        if ticket_id not in self.tickets:
            raise NotFound("ticket", ticket_id)
        return self.tickets[ticket_id]

    def ticket_texts(
        self, session: Session, *, shop_id: int, start: datetime, end: datetime
    ) -> list[TicketText]:
        return [t for t in self.texts if start <= t.created_at < end]

    def resolve(self, ticket_id: int, at: datetime, csat: int | None = None) -> None:
        """Test helper: the ticket was resolved (and rated)."""
        self.tickets[ticket_id] = replace(
            self.tickets[ticket_id], status="resolved", resolved_at=at, csat_score=csat
        )


@dataclass
class FakeStaffTasks:
    """Tasks recorded once per idempotency key."""

    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def create_task(
        self,
        session: Session,
        clock: Clock,
        *,
        shop_id: int,
        customer_id: int | None,
        kind: str,
        title: str,
        due_at: datetime,
        source: str,
        idempotency_key: str,
        body: str = "",
        assignee_rule: str | None = None,
        ticket_id: int | None = None,
    ) -> int:
        if idempotency_key not in self.tasks:
            self.tasks[idempotency_key] = {
                "id": len(self.tasks) + 1,
                "customer_id": customer_id,
                "kind": kind,
                "title": title,
                "body": body,
                "due_at": due_at,
                "source": source,
            }
        return int(self.tasks[idempotency_key]["id"])


@dataclass
class FakeInsights:
    """Open tickets and segments as the test sets them."""

    open_counts: dict[int, int] = field(default_factory=dict)
    segments: dict[int, str] = field(default_factory=dict)

    def open_tickets(self, session: Session, *, shop_id: int, customer_id: int) -> int:
        return self.open_counts.get(customer_id, 0)

    def segment(self, session: Session, *, shop_id: int, customer_id: int) -> str | None:
        return self.segments.get(customer_id)
