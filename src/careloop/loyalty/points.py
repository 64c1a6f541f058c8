"""Posting to the points ledger: earn, bonus, redeem, reverse, expire, adjust.

Every posting locks the customer's member row, settles expiries that are due, asks the pure
rules in `ledger` how much it may post, and writes one entry plus one timeline event. Each
posting has an idempotency key (unique per shop), so a retried event posts nothing twice.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import Conflict, FieldError, ValidationFailed
from careloop.customers.timeline import record_event
from careloop.loyalty import ledger
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.models import PointsEntry
from careloop.loyalty.program import lock_member, program_config

EVENT_OF_KIND = {
    ledger.EARN: events.POINTS_EARNED,
    ledger.BONUS: events.POINTS_EARNED,
    ledger.REDEEM: events.POINTS_REDEEMED,
    ledger.REVERSE: events.POINTS_REVERSED,
    ledger.EXPIRE: events.POINTS_EXPIRED,
    ledger.ADJUST: events.POINTS_ADJUSTED,
}


def add_months(moment: datetime, months: int) -> datetime:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def points_balance(*, session: Session, shop_id: int, customer_id: int) -> int:
    """The customer's balance: the sum of their ledger entries."""
    total = session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.shop_id == shop_id, PointsEntry.customer_id == customer_id
        )
    )
    return int(total or 0)


def entries_of(session: Session, shop_id: int, customer_id: int) -> list[ledger.Entry]:
    rows = session.execute(
        select(
            PointsEntry.id,
            PointsEntry.kind,
            PointsEntry.points,
            PointsEntry.occurred_at,
            PointsEntry.expires_at,
            PointsEntry.lot_id,
        )
        .where(PointsEntry.shop_id == shop_id, PointsEntry.customer_id == customer_id)
        .order_by(PointsEntry.id)
    )
    return [ledger.Entry(*row) for row in rows]


def _existing(session: Session, shop_id: int, key: str) -> PointsEntry | None:
    return session.scalar(
        select(PointsEntry).where(
            PointsEntry.shop_id == shop_id, PointsEntry.idempotency_key == key
        )
    )


def _write(
    session: Session,
    clock: Clock,
    *,
    shop_id: int,
    customer_id: int,
    kind: str,
    points: int,
    reason: str,
    key: str,
    at: datetime | None = None,
    expires_at: datetime | None = None,
    lot_id: int | None = None,
    order_ref: str | None = None,
    actor: str = "system",
) -> PointsEntry:
    entry = PointsEntry(
        shop_id=shop_id,
        customer_id=customer_id,
        kind=kind,
        points=points,
        reason=reason[:300],
        idempotency_key=key,
        expires_at=expires_at,
        lot_id=lot_id,
        order_ref=order_ref,
        actor=actor,
        occurred_at=at or clock.now(),
    )
    session.add(entry)
    session.flush()
    if points != 0:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop_id,
            customer_id=customer_id,
            type=EVENT_OF_KIND[kind],
            occurred_at=entry.occurred_at,
            event_key=f"points:{key}",
            payload={
                "points": points,
                "kind": kind,
                "reason": reason,
                "balance": points_balance(
                    session=session, shop_id=shop_id, customer_id=customer_id
                ),
                **({"order_id": order_ref} if order_ref else {}),
                **({"expires_at": expires_at.isoformat()} if expires_at else {}),
            },
            summary=f"{points:+d} · {reason}",
        )
    return entry


def settle_expiries(session: Session, clock: Clock, shop_id: int, customer_id: int) -> int:
    """Post an expire entry for every lot past its expiry; returns the points expired.
    The caller holds the member lock."""
    now = clock.now()
    expired = 0
    for lot_id, remaining in ledger.due_expiries(entries_of(session, shop_id, customer_id), now):
        _write(
            session,
            clock,
            shop_id=shop_id,
            customer_id=customer_id,
            kind=ledger.EXPIRE,
            points=-remaining,
            reason="points expired",
            key=f"expire:{lot_id}",
            lot_id=lot_id,
        )
        expired += remaining
    return expired


