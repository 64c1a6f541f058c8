"""Timeline rows written in bulk, in the shape customers.timeline.record_event writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from careloop.customers.models import TimelineEvent
from careloop.imports.backfill import is_history
from careloop.imports.bulk import JsonText, insert_rows

EVENTS_TABLE: Table = TimelineEvent.__table__  # type: ignore[assignment]
NO_PAYLOAD = JsonText("{}")


def event_row(
    *,
    shop_id: int,
    customer_id: int,
    type: str,
    occurred_at: datetime,
    now: datetime,
    source: str,
    event_key: str | None = None,
    order_id: int | None = None,
    payload: dict[str, Any] | JsonText | None = None,
    summary: str = "",
    history: bool = False,
) -> dict[str, Any]:
    """A row for `timeline_events`; `history` stores it as history whatever its time."""
    return {
        "shop_id": shop_id,
        "customer_id": customer_id,
        "order_id": order_id,
        "type": type,
        "occurred_at": occurred_at,
        "recorded_at": now,
        "source": source,
        "event_key": event_key,
        "payload": payload or NO_PAYLOAD,
        "summary": summary,
        "history": history or is_history(occurred_at, now),
    }


def insert_events(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert events; one whose event_key is already stored is skipped (idempotent)."""
    return insert_rows(session, EVENTS_TABLE, rows, conflict_on=("shop_id", "event_key"))
