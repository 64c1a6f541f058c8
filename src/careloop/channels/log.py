"""The message log: every status change of a message goes to its history and, as a
`message.<status>` event, to the customer's timeline (where journeys see it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from careloop.channels.models import Message, MessageStatusHistory
from careloop.core.clock import Clock
from careloop.customers.timeline import record_event

# Engagement only moves forward: a late "delivered" callback never hides an "opened".
PROGRESS = {"sent": 1, "maybe_sent": 1, "delivered": 2, "opened": 3, "clicked": 4, "replied": 5}
TIMESTAMP_OF = {
    "sent": "sent_at",
    "delivered": "delivered_at",
    "opened": "opened_at",
    "clicked": "clicked_at",
    "replied": "replied_at",
    "failed": "failed_at",
}
# Statuses worth a timeline event (sending and maybe_sent are the dispatcher's business).
TIMELINE_STATUSES = frozenset(
    {
        "queued",
        "sent",
        "delivered",
        "opened",
        "clicked",
        "replied",
        "failed",
        "suppressed",
        "deferred",
    }
)


def event_payload(message: Message, **more: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "message_id": message.id,
        "channel": message.channel,
        "template_key": message.template_key,
        "journey_key": message.journey_key,
        "step_key": message.step_key,
        "kind": message.kind,
    }
    payload.update({k: v for k, v in more.items() if v is not None})
    return payload


def record_status(
    *,
    session: Session,
    clock: Clock,
    message: Message,
    status: str,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    machine: bool | None = None,
    at: datetime | None = None,
    event_key: str | None = None,
) -> bool:
    """Move `message` to `status` (engagement never moves back) and log it.

    Returns False when it was a repeat (same event key seen before): nothing is logged twice.
    """
    now = at or clock.now()
    key = event_key or f"message:{message.id}:{status}:{message.chain_index}"
    if status in TIMELINE_STATUSES or machine:
        # One round trip: record_event's INSERT ... ON CONFLICT DO NOTHING says (through
        # RETURNING, reliable on both databases) whether the key was new.
        fresh = record_event(
            session=session,
            clock=clock,
            shop_id=message.shop_id,
            customer_id=message.customer_id,
            type=f"message.{status}",
            occurred_at=now,
            payload=event_payload(message, reason=reason, machine=True if machine else None),
            source=f"channel:{message.channel}" if message.channel else "channels",
            event_key=key,
            summary=_summary(message, status, reason),
        )
        if not fresh:
            return False
    session.add(
        MessageStatusHistory(
            shop_id=message.shop_id,
            message_id=message.id,
            status=status if not machine else "opened_machine",
            channel=message.channel,
            reason=reason,
            detail=detail or {},
            at=now,
        )
    )
    if machine:
        if message.machine_opened_at is None:
            message.machine_opened_at = now
        return True
    column = TIMESTAMP_OF.get(status)
    if column is not None and getattr(message, column) is None:
        setattr(message, column, now)
    if status in PROGRESS and PROGRESS.get(message.status, 0) >= PROGRESS[status]:
        return True
    message.status = status
    if reason is not None:
        message.reason = reason
    return True


def _summary(message: Message, status: str, reason: str | None) -> str:
    text = f"{message.template_key} via {message.channel or '-'}: {status}"
    return f"{text} ({reason})" if reason else text
