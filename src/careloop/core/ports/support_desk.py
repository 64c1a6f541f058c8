"""The `SupportDesk` port: open a ticket, thread a customer's reply, and read a ticket's
facts and texts. Called by journeys (open_ticket steps), channels (replies that arrive on
a channel) and feedback (review-update asks, feedback themes); provided by support."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from careloop.core.clock import Clock


@dataclass(frozen=True)
class TicketFacts:
    """What other capabilities may know about a ticket."""

    id: int
    customer_id: int
    status: str
    source: str | None
    source_event_key: str | None
    from_negative_feedback: bool
    csat_score: int | None
    created_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class TicketText:
    """A ticket's subject, for feedback themes."""

    id: int
    subject: str
    created_at: datetime


class SupportDesk(Protocol):
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
        """Open a ticket (once per source_event_key); its id."""
        ...

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
        """A customer's words that arrived on a channel reach a person (threaded once)."""
        ...

    def ticket(self, session: Session, *, shop_id: int, ticket_id: int) -> TicketFacts:
        """The ticket's facts; NotFound when the shop has no such ticket."""
        ...

    def ticket_texts(
        self, session: Session, *, shop_id: int, start: datetime, end: datetime
    ) -> list[TicketText]:
        """Subjects of the tickets created in [start, end)."""
        ...
