"""The one durable queue: claim a batch of due rows under a lease, complete them only while
the fencing token still holds, and retry failures on one policy (docs/decisions/0023).

A queue is any table with an `id`, a `fence` (an integer bumped on every claim and every
release), `lease_owner` and `lease_until` columns, plus whatever says a row is due. Journeys'
enrollments and channels' messages are both queues of this kind.

- **Claim**: one statement, `UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING id, fence`.
  On PostgreSQL the inner select is `FOR UPDATE SKIP LOCKED`, so racing workers get
  disjoint batches without waiting; on SQLite writers are serialised and the one statement
  is atomic. A row whose lease ran out (`lease_until < now`) is due again: a worker that died
  holding it is replaced after the lease.
- **Fence**: the claim bumps `fence` and hands it out; a completion writes `WHERE id = :id
  AND fence = :fence` and bumps it again. A worker whose lease was taken over (the fence
  moved on) completes nothing: `LostLease`, and its transaction rolls back.
- **Retry**: `RetryPolicy` is a pure rule: attempts so far and the clock in, the next
  attempt's time (or None: give up, the row's dead state) out.

This module knows no capability: callers pass their table and what "due" means for it.
"""

from __future__ import annotations

import os
import random
import socket
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Table, TextClause, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from careloop.core.clock import Clock


class LostLease(Exception):
    """Another worker took the row over (its fence moved on): this run's effects must be
    rolled back. The args are the ids that were lost."""


@dataclass(frozen=True, order=True)
class Lease:
    """A claimed row: ours until `until`, and only while its fence is still `fence`."""

    id: int
    fence: int
    until: datetime