def credit(
    *,
    session: Session,
    clock: Clock,
    shop_id: int,
    customer_id: int,
    points: int,
    reason: str,
    idempotency_key: str,
    kind: str = ledger.BONUS,
    order_ref: str | None = None,
    actor: str = "system",
    config: ProgramConfig | None = None,
    at: datetime | None = None,
) -> PointsEntry | None:
    """Add a lot of points (expiring per the program); None if the key was posted before."""
    if points <= 0:
        raise ValidationFailed([FieldError("points", f"must be positive (got {points})")])
    lock_member(session, clock, shop_id, customer_id)
    if _existing(session, shop_id, idempotency_key) is not None:
        return None
    config = config or program_config(session, shop_id)
    moment = at or clock.now()
    expires = add_months(moment, config.expiry_months) if config.expiry_months else None
    settle_expiries(session, clock, shop_id, customer_id)
    return _write(
        session,
        clock,
        shop_id=shop_id,
        customer_id=customer_id,
        kind=kind,
        points=points,
        reason=reason,
        key=idempotency_key,
        at=moment,
        expires_at=expires,
        order_ref=order_ref,
        actor=actor,
    )


def redeem(
    *,
    session: Session,
    clock: Clock,
    shop_id: int,
    customer_id: int,
    points: int,
    reason: str,
    idempotency_key: str,
) -> PointsEntry | None:
    """Spend points (oldest first). Raises Conflict naming the shortfall; None on a retry."""
    if points <= 0:
        raise ValidationFailed([FieldError("points", f"must be positive (got {points})")])
    lock_member(session, clock, shop_id, customer_id)
    if _existing(session, shop_id, idempotency_key) is not None:
        return None
    settle_expiries(session, clock, shop_id, customer_id)
    try:
        amount = ledger.plan_redeem(entries_of(session, shop_id, customer_id), points, clock.now())
    except ledger.InsufficientPoints as exc:
        raise Conflict(f"not enough points: {exc}") from None
    return _write(
        session,
        clock,
        shop_id=shop_id,
        customer_id=customer_id,
        kind=ledger.REDEEM,
        points=amount,
        reason=reason,
        key=idempotency_key,
    )


def reverse_order(
    *,
    session: Session,
    clock: Clock,
    shop_id: int,
    customer_id: int,
    order_ref: str,
    fraction: float,
    reason: str,
) -> PointsEntry | None:
    """Take back `fraction` of the points an order earned (never below a zero balance)."""
    lock_member(session, clock, shop_id, customer_id)
    key = f"order:{order_ref}:reverse"
    earn = _existing(session, shop_id, f"order:{order_ref}:earn")
    if earn is None or _existing(session, shop_id, key) is not None:
        return None
    settle_expiries(session, clock, shop_id, customer_id)
    amount = ledger.plan_reversal(entries_of(session, shop_id, customer_id), earn.points, fraction)
    return _write(
        session,
        clock,
        shop_id=shop_id,
        customer_id=customer_id,
        kind=ledger.REVERSE,
        points=amount,
        reason=reason,
        key=key,
        lot_id=earn.id if amount else None,
        order_ref=order_ref,
    )


def adjust(
    *,
    session: Session,
    clock: Clock,
    shop_id: int,
    customer_id: int,
    points: int,
    reason: str,
    actor: str,
    idempotency_key: str | None = None,
) -> PointsEntry | None:
    """A staff correction, with a required reason and the staff member recorded."""
    errors = []
    if not reason.strip():
        errors.append(FieldError("reason", "a manual adjustment needs a reason"))
    if not actor.strip():
        errors.append(FieldError("actor", "who made the adjustment must be recorded"))
    if points == 0:
        errors.append(FieldError("points", "must not be 0"))
    if errors:
        raise ValidationFailed(errors)
    key = idempotency_key or f"adjust:{customer_id}:{clock.now().isoformat()}:{points}"
    if points > 0:
        return credit(
            session=session,
            clock=clock,
            shop_id=shop_id,
            customer_id=customer_id,
            points=points,
            reason=reason,
            idempotency_key=key,
            kind=ledger.ADJUST,
            actor=actor,
        )
    lock_member(session, clock, shop_id, customer_id)
    if _existing(session, shop_id, key) is not None:
        return None
    settle_expiries(session, clock, shop_id, customer_id)
    try:
        amount = ledger.plan_adjustment(entries_of(session, shop_id, customer_id), points)
    except ledger.InsufficientPoints as exc:
        raise ValidationFailed([FieldError("points", f"would go below zero: {exc}")]) from None
    return _write(
        session,
        clock,
        shop_id=shop_id,
        customer_id=customer_id,
        kind=ledger.ADJUST,
        points=amount,
        reason=reason,
        key=key,
        actor=actor,
    )


def expiring_soon(
    session: Session, clock: Clock, shop_id: int, customer_id: int, days: int
) -> list[ledger.Lot]:
    now = clock.now()
    return ledger.expiring_between(
        entries_of(session, shop_id, customer_id), now, now + timedelta(days=days)
    )
