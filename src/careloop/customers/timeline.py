"""Writing to and reading from the customer timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.customers.models import TimelineEvent
from careloop.db.upsert import insert_ignoring_duplicates


def record_event(
    *,
    session: Session,
    clock: Clock,
    shop_id: int,
    customer_id: int | None,
    type: str,
    occurred_at: datetime | None = None,
    payload: dict[str, Any] | None = None,
    source: str = "system",
    event_key: str | None = None,
    order_id: int | None = None,
    summary: str = "",
) -> bool:
    """Append an event; with an `event_key` seen before, store nothing and return False."""
    row = event_row(
        now=clock.now(),
        shop_id=shop_id,
        customer_id=customer_id,
        type=type,
        occurred_at=occurred_at,
        payload=payload,
        source=source,
        event_key=event_key,
        order_id=order_id,
        summary=summary,
    )
    if event_key is None:
        session.add(TimelineEvent(**row))
        session.flush()
        return True
    return record_events(session, [row]) == 1


def event_row(
    *,
    now: datetime,
    shop_id: int,
    customer_id: int | None,
    type: str,
    occurred_at: datetime | None = None,
    payload: dict[str, Any] | None = None,
    source: str = "system",
    event_key: str | None = None,
    order_id: int | None = None,
    summary: str = "",
) -> dict[str, Any]:
    """One live timeline event as a row for `record_events` (what `record_event` stores)."""
    return {
        "shop_id": shop_id,
        "customer_id": customer_id,
        "order_id": order_id,
        "type": type,
        "occurred_at": occurred_at or now,
        "recorded_at": now,
        "source": source,
        "event_key": event_key,
        "payload": payload or {},
        "summary": summary,
    }


def record_events(session: Session, rows: list[dict[str, Any]]) -> int:
    """Append keyed events (`event_row`) in one statement; a key seen before is skipped.
    Returns how many were stored. The inbox's batched apply writes its events here."""
    table = TimelineEvent.__table__
    return insert_ignoring_duplicates(session, table, rows, ["shop_id", "event_key"])  # type: ignore[arg-type]


def timeline_for(
    session: Session,
    *,
    shop_id: int,
    customer_id: int,
    limit: int = 200,
    before_id: int | None = None,
) -> list[TimelineEvent]:
    """Newest first; page with `before_id` (the last event of the previous page)."""
    stmt = (
        select(TimelineEvent)
        .where(TimelineEvent.shop_id == shop_id, TimelineEvent.customer_id == customer_id)
        .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        # Keyset on (occurred_at, id): imported history has new ids but old times, so the
        # id alone does not follow the display order.
        anchor = session.execute(
            select(TimelineEvent.occurred_at, TimelineEvent.id).where(
                TimelineEvent.shop_id == shop_id,
                TimelineEvent.customer_id == customer_id,
                TimelineEvent.id == before_id,
            )
        ).first()
        if anchor is None:
            return []
        stmt = stmt.where(
            or_(
                TimelineEvent.occurred_at < anchor.occurred_at,
                and_(
                    TimelineEvent.occurred_at == anchor.occurred_at,
                    TimelineEvent.id < anchor.id,
                ),
            )
        )
    return list(session.scalars(stmt))
