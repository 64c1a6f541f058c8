"""Review asks feedback runs itself, as `review_requests` rows moved by the worker:

- `update`: once a recovery ticket (opened from a bad review, or from a low score by a
  customer with an earlier public review) is resolved and the customer is happy with it,
  ask once "would you consider updating your review?" with the direct link to it.
- `product`: when the shop asks per product, one request per (order, product) at Day 14
  after delivery, with at most 2 reminders while no review of that product came in.

Timeline events are read through feedback's own event feed (a late-committing event is
re-read, not skipped: customers/event_feed.py); decisions are rules.py functions."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels import policy
from careloop.channels.outreach import RULE_TEMPLATE_ERROR, ContactRequest, Outcome, outreach_for
from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.ports import SupportDesk, TicketFacts, port
from careloop.customers import event_feed
from careloop.customers.models import Customer, TimelineEvent
from careloop.customers.timeline import record_event
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.feedback import rules
from careloop.feedback.models import Review, ReviewRequest
from careloop.orders.models import Order, OrderLine
from careloop.shops.models import Shop

CURSOR = "feedback.review_asks"
WATCHED = (events.TICKET_RESOLVED, events.ORDER_DELIVERED)
BATCH = 500
RECHECK = timedelta(hours=6)
UPDATE_TEMPLATE = "feedback.review_update"
PRODUCT_TEMPLATE = "feedback.product_review_request"


def scan(*, session: Session, clock: Clock, batch: int = BATCH) -> int:
    """Turn new ticket resolutions and deliveries into pending review asks."""
    rows = event_feed.read(
        session=session, clock=clock, consumer=CURSOR, types=WATCHED, batch=batch
    )
    shops: dict[int, Shop | None] = {}
    for event in rows:
        if event.customer_id is None:
            continue
        if event.shop_id not in shops:
            shops[event.shop_id] = session.get(Shop, event.shop_id)
        shop = shops[event.shop_id]
        if shop is None:
            continue
        if event.type == events.TICKET_RESOLVED:
            _after_resolution(session, clock, shop, event)
        elif rules.ReviewSettings.of(shop.settings or {}).per_product:
            _product_requests(session, clock, shop, event)
    return len(rows)


def _insert(session: Session, clock: Clock, shop: Shop, **fields: Any) -> bool:
    now = clock.now()
    row = {
        "shop_id": shop.id,
        "status": "pending",
        "sends": 0,
        "product_name": "",
        "outcome": "",
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    table = ReviewRequest.__table__
    return insert_ignoring_duplicates(session, table, [row], ["shop_id", "request_key"]) == 1  # type: ignore[arg-type]


# --- "Would you update your review?" -----------------------------------------------------------


def _after_resolution(session: Session, clock: Clock, shop: Shop, event: TimelineEvent) -> None:
    ticket_id = (event.payload or {}).get("ticket_id")
    if ticket_id is None:
        return
    ticket = port(SupportDesk).ticket(session, shop_id=shop.id, ticket_id=int(ticket_id))
    if not ticket.from_negative_feedback:
        return
    review = _reviewed(session, shop, ticket)
    if review is None or review.update_asked_at is not None:
        return
    _insert(
        session,
        clock,
        shop,
        customer_id=ticket.customer_id,
        kind="update",
        request_key=f"update:{review.review_id}",  # never twice for the same review
        review_id=review.review_id,
        ticket_id=ticket.id,
        target_url=review.url,
        next_at=clock.now(),
    )


def _reviewed(session: Session, shop: Shop, ticket: TicketFacts) -> Review | None:
    """The public review behind a recovery ticket: the one that opened it, or (a ticket from
    a low score) the customer's latest review before it that was not positive."""
    key = str(ticket.source_event_key or "")
    if ticket.source == "review" and key.startswith("timeline:"):
        payload = session.scalar(
            select(TimelineEvent.payload).where(
                TimelineEvent.shop_id == shop.id, TimelineEvent.id == int(key.split(":")[1])
            )
        )
        review_id = (payload or {}).get("review_id")
        if review_id:
            return session.scalar(
                select(Review).where(Review.shop_id == shop.id, Review.review_id == review_id)
            )
    return session.scalar(
        select(Review)
        .where(
            Review.shop_id == shop.id,
            Review.customer_id == ticket.customer_id,
            Review.posted_at <= ticket.created_at,
            Review.rating < rules.POSITIVE_REVIEW_MIN,
        )
        .order_by(Review.posted_at.desc(), Review.id.desc())
        .limit(1)
    )