def worker_id() -> str:
    """Who holds a lease: host, process and thread (for the ops page and logs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def lease_until(clock: Clock, seconds: float) -> datetime:
    """When a lease taken now runs out."""
    return clock.now() + timedelta(seconds=seconds)


def lapsed(until: datetime | None, now: datetime) -> bool:
    """Whether a lease is free to take: none held, or its time ran out."""
    return until is None or until < now


# --- Claim ----------------------------------------------------------------------------------

_CLAIM = """
UPDATE {table}
SET lease_owner = :q_owner, lease_until = :q_until, fence = fence + 1{also}
WHERE id {pick_open}
    SELECT id FROM {table} {indexed_by}
    WHERE {due}
      AND (lease_until IS NULL OR lease_until < :q_now)
    ORDER BY {order_by}
    LIMIT :q_limit {lock}
{pick_close}
RETURNING id, fence
"""

# On PostgreSQL `id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)` may be planned as a join
# that rescans the subquery and so leases more than n rows; `ARRAY(subquery)` is an InitPlan,
# run exactly once.
_PICK = {"postgresql": ("= ANY(ARRAY(", "))")}


def claim_statement(
    table: Table,
    *,
    dialect: str,
    due: str,
    order_by: str,
    also: str = "",
    index: str | None = None,
    expanding: Collection[str] = (),
) -> TextClause:
    """The claim for `table`: rows where `due` holds (SQL over the table's columns, with
    `:q_now` and the caller's own parameters), oldest by `order_by` first.

    `due` is pasted verbatim so that it can repeat a partial index's condition word for word
    (SQLite and PostgreSQL's generic plans only use the index then); `index` names that
    index for SQLite, which without statistics may pick another. `also`: extra SET items
    (e.g. `status = 'claimed'`)."""
    pick_open, pick_close = _PICK.get(dialect, ("IN (", ")"))
    sql = _CLAIM.format(
        table=table.name,
        pick_open=pick_open,
        pick_close=pick_close,
        also=f", {also}" if also else "",
        indexed_by=f"INDEXED BY {index}" if index and dialect == "sqlite" else "",
        due=due,
        order_by=order_by,
        lock="FOR UPDATE SKIP LOCKED" if dialect == "postgresql" else "",
    )
    moment = table.c.lease_until.type
    return text(sql).bindparams(
        bindparam("q_now", type_=moment),
        bindparam("q_until", type_=moment),
        *(bindparam(name, expanding=True) for name in expanding),
    )


def claim(
    session: Session,
    table: Table,
    *,
    now: datetime,
    until: datetime,
    owner: str,
    limit: int,
    due: str,
    order_by: str,
    params: Mapping[str, Any] | None = None,
    also: str = "",
    index: str | None = None,
    expanding: Collection[str] = (),
) -> list[Lease]:
    """Lease up to `limit` due rows of `table` to `owner` until `until`; the leases, by id.

    Commit the caller's transaction to make the leases visible to other workers."""
    if limit <= 0:
        return []
    stmt = claim_statement(
        table,
        dialect=session.get_bind().dialect.name,
        due=due,
        order_by=order_by,
        also=also,
        index=index,
        expanding=expanding,
    )
    rows = session.execute(
        stmt,
        {
            **(params or {}),
            "q_owner": owner[:64],
            "q_until": until,
            "q_now": now,
            "q_limit": limit,
        },
    ).all()
    return sorted(Lease(int(id_), int(fence), until) for id_, fence in rows)


# --- Fence ----------------------------------------------------------------------------------


def fenced_update(table: Table) -> Update:
    """`UPDATE table ... WHERE id = :f_id AND fence = :f_fence` that releases the lease and
    bumps the fence; add `.values(...)` for the row's own columns. Run it with `complete`."""
    return (
        table.update()
        .where(table.c.id == bindparam("f_id"), table.c.fence == bindparam("f_fence"))
        .values(fence=table.c.fence + 1, lease_owner=None, lease_until=None)
    )


def fence_params(lease: Lease | tuple[int, int]) -> dict[str, int]:
    """The bound `f_id`/`f_fence` of a fenced statement for one lease."""
    id_, fence = (lease.id, lease.fence) if isinstance(lease, Lease) else lease
    return {"f_id": id_, "f_fence": fence}


def complete(
    connection: Connection | Session, stmt: Update, params: Sequence[Mapping[str, Any]]
) -> None:
    """Run a fenced statement for every lease in one executemany; `LostLease` naming the
    ids if any row's fence moved on (the caller rolls its transaction back)."""
    if not params:
        return
    conn = connection.connection() if isinstance(connection, Session) else connection
    result = conn.execute(stmt, list(params))
    if len(params) > 1 and not conn.dialect.supports_sane_multi_rowcount:
        raise RuntimeError("the database driver cannot count an executemany's rows")
    if result.rowcount != len(params):
        raise LostLease(*(int(p["f_id"]) for p in params))


def renew(
    connection: Connection | Session, table: Table, leases: Sequence[Lease], until: datetime
) -> None:
    """Extend the leases still ours (same fence); a lease lost meanwhile is left alone and
    its row's completion fails later."""
    if not leases:
        return
    conn = connection.connection() if isinstance(connection, Session) else connection
    stmt = (
        table.update()
        .where(table.c.id == bindparam("f_id"), table.c.fence == bindparam("f_fence"))
        .values(lease_until=bindparam("r_until"))
    )
    conn.execute(stmt, [{**fence_params(lease), "r_until": until} for lease in leases])


# --- Retry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a failed row again, and when to stop (its dead/failed state).

    `linear`: attempt n waits n x base; `exponential`: base x 2^(n-1), capped at `cap`. With
    `jitter` the wait is "equal jitter": half of it fixed, half random, so a crowd of rows
    that failed together does not come back together."""

    base_seconds: float
    max_attempts: int
    growth: Literal["linear", "exponential"] = "exponential"
    cap_seconds: float | None = None
    jitter: bool = False

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `attempt`-th failure (1 = the first)."""
        n = max(attempt, 1)
        raw = self.base_seconds * (n if self.growth == "linear" else 2 ** (n - 1))
        ceiling = min(raw, self.cap_seconds) if self.cap_seconds is not None else raw
        if not self.jitter:
            return float(ceiling)
        return ceiling / 2 + (rng or random.Random()).uniform(0, ceiling / 2)

    def exhausted(self, attempts: int) -> bool:
        """Whether `attempts` tries are all this policy allows."""
        return attempts >= self.max_attempts

    def retry_at(
        self, attempts: int, clock: Clock, rng: random.Random | None = None
    ) -> datetime | None:
        """When to try again after `attempts` failed tries; None: give up."""
        if self.exhausted(attempts):
            return None
        return clock.now() + timedelta(seconds=self.delay(attempts, rng))


__all__ = [
    "Lease",
    "LostLease",
    "RetryPolicy",
    "claim",
    "claim_statement",
    "complete",
    "fence_params",
    "fenced_update",
    "lapsed",
    "lease_until",
    "renew",
    "worker_id",
]
