"""The `CustomerInsights` port: what journeys and feedback read about one customer from
other capabilities (open support tickets, RFM segment) to decide whether and what to ask."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session


class CustomerInsights(Protocol):
    def open_tickets(self, session: Session, *, shop_id: int, customer_id: int) -> int:
        """Tickets of the customer not yet resolved (no review request while one is open)."""
        ...

    def segment(self, session: Session, *, shop_id: int, customer_id: int) -> str | None:
        """The customer's segment key, None before their first completed order."""
        ...