def _complained_since(session: Session, shop: Shop, customer_id: int, since: datetime) -> bool:
    """A new or reopened ticket, or an unhappy answer, after the resolution."""
    rows = session.execute(
        select(TimelineEvent.type, TimelineEvent.payload).where(
            TimelineEvent.shop_id == shop.id,
            TimelineEvent.customer_id == customer_id,
            TimelineEvent.occurred_at > since,
            TimelineEvent.type.in_(
                (events.TICKET_OPENED, events.TICKET_REOPENED, events.SURVEY_ANSWERED)
            ),
        )
    ).all()
    return any(
        type_ != events.SURVEY_ANSWERED or bool((payload or {}).get("unhappy"))
        for type_, payload in rows
    )


def _due_update(session: Session, clock: Clock, shop: Shop, req: ReviewRequest) -> None:
    now = clock.now()
    review = session.scalar(
        select(Review).where(Review.shop_id == shop.id, Review.review_id == req.review_id)
    )
    if review is None or req.ticket_id is None:
        _close(req, now, "stopped", "review or ticket no longer exists")
        return
    ticket = port(SupportDesk).ticket(session, shop_id=shop.id, ticket_id=req.ticket_id)
    resolved_at = ticket.resolved_at or now
    decision = rules.update_ask(
        ticket_status=ticket.status,
        csat=ticket.csat_score,
        resolved_at=resolved_at,
        now=now,
        complained=_complained_since(session, shop, req.customer_id, resolved_at),
        review_rating=review.rating,
        review_edited=review.edited_at is not None and review.edited_at > ticket.created_at,
        already_asked=review.update_asked_at is not None,
        quiet_days=rules.ReviewSettings.of(shop.settings or {}).update_quiet_days,
    )
    if decision.action == "wait":
        req.next_at = min(now + RECHECK, decision.until or now + RECHECK)
        req.updated_at = now
        return
    if decision.action == "stop":
        _close(req, now, "stopped", decision.reason)
        return
    customer = session.get(Customer, req.customer_id)
    assert customer is not None
    url = review.url or rules.ReviewSettings.of(shop.settings or {}).page_for(review.platform)
    outcome = outreach_for(session, clock).contact(
        ContactRequest(
            shop=shop,
            customer=customer,
            template_key=UPDATE_TEMPLATE,
            kind="service",
            context={"review_url": url or "", "review_platform": review.platform},
            idempotency_key=f"review-update:{review.review_id}",
        )
    )
    if outcome.status == "deferred":
        req.next_at, req.updated_at = outcome.until, now
        return
    sent = outcome.status == "enqueued"
    if sent:
        review.update_asked_at = now
        req.sends, req.last_sent_at = 1, now
    _close(req, now, "done" if sent else "stopped", _said(outcome) or "asked")


def _said(outcome: Outcome) -> str:
    """What a request's row says about the outcome: the rule, and what went wrong."""
    if outcome.rule == RULE_TEMPLATE_ERROR:
        return f"{outcome.rule}: {outcome.detail}"
    return outcome.rule or ""


def _close(req: ReviewRequest, now: datetime, status: str, outcome: str) -> None:
    req.status, req.outcome, req.next_at, req.updated_at = status, outcome[:300], None, now


# --- Per-product review requests ---------------------------------------------------------------


