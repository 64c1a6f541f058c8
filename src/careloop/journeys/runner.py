"""The durable step runner: claim due enrollments under a lease, run each in its own
transaction, write the result back only if our fence still holds.

See docs/decisions/0002-journey-runtime.md. A worker killed mid-step loses nothing: its
lease runs out and another worker claims the row; whatever the dead worker's step did was
never committed, and every effect is keyed `enr:<enrollment>:<step>`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from careloop.core.clock import Clock
from careloop.customers.models import Customer
from careloop.journeys.effects import Effects
from careloop.journeys.engine import EnrollmentState, StepRunner
from careloop.journeys.models import RUNNABLE, Journey, JourneyEnrollment
from careloop.journeys.policy import ContactPolicy
from careloop.journeys.service import definition_of
from careloop.shops.models import Shop

log = logging.getLogger("careloop.journeys")

# How long a claim is ours; a worker that dies holding it is replaced after this.
LEASE_SECONDS = int(os.environ.get("CARELOOP_JOURNEY_LEASE_SECONDS", "60"))
CLAIM_BATCH = 100
# A step that raises is retried after this delay, at most MAX_ATTEMPTS times in a row.
RETRY_SECONDS = 300
MAX_ATTEMPTS = 5


class LostLease(Exception):
    """Another worker took the enrollment over; this run's effects must be rolled back."""


