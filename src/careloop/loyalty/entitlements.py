"""Privileges a customer holds: from their tier (derived) and from redeemed rewards (stored).

Other capabilities ask `active_entitlements` and apply them: support raises ticket priority
for `priority_support`; the warranty reminder scan and support's customer view take their
warranty dates from `warranty_ends`, which doubles the period for `double_warranty`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import FieldError, NotFound, ValidationFailed
from careloop.loyalty.config import DOUBLE_WARRANTY, ENTITLEMENT_KEYS
from careloop.loyalty.membership import current_tier
from careloop.loyalty.models import Entitlement
from careloop.loyalty.program import is_running, program_config
from careloop.loyalty.store_actions import record_store_actions

# How many times the product's warranty a holder of `double_warranty` gets.
WARRANTY_MULTIPLIER = 2


def warranty_ends(*, start: date, warranty_days: int, privileges: Collection[str] = ()) -> date:
    """Pure: the day a product's warranty ends: from its delivery (or purchase) date, the
    product's warranty days, doubled for a customer holding `double_warranty`."""
    factor = WARRANTY_MULTIPLIER if DOUBLE_WARRANTY in privileges else 1
    return start + timedelta(days=warranty_days * factor)


def warranty_privileges(
    *, session: Session, shop_id: int, customer_id: int, bought_at: datetime, now: datetime
) -> set[str]:
    """Privileges that shape a purchase's warranty: those held now, plus stored ones held
    when it was bought (a year of double warranty covers what was bought in that year)."""
    held = active_entitlements(session=session, shop_id=shop_id, customer_id=customer_id, now=now)
    if DOUBLE_WARRANTY not in held:
        then = session.scalar(
            select(Entitlement.id)
            .where(
                Entitlement.shop_id == shop_id,
                Entitlement.customer_id == customer_id,
                Entitlement.key == DOUBLE_WARRANTY,
                Entitlement.granted_at <= bought_at,
                _active(bought_at),
            )
            .limit(1)
        )
        if then is not None:
            held.add(DOUBLE_WARRANTY)
    return held


def _active(now: datetime | None) -> ColumnElement[bool]:
    moment = now if now is not None else func.current_timestamp()
    return or_(Entitlement.expires_at.is_(None), Entitlement.expires_at > moment)


def active_entitlements(
    *, session: Session, shop_id: int, customer_id: int, now: datetime | None = None
) -> set[str]:
    """Entitlement keys the customer holds now (pass `now` from the clock; without it the
    database's time decides expiry). Tier privileges count only while the program runs."""
    held = set(
        session.scalars(
            select(Entitlement.key).where(
                Entitlement.shop_id == shop_id,
                Entitlement.customer_id == customer_id,
                Entitlement.used_at.is_(None),
                _active(now),
            )
        )
    )
    if is_running(session, shop_id):
        tier = current_tier(session=session, shop_id=shop_id, customer_id=customer_id)
        if tier is not None:
            held |= set(program_config(session, shop_id).tier_benefits.get(tier, ()))
    return held


def grant_entitlement(
    *,
    session: Session,
    clock: Clock,
    shop_id: int,
    customer_id: int,
    key: str,
    source: str,
    idempotency_key: str,
    valid_days: int = 0,
) -> Entitlement:
    """Store a privilege (valid_days 0: no end); the same idempotency key grants it once."""
    if key not in ENTITLEMENT_KEYS:
        raise ValidationFailed(
            [FieldError("entitlement", f"unknown privilege {key!r}; one of {ENTITLEMENT_KEYS}")]
        )
    existing = session.scalar(
        select(Entitlement).where(
            Entitlement.shop_id == shop_id, Entitlement.idempotency_key == idempotency_key
        )
    )
    if existing is not None:
        return existing
    now = clock.now()
    row = Entitlement(
        shop_id=shop_id,
        customer_id=customer_id,
        key=key,
        source=source,
        idempotency_key=idempotency_key,
        granted_at=now,
        expires_at=now + timedelta(days=valid_days) if valid_days else None,
    )
    session.add(row)
    session.flush()
    record_store_actions(
        session=session,
        clock=clock,
        shop_id=shop_id,
        customer_id=customer_id,
        gained=[key],
        cause=idempotency_key,
    )
    return row


def end_entitlements(
    *, session: Session, clock: Clock, shop_id: int, customer_id: int, source: str
) -> int:
    """End now every still-active privilege the customer holds from `source` (e.g. a role
    they lost); rows are kept, expired, so the history shows what they had. Returns how
    many ended."""
    now = clock.now()
    rows = session.scalars(
        select(Entitlement).where(
            Entitlement.shop_id == shop_id,
            Entitlement.customer_id == customer_id,
            Entitlement.source == source,
            _active(now),
        )
    ).all()
    for row in rows:
        row.expires_at = now
    return len(rows)


def use_entitlement(
    *, session: Session, clock: Clock, shop_id: int, customer_id: int, key: str
) -> Entitlement:
    """Mark one stored single-use privilege (e.g. a workshop seat) as used."""
    row = session.scalar(
        select(Entitlement)
        .where(
            Entitlement.shop_id == shop_id,
            Entitlement.customer_id == customer_id,
            Entitlement.key == key,
            Entitlement.used_at.is_(None),
            _active(clock.now()),
        )
        .order_by(Entitlement.id)
        .limit(1)
    )
    if row is None:
        raise NotFound("unused entitlement", key)
    row.used_at = clock.now()
    return row


def entitlements_of(session: Session, shop_id: int, customer_id: int) -> list[Entitlement]:
    return list(
        session.scalars(
            select(Entitlement)
            .where(Entitlement.shop_id == shop_id, Entitlement.customer_id == customer_id)
            .order_by(Entitlement.id.desc())
        )
    )