def _product_requests(session: Session, clock: Clock, shop: Shop, event: TimelineEvent) -> None:
    ref = (event.payload or {}).get("order_id")
    stmt = select(Order).where(Order.shop_id == shop.id, Order.customer_id == event.customer_id)
    if event.order_id is not None:
        stmt = stmt.where(Order.id == event.order_id)
    elif ref:
        stmt = stmt.where(Order.external_id == str(ref))
    else:
        return
    order = session.scalar(stmt)
    if order is None:
        return
    settings = rules.ReviewSettings.of(shop.settings or {})
    customer = session.get(Customer, order.customer_id)
    tz = policy.zone((customer.timezone if customer else None) or shop.timezone)
    local_day = (event.occurred_at + timedelta(days=settings.after_days)).astimezone(tz).date()
    first_at = datetime.combine(local_day, time(10, 0), tzinfo=tz)
    seen: set[str] = set()
    for line in session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)
    ):
        product = line.sku or line.product_name
        if not product or product in seen:
            continue  # one request per product, however many lines carry it
        seen.add(product)
        _insert(
            session,
            clock,
            shop,
            customer_id=order.customer_id,
            kind="product",
            request_key=f"product:{order.external_id}:{product}"[:200],
            order_external_id=order.external_id,
            sku=line.sku,
            product_name=(line.product_name or line.sku or "")[:300],
            target_url=settings.product_url(line.sku),
            next_at=max(first_at, clock.now()),
        )


def _product_reviewed(session: Session, shop: Shop, req: ReviewRequest) -> bool:
    stmt = select(Review.id).where(
        Review.shop_id == shop.id,
        Review.customer_id == req.customer_id,
        Review.posted_at >= req.created_at,
    )
    stmt = stmt.where(Review.sku == req.sku) if req.sku else stmt
    return session.scalar(stmt.limit(1)) is not None


def _due_product(session: Session, clock: Clock, shop: Shop, req: ReviewRequest) -> None:
    from careloop.feedback.service import may_ask_for_review

    now = clock.now()
    if _product_reviewed(session, shop, req):
        _close(req, now, "done", "reviewed")
        return
    ask = may_ask_for_review(session, shop, req.customer_id)
    step = rules.product_request_step(sends=req.sends, allowed=ask.allowed)
    if step.action == "stop":
        _close(req, now, "stopped" if not ask.allowed else "done", step.reason or ask.reason)
        return
    customer = session.get(Customer, req.customer_id)
    assert customer is not None
    settings = rules.ReviewSettings.of(shop.settings or {})
    outcome = outreach_for(session, clock).contact(
        ContactRequest(
            shop=shop,
            customer=customer,
            template_key=PRODUCT_TEMPLATE,
            kind="service",
            context={
                "order_id": req.order_external_id,
                "product_name": req.product_name,
                "sku": req.sku or "",
                "review_url": req.target_url or settings.page_for("") or "",
                "reminder": req.sends,
            },
            idempotency_key=f"review-request:{req.id}:{req.sends}",
        )
    )
    if outcome.status == "deferred":
        req.next_at, req.updated_at = outcome.until, now
        return
    if outcome.status == "suppressed":
        _close(req, now, "stopped", _said(outcome))
        return
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=req.customer_id,
        type=events.REVIEW_REQUESTED,
        source="feedback",
        event_key=f"review-request:{req.id}:{req.sends}",
        payload={
            "order_id": req.order_external_id,
            "sku": req.sku,
            "product_name": req.product_name,
            "reminder": req.sends,
        },
        summary=f"Review of {req.product_name} requested"
        + (f" (reminder {req.sends})" if req.sends else ""),
    )
    req.sends += 1
    req.last_sent_at, req.updated_at = now, now
    req.next_at = now + step.then if step.then is not None else None
    if step.then is None:
        _close(req, now, "done", "request and reminders sent")


# --- The worker's pass --------------------------------------------------------------------------


def run_due(*, session: Session, clock: Clock, limit: int = 200) -> int:
    """Act on the review asks that are due; returns how many were looked at."""
    now = clock.now()
    due = session.scalars(
        select(ReviewRequest)
        .where(ReviewRequest.status == "pending", ReviewRequest.next_at <= now)
        .order_by(ReviewRequest.next_at, ReviewRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    shops: dict[int, Shop | None] = {}
    for req in due:
        if req.shop_id not in shops:
            shops[req.shop_id] = session.get(Shop, req.shop_id)
        shop = shops[req.shop_id]
        if shop is None:
            continue
        if req.kind == "update":
            _due_update(session, clock, shop, req)
        else:
            _due_product(session, clock, shop, req)
    return len(due)
