"""The community outbox: every campaign, invitation, reminder and thank-you is first a
`community_sends` row; the worker takes due rows in batches and hands them to channels'
Outreach port (one contact policy, facts loaded in chunks), which enqueues the message
(channels sends it after commit), defers it or records why not; the row says which.

A crash mid-batch rolls the batch back; the next pass redoes it. The message idempotency key
(`camp:<campaign>:<customer>` for campaigns) makes a redone send a no-op in channels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from careloop.channels.outreach import RULE_TEMPLATE_ERROR, ContactRequest, Outcome, outreach_for
from careloop.community.contact import ZALO_ROUTE
from careloop.community.models import CommunitySend
from careloop.core.clock import Clock
from careloop.customers.models import Customer
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.shops.models import Shop

BATCH_SIZE = 500
DUE_STATUSES = ("pending", "deferred")


@dataclass(frozen=True)
class SendSpec:
    customer_id: int
    idempotency_key: str
    context: Mapping[str, Any]


def queue_sends(
    *,
    session: Session,
    clock: Clock,
    shop_id: int,
    source: str,
    ref_id: int,
    template_key: str,
    kind: str,
    sends: Sequence[SendSpec],
    due_at: datetime | None = None,
) -> int:
    """Add sends to the outbox; a key already there is skipped. Returns how many were new."""
    now = clock.now()
    rows = [
        {
            "shop_id": shop_id,
            "customer_id": s.customer_id,
            "source": source,
            "ref_id": ref_id,
            "template_key": template_key,
            "kind": kind,
            "context": dict(s.context),
            "idempotency_key": s.idempotency_key,
            "status": "pending",
            "due_at": due_at or now,
            "created_at": now,
        }
        for s in sends
    ]
    table: Any = CommunitySend.__table__
    added = 0
    for start in range(0, len(rows), 1000):
        added += insert_ignoring_duplicates(
            session, table, rows[start : start + 1000], ["shop_id", "idempotency_key"]
        )
    return added


def drop_pending(*, session: Session, clock: Clock, shop_id: int, source: str, ref_id: int) -> int:
    """Its campaign, launch or event was cancelled: the sends not made yet never will be
    (kept as suppressed rows with the reason, so the numbers still add up)."""
    result = session.execute(
        update(CommunitySend)
        .where(
            CommunitySend.shop_id == shop_id,
            CommunitySend.source == source,
            CommunitySend.ref_id == ref_id,
            CommunitySend.status.in_(DUE_STATUSES),
        )
        .values(status="suppressed", rule=f"{source}_cancelled", decided_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def claim_due(session: Session, now: datetime, limit: int) -> list[CommunitySend]:
    """Due rows, locked for this transaction (other workers skip them on PostgreSQL)."""
    stmt = (
        select(CommunitySend)
        .where(CommunitySend.status.in_(DUE_STATUSES), CommunitySend.due_at <= now)
        .order_by(CommunitySend.due_at, CommunitySend.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def process_due(*, session: Session, clock: Clock, limit: int = BATCH_SIZE) -> int:
    """Decide and act on one batch of due sends; returns how many were handled."""
    now = clock.now()
    rows = claim_due(session, now, limit)
    by_shop: dict[int, list[CommunitySend]] = {}
    for row in rows:
        by_shop.setdefault(row.shop_id, []).append(row)
    outreach = outreach_for(session, clock)
    for shop_id, shop_rows in by_shop.items():
        shop = session.get(Shop, shop_id)
        if shop is None:
            continue
        ids = sorted({r.customer_id for r in shop_rows})
        customers = {
            c.id: c
            for c in session.scalars(
                select(Customer).where(Customer.shop_id == shop_id, Customer.id.in_(ids))
            )
        }
        due: list[tuple[CommunitySend, ContactRequest]] = []
        for row in shop_rows:
            customer = customers.get(row.customer_id)
            if customer is None or customer.erased_at is not None:
                row.status, row.rule, row.decided_at = "suppressed", "erased", now
                continue
            due.append((row, _request(shop, customer, row)))
        outcomes = outreach.contact_all([request for _, request in due])
        for (row, _), outcome in zip(due, outcomes, strict=True):
            _note(row, outcome, now)
    session.flush()
    return len(rows)


def _request(shop: Shop, customer: Customer, row: CommunitySend) -> ContactRequest:
    return ContactRequest(
        shop=shop,
        customer=customer,
        template_key=row.template_key,
        kind=row.kind,  # type: ignore[arg-type]
        idempotency_key=row.idempotency_key,
        context=row.context,
        zalo_route=ZALO_ROUTE,
    )


def _note(row: CommunitySend, outcome: Outcome, now: datetime) -> None:
    """What the contact policy did with the send, on its outbox row."""
    row.decided_at = now
    row.channel = outcome.channels[0] if outcome.channels else None
    if outcome.status == "enqueued":
        row.status, row.rule = "sent", None
        if outcome.message_id is not None:
            row.message_id = outcome.message_id
    elif outcome.status == "deferred" and outcome.until is not None:
        row.status, row.rule, row.due_at = "deferred", outcome.rule, outcome.until
    else:
        row.status = "suppressed"
        rule = outcome.rule or "suppressed"
        row.rule = f"{rule}: {outcome.detail}"[:500] if rule == RULE_TEMPLATE_ERROR else rule
