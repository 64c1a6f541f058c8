"""The community outbox: every campaign, invitation, reminder and thank-you is first a
`community_sends` row; the worker takes due rows in batches, asks the contact policy, and
enqueues the message (channels sends it after commit), defers it or records why not.

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

from careloop.channels.policy import Decision
from careloop.community.contact import Facts
from careloop.community.models import CommunitySend
from careloop.core.clock import Clock
from careloop.core.errors import CareloopError
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
    for shop_id, shop_rows in by_shop.items():
        shop = session.get(Shop, shop_id)
        if shop is None:
            continue
        ids = sorted({r.customer_id for r in shop_rows})
        facts = Facts.load(session, shop, ids, now)
        customers = {
            c.id: c
            for c in session.scalars(
                select(Customer).where(Customer.shop_id == shop_id, Customer.id.in_(ids))
            )
        }
        for row in shop_rows:
            customer = customers.get(row.customer_id)
            if customer is None or customer.erased_at is not None:
                row.status, row.rule, row.decided_at = "suppressed", "erased", now
                continue
            decision = facts.decide(row.customer_id, row.kind, now)
            _act(session, clock, shop, customer, row, decision)
            if row.status == "sent":
                facts.note_sent(row.customer_id, row.kind, now, row.channel)
    session.flush()
    return len(rows)


def _act(
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    row: CommunitySend,
    decision: Decision,
) -> None:
    from careloop.channels.service import enqueue_message, record_suppressed

    now = clock.now()
    row.decided_at = now
    first = decision.channels[0] if decision.channels else None
    if decision.action == "send":
        try:
            with session.begin_nested():
                message = enqueue_message(
                    session=session,
                    clock=clock,
                    shop=shop,
                    customer=customer,
                    channels=decision.channels,
                    template_key=row.template_key,
                    kind=row.kind,  # type: ignore[arg-type]
                    context=row.context,
                    idempotency_key=row.idempotency_key,
                )
        except CareloopError as exc:
            # A template that cannot render is recorded, never a silent skip.
            reason = f"template_error: {exc}"[:500]
            _not_sent(record_suppressed, session, clock, shop, customer, row, first, reason)
            row.status, row.rule = "suppressed", reason
            return
        row.status, row.channel, row.rule = "sent", first, None
        if message is not None:
            row.message_id = message.id
        return
    rule = decision.rule or decision.action
    until = decision.until if decision.action == "defer" else None
    _not_sent(record_suppressed, session, clock, shop, customer, row, first, rule, until)
    row.rule, row.channel = rule, first
    if until is not None:
        row.status, row.due_at = "deferred", until
    else:
        row.status = "suppressed"


def _not_sent(
    record: Any,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    row: CommunitySend,
    channel: str | None,
    reason: str,
    until: datetime | None = None,
) -> None:
    record(
        session=session,
        clock=clock,
        shop=shop,
        customer=customer,
        channel=channel,
        template_key=row.template_key,
        kind=row.kind,
        reason=reason,
        idempotency_key=row.idempotency_key,
        deferred_until=until,
    )
