"""The durable step runner: claim due enrollments under a lease, run the batch in one
transaction, write each result back only if our fence still holds.

See docs/decisions/0002-journey-runtime.md. A worker killed mid-step loses nothing: its
lease runs out and another worker claims the row; whatever the dead worker's step did was
never committed, and every effect is keyed `enr:<enrollment>:<step>`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from careloop.core import queue
from careloop.core.clock import Clock
from careloop.core.queue import Lease, LostLease, RetryPolicy, worker_id
from careloop.core.settings import current_settings
from careloop.journeys.batch import ENROLLMENTS, Batch, Row, load_batch
from careloop.journeys.effects import Effects
from careloop.journeys.engine import EnrollmentState, StepRunner
from careloop.journeys.models import RUNNABLE, RUNNABLE_SQL, Journey, JourneyEnrollment
from careloop.journeys.service import definition_of

log = logging.getLogger("careloop.journeys")

# How long a claim is ours by default (setting `journey_lease_seconds`,
# CARELOOP_JOURNEY_LEASE_SECONDS); a worker that dies holding it is replaced after this.
LEASE_SECONDS = 60
CLAIM_BATCH = 100
CLAIM_INDEX = "ix_journey_enrollments_runnable_due"
# A step that raises is retried after RETRY_SECONDS x the attempts so far, and given up
# (the enrollment exits) after MAX_ATTEMPTS in a row.
RETRY_SECONDS = 300
MAX_ATTEMPTS = 5
RETRY = RetryPolicy(base_seconds=RETRY_SECONDS, max_attempts=MAX_ATTEMPTS, growth="linear")


@dataclass(frozen=True, order=True)
class Claim(Lease):
    """A claimed enrollment: the queue's lease on its row."""

    @property
    def enrollment_id(self) -> int:
        return self.id


__all__ = ["Claim", "LostLease", "worker_id"]


def lease_seconds() -> int:
    """The journey lease, from the settings object (read at each claim)."""
    return current_settings().journey_lease_seconds


# The due condition repeats the partial index's condition word for word (the claim walks
# the index on due_at of runnable rows in order and stops after `limit` rows); SQLite is
# told the index by name, as without statistics it picks the other one.
_DUE = f"{RUNNABLE_SQL} AND due_at <= :q_now AND journey_id IN :journeys"


def claim_due(
    *,
    session: Session,
    clock: Clock,
    owner: str,
    limit: int = CLAIM_BATCH,
    journey_ids: Collection[int] | None = None,
) -> list[Claim]:
    """Lease up to `limit` due enrollments of active journeys, oldest due first."""
    now = clock.now()
    active = set(session.scalars(select(Journey.id).where(Journey.status == "active")))
    if journey_ids is not None:
        active &= set(journey_ids)
    if not active:
        return []
    leases = queue.claim(
        session,
        ENROLLMENTS,
        now=now,
        until=queue.lease_until(clock, lease_seconds()),
        owner=owner,
        limit=limit,
        due=_DUE,
        order_by="due_at",
        params={"journeys": sorted(active)},
        index=CLAIM_INDEX,
        expanding=("journeys",),
    )
    return [Claim(lease.id, lease.fence, lease.until) for lease in leases]


def run_claimed(*, session: Session, clock: Clock, claim: Claim, effects: Effects) -> int:
    """Run the claimed enrollment's due steps; returns how many ran. Raises LostLease."""
    batch = load_batch(session, [claim])
    row = batch.rows.get(claim.enrollment_id)
    if row is None:
        raise LostLease(claim.enrollment_id)
    state = _advance(session, clock, row, batch, effects)
    _write(session, clock, [(claim, state)])
    return state.steps_run


def run_batch(
    *,
    session: Session,
    clock: Clock,
    claims: Sequence[Claim],
    effects: Effects,
    stop_after: datetime | None = None,
) -> tuple[int, list[Claim]]:
    """Run the claims in the session's one transaction, in order, until all ran or the
    clock passes `stop_after`; returns how many steps ran and the claims not yet run.

    Any step that raises, or a fence lost by the time of the write-back, raises: the
    caller must roll the whole batch back (nothing of it is committed) and run the claims
    one transaction each, where a failure only costs its own enrollment."""
    batch = load_batch(session, claims)
    results: list[tuple[Claim, EnrollmentState]] = []
    rest = list(claims)
    while rest:
        claim = rest.pop(0)
        row = batch.rows.get(claim.enrollment_id)
        if row is None:
            continue  # taken over since the claim: not ours to run, nothing to write
        results.append((claim, _advance(session, clock, row, batch, effects)))
        if stop_after is not None and clock.now() > stop_after:
            break
    _write(session, clock, results)
    return sum(state.steps_run for _, state in results), rest


def _advance(
    session: Session, clock: Clock, row: Row, batch: Batch, effects: Effects
) -> EnrollmentState:
    customer = batch.customers.get(row.customer_id)
    journey = batch.journeys.get(row.journey_id)
    shop = batch.shops.get(row.shop_id)
    if customer is None or journey is None or shop is None or customer.shop_id != row.shop_id:
        return _ended(row, "customer or journey deleted")
    if customer.erased_at is not None:
        return _ended(row, "customer erased")
    state = EnrollmentState(
        id=row.id,
        journey_key=row.journey_key,
        step_id=row.step_id,
        status=row.status,
        due_at=row.due_at,
        context=row.context,
    )
    runner = StepRunner(
        session=session,
        clock=clock,
        shop=shop,
        customer=customer,
        journey=definition_of(journey),
        effects=effects,
        contact_policy=batch.policy(shop),
        consents=batch.consents.get(customer.id, {}),
    )
    return runner.run(state)


