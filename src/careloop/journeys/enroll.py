"""Enrolling a customer into a journey: re-entry rule, holdout, one row per trigger."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.journeys.models import RUNNABLE, Journey, JourneyEnrollment
from careloop.journeys.schema import JourneyDef


def holdout_point(journey_key: str, customer_id: int, trigger_key: str) -> float:
    """A deterministic number in [0, 1) for (journey, customer, trigger)."""
    digest = hashlib.sha256(f"{journey_key}:{customer_id}:{trigger_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_holdout(jdef: JourneyDef, customer_id: int, trigger_key: str) -> bool:
    return jdef.holdout > 0 and holdout_point(jdef.key, customer_id, trigger_key) < jdef.holdout


def reentry_allows(
    session: Session, *, shop_id: int, jdef: JourneyDef, customer_id: int, now: datetime
) -> bool:
    """Whether the journey's re-entry rule lets this customer in again now."""
    base = select(JourneyEnrollment.id).where(
        JourneyEnrollment.shop_id == shop_id,
        JourneyEnrollment.journey_key == jdef.key,
        JourneyEnrollment.customer_id == customer_id,
    )
    if jdef.reentry == "once" and session.scalar(base.limit(1)) is not None:
        return False
    if jdef.reentry == "not_while_active":
        running = base.where(JourneyEnrollment.status.in_(RUNNABLE))
        if session.scalar(running.limit(1)) is not None:
            return False
    if jdef.cooldown_days is not None:
        recent = base.where(JourneyEnrollment.created_at > now - timedelta(days=jdef.cooldown_days))
        if session.scalar(recent.limit(1)) is not None:
            return False
    return True


def enroll(
    *,
    session: Session,
    clock: Clock,
    journey: Journey,
    jdef: JourneyDef,
    customer_id: int,
    trigger_key: str,
    anchor: datetime,
    context: dict[str, Any] | None = None,
) -> bool:
    """Start `customer_id` on `journey` for `trigger_key`; False if the re-entry rule says no
    or this trigger already enrolled them (a rescan or a re-sent event)."""
    now = clock.now()
    if not reentry_allows(
        session, shop_id=journey.shop_id, jdef=jdef, customer_id=customer_id, now=now
    ):
        return False
    holdout = in_holdout(jdef, customer_id, trigger_key)
    row = {
        "shop_id": journey.shop_id,
        "journey_id": journey.id,
        "journey_key": journey.key,
        "customer_id": customer_id,
        "trigger_key": trigger_key[:200],
        "status": "holdout" if holdout else "active",
        "step_id": None if holdout else jdef.steps[0].id,
        "due_at": None if holdout else now,
        "context": {**(context or {}), "anchor": anchor.isoformat()},
        "fence": 0,
        "created_at": now,
        "updated_at": now,
        "finished_at": now if holdout else None,
    }
    table = JourneyEnrollment.__table__
    inserted = insert_ignoring_duplicates(
        session,
        table,  # type: ignore[arg-type]
        [row],
        ["journey_id", "customer_id", "trigger_key"],
    )
    return inserted == 1
