"""Unhappy feedback becomes a ticket: a survey score of 6 or less (NPS) or 2 or less (CSAT)
and a review of 1-2 stars, read from the timeline through the desk's own cursor on the one
event feed (customers/event_feed.py re-reads an event that committed late instead of
skipping it). The ticket's unique source key is the last guard."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.customers import event_feed
from careloop.customers.models import TimelineEvent
from careloop.orders.models import Order
from careloop.shops.models import Shop
from careloop.support.tickets import open_ticket

CURSOR: Final = "support.feedback"
BATCH: Final = 500
NPS_DETRACTOR_MAX: Final = 6
CSAT_UNHAPPY_MAX: Final = 2
REVIEW_NEGATIVE_MAX: Final = 2
WATCHED: Final = ("survey.answered", "review.posted")


def unhappy(event_type: str, payload: dict[str, Any]) -> str | None:
    """The ticket subject for unhappy feedback, None when the feedback is fine."""
    try:
        if event_type == "survey.answered":
            kind, score = str(payload.get("kind", "")).lower(), int(payload["score"])
            if (kind == "nps" and score <= NPS_DETRACTOR_MAX) or (
                kind == "csat" and score <= CSAT_UNHAPPY_MAX
            ):
                return f"Low {kind.upper()} score: {score}"
        elif event_type == "review.posted":
            rating = int(payload["rating"])
            if rating <= REVIEW_NEGATIVE_MAX:
                return f"{rating}★ review on {payload.get('platform') or 'a review site'}"
    except (KeyError, TypeError, ValueError):
        return None
    return None


def scan_feedback(*, session: Session, clock: Clock, batch: int = BATCH) -> int:
    """Open tickets for unhappy feedback recorded since the last scan; returns events read."""
    events = event_feed.read(
        session=session, clock=clock, consumer=CURSOR, types=WATCHED, batch=batch
    )
    shops: dict[int, Shop | None] = {}
    for event in events:
        # The desk's own CSAT asks are followed up on their ticket, not with a new one.
        if event.customer_id is None or event.source.startswith("support"):
            continue
        subject = unhappy(event.type, event.payload or {})
        if subject is None:
            continue
        if event.shop_id not in shops:
            shops[event.shop_id] = session.get(Shop, event.shop_id)
        shop = shops[event.shop_id]
        if shop is not None:
            _open_for(session, clock, shop, event, subject)
    return len(events)


def _open_for(
    session: Session, clock: Clock, shop: Shop, event: TimelineEvent, subject: str
) -> None:
    assert event.customer_id is not None
    payload = event.payload or {}
    body = str(payload.get("comment") or payload.get("text") or event.summary or "")
    order_id = event.order_id
    if order_id is None and payload.get("order_id"):
        order_id = session.scalar(
            select(Order.id).where(
                Order.shop_id == shop.id,
                Order.external_id == str(payload["order_id"]),
                Order.customer_id == event.customer_id,
            )
        )
    open_ticket(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=event.customer_id,
        subject=subject,
        body=body,
        channel="system",
        source="review" if event.type == "review.posted" else "survey",
        source_event_key=f"timeline:{event.id}",
        from_negative_feedback=True,
        order_id=order_id,
    )