def _ended(row: Row, reason: str) -> EnrollmentState:
    return EnrollmentState(
        id=row.id,
        journey_key=row.journey_key,
        step_id=row.step_id,
        status="exited",
        due_at=None,
        context=dict(row.context),
        exit_reason=reason,
        finished=True,
    )


# The fenced write-back, built once: only the worker whose claim is still the latest
# (fence unchanged since its claim) may move the enrollment on.
_WRITE_BACK = queue.fenced_update(ENROLLMENTS).values(
    step_id=bindparam("w_step_id"),
    status=bindparam("w_status"),
    due_at=bindparam("w_due_at"),
    context=bindparam("w_context"),
    exit_reason=bindparam("w_exit_reason"),
    finished_at=bindparam("w_finished_at"),
    updated_at=bindparam("w_updated_at"),
)


def _write(
    session: Session, clock: Clock, results: Sequence[tuple[Claim, EnrollmentState]]
) -> None:
    """Write every result back under its fence in one executemany; LostLease if any row
    was taken over meanwhile (the caller rolls back)."""
    now = clock.now()
    params = []
    for claim, state in results:
        context = dict(state.context)
        context.pop("attempts", None)
        params.append(
            {
                **queue.fence_params(claim),
                "w_step_id": state.step_id,
                "w_status": state.status,
                "w_due_at": state.due_at,
                "w_context": context,
                "w_exit_reason": state.exit_reason,
                "w_finished_at": now if state.finished else None,
                "w_updated_at": now,
            }
        )
    queue.complete(session, _WRITE_BACK, params)


_FAILED = queue.fenced_update(ENROLLMENTS).values(
    context=bindparam("x_context"),
    updated_at=bindparam("x_now"),
    due_at=bindparam("x_due_at"),
    status=bindparam("x_status"),
    exit_reason=bindparam("x_exit_reason"),
    finished_at=bindparam("x_finished_at"),
)


def record_failure(*, session: Session, clock: Clock, claim: Claim, error: BaseException) -> None:
    """Retry a failing step later (RETRY); give up (exit) after MAX_ATTEMPTS in a row."""
    row = session.get(JourneyEnrollment, claim.enrollment_id, populate_existing=True)
    if row is None or row.fence != claim.fence:
        return
    context = dict(row.context or {})
    attempts = int(context.get("attempts", 0)) + 1
    context["attempts"] = attempts
    context["last_error"] = f"{type(error).__name__}: {error}"[:500]
    now = clock.now()
    retry_at = RETRY.retry_at(attempts, clock)
    given_up = retry_at is None
    try:
        queue.complete(
            session,
            _FAILED,
            [
                {
                    **queue.fence_params(claim),
                    "x_context": context,
                    "x_now": now,
                    "x_due_at": retry_at,
                    "x_status": "exited" if given_up else row.status,
                    "x_exit_reason": f"failed {attempts} times" if given_up else row.exit_reason,
                    "x_finished_at": now if given_up else row.finished_at,
                }
            ],
        )
    except LostLease:
        return  # taken over since we looked: the new owner decides
    session.expire(row)


def run_due(
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    effects: Effects,
    limit: int = CLAIM_BATCH,
    owner: str | None = None,
) -> int:
    """One worker pass: claim a batch (committed: the leases), run it in one transaction;
    if anything in it fails, roll it all back and run each claim in its own transaction.

    A transaction stops taking steps after a quarter of the lease and commits; the rest
    of the batch has its leases renewed and goes on in the next one, so a slow batch
    never outlives its leases (another worker would take the rows over and our whole
    transaction would be lost, again and again).

    (DryRunEffects keeps what it saw in memory, so after such a fallback its counts
    include the rolled-back attempt; the database never does.)"""
    owner = owner or worker_id()
    with sessions() as session, session.begin():
        claims = claim_due(session=session, clock=clock, owner=owner, limit=limit)
    done, first = 0, True
    while claims:
        try:
            with sessions() as session, session.begin():
                if not first:
                    _renew(session, clock, claims)
                first = False
                ran, claims = run_batch(
                    session=session,
                    clock=clock,
                    claims=claims,
                    effects=effects,
                    stop_after=clock.now() + timedelta(seconds=lease_seconds() / 4),
                )
            done += ran
        except Exception as exc:  # the transaction rolled back: nothing of it is written
            log.info("batch of %d enrollments rolled back (%r); one by one", len(claims), exc)
            return done + _run_one_by_one(
                sessions=sessions, clock=clock, claims=claims, effects=effects
            )
    return done


def _renew(session: Session, clock: Clock, claims: Sequence[Claim]) -> None:
    """Extend the leases of claims still ours (same fence); others are skipped later."""
    queue.renew(session, ENROLLMENTS, claims, queue.lease_until(clock, lease_seconds()))


def _run_one_by_one(
    *, sessions: sessionmaker[Session], clock: Clock, claims: Sequence[Claim], effects: Effects
) -> int:
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