@dataclass(frozen=True)
class Claim:
    enrollment_id: int
    fence: int


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def claim_due(
    *,
    session: Session,
    clock: Clock,
    owner: str,
    limit: int = CLAIM_BATCH,
    journey_ids: Collection[int] | None = None,
) -> list[Claim]:
    """Lease up to `limit` due enrollments of active journeys (SKIP LOCKED on PostgreSQL)."""
    now = clock.now()
    active = set(session.scalars(select(Journey.id).where(Journey.status == "active")))
    if journey_ids is not None:
        active &= set(journey_ids)
    if not active:
        return []
    due = (
        select(JourneyEnrollment.id)
        .where(
            JourneyEnrollment.status.in_(RUNNABLE),
            JourneyEnrollment.due_at <= now,
            (JourneyEnrollment.lease_until.is_(None)) | (JourneyEnrollment.lease_until < now),
            # "+ 0" keeps the planner on the (status, due_at) index: through the unique
            # (journey_id, ...) index SQLite would read every enrollment of the journey.
            (JourneyEnrollment.journey_id + 0).in_(sorted(active)),
        )
        .order_by(JourneyEnrollment.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if not ids:
        return []
    rows = session.execute(
        update(JourneyEnrollment)
        .where(JourneyEnrollment.id.in_(ids))
        .values(
            lease_owner=owner,
            lease_until=now + timedelta(seconds=LEASE_SECONDS),
            fence=JourneyEnrollment.fence + 1,
        )
        .returning(JourneyEnrollment.id, JourneyEnrollment.fence)
    ).all()
    return [Claim(int(i), int(f)) for i, f in rows]


def run_claimed(*, session: Session, clock: Clock, claim: Claim, effects: Effects) -> int:
    """Run the claimed enrollment's due steps; returns how many ran. Raises LostLease."""
    row = session.get(JourneyEnrollment, claim.enrollment_id, populate_existing=True)
    if row is None or row.fence != claim.fence:
        raise LostLease(claim.enrollment_id)
    # Serialise decisions per customer so caps hold under concurrent workers.
    customer = session.scalar(
        select(Customer).where(Customer.id == row.customer_id).with_for_update()
    )
    journey = session.get(Journey, row.journey_id)
    shop = session.get(Shop, row.shop_id)
    if customer is None or journey is None or shop is None:
        return _write(session, clock, claim, _ended(row, "customer or journey deleted"))
    if customer.erased_at is not None:
        return _write(session, clock, claim, _ended(row, "customer erased"))
    state = EnrollmentState(
        id=row.id,
        journey_key=row.journey_key,
        step_id=row.step_id,
        status=row.status,
        due_at=row.due_at,
        context=dict(row.context or {}),
    )
    runner = StepRunner(
        session=session,
        clock=clock,
        shop=shop,
        customer=customer,
        journey=definition_of(journey),
        effects=effects,
        contact_policy=ContactPolicy.from_settings(shop.contact_policy),
    )
    return _write(session, clock, claim, runner.run(state))


def _ended(row: JourneyEnrollment, reason: str) -> EnrollmentState:
    return EnrollmentState(
        id=row.id,
        journey_key=row.journey_key,
        step_id=row.step_id,
        status="exited",
        due_at=None,
        context=dict(row.context or {}),
        exit_reason=reason,
        finished=True,
    )


def _write(session: Session, clock: Clock, claim: Claim, state: EnrollmentState) -> int:
    now = clock.now()
    context = dict(state.context)
    context.pop("attempts", None)
    result = session.execute(
        update(JourneyEnrollment)
        .where(JourneyEnrollment.id == claim.enrollment_id, JourneyEnrollment.fence == claim.fence)
        .values(
            step_id=state.step_id,
            status=state.status,
            due_at=state.due_at,
            context=context,
            exit_reason=state.exit_reason,
            finished_at=now if state.finished else None,
            updated_at=now,
            fence=JourneyEnrollment.fence + 1,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LostLease(claim.enrollment_id)
    return state.steps_run


def record_failure(*, session: Session, clock: Clock, claim: Claim, error: BaseException) -> None:
    """Retry a failing step later; give up (exit) after MAX_ATTEMPTS in a row."""
    row = session.get(JourneyEnrollment, claim.enrollment_id, populate_existing=True)
    if row is None or row.fence != claim.fence:
        return
    context = dict(row.context or {})
    attempts = int(context.get("attempts", 0)) + 1
    context["attempts"] = attempts
    context["last_error"] = f"{type(error).__name__}: {error}"[:500]
    now = clock.now()
    values: dict[str, object] = {
        "context": context,
        "fence": JourneyEnrollment.fence + 1,
        "lease_owner": None,
        "lease_until": None,
        "updated_at": now,
        "due_at": now + timedelta(seconds=RETRY_SECONDS * attempts),
    }
    if attempts >= MAX_ATTEMPTS:
        values.update(
            status="exited", exit_reason=f"failed {attempts} times", due_at=None, finished_at=now
        )
    session.execute(
        update(JourneyEnrollment)
        .where(JourneyEnrollment.id == claim.enrollment_id, JourneyEnrollment.fence == claim.fence)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def run_due(
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    effects: Effects,
    limit: int = CLAIM_BATCH,
    owner: str | None = None,
) -> int:
    """One worker pass: claim a batch, run each claim in its own transaction."""
    owner = owner or worker_id()
    with sessions() as session, session.begin():
        claims = claim_due(session=session, clock=clock, owner=owner, limit=limit)
    done = 0
    for claim in claims:
        try:
            with sessions() as session, session.begin():
                done += run_claimed(session=session, clock=clock, claim=claim, effects=effects)
        except LostLease:
            log.info("enrollment %s was taken over; our step was rolled back", claim.enrollment_id)
        except Exception as exc:
            log.exception("journey step of enrollment %s failed", claim.enrollment_id)
            with sessions() as session, session.begin():
                record_failure(session=session, clock=clock, claim=claim, error=exc)
    return done


def next_due_at(session: Session, journey_ids: Collection[int] | None = None) -> datetime | None:
    """When the next enrollment is due (the simulator jumps its clock there)."""
    stmt = (
        select(JourneyEnrollment.due_at)
        .join(Journey, Journey.id == JourneyEnrollment.journey_id)
        .where(
            JourneyEnrollment.status.in_(RUNNABLE),
            JourneyEnrollment.due_at.is_not(None),
            Journey.status == "active",
        )
    )
    if journey_ids is not None:
        stmt = stmt.where(JourneyEnrollment.journey_id.in_(list(journey_ids)))
    return session.scalar(stmt.order_by(JourneyEnrollment.due_at).limit(1))
