"""The `StaffTasks` port: put a human touch on the staff's list (a call, a reply to a bad
review, a task message, a refused Zalo token). Called by journeys, feedback and
channels; provided by the support desk."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from careloop.core.clock import Clock


class StaffTasks(Protocol):
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
        """Create the task once per idempotency key; its id."""
        ...
