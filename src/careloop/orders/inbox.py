"""The ingest inbox: accepted orders and webhooks are stored first, applied after.

A delivery is acknowledged by the commit of one small row (`append`), so a flash sale's
webhooks are answered at the speed of an insert and nothing accepted can be lost. The worker
then applies the inbox in batches (`apply_batch`): one transaction per batch, in which each
row's effects and its change of state commit together, so a crash re-applies nothing twice.
Rows of one order (`order_key`) are applied in the order they were received: a row is taken
only when no earlier row of its order is still pending, which also holds between workers on
PostgreSQL (an earlier row claimed by another worker is still pending to everyone else).

What a row says is applied by its source's applier (`register_applier`): "api" here, each
platform's in careloop.connectors.ingest. A row whose content is refused (a CareloopError) is
marked failed at once, with the reason; a row that breaks unexpectedly is tried again on the
next batches and marked failed after MAX_ATTEMPTS, so one poison row never blocks its batch.
See docs/decisions/0024-durable-ingest-inbox.md."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import TypeVar, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Executable, Table, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased, sessionmaker

from careloop.core.clock import Clock
from careloop.core.errors import CareloopError, FieldError, ValidationFailed
from careloop.db.engine import transaction
from careloop.orders import inbox_bulk
from careloop.orders.models import IngestInboxRow
from careloop.orders.schemas import OrderIn
from careloop.orders.schemas import StatusRowIn as StatusRowIn
from careloop.orders.service import change_status, upsert_order
from careloop.shops.models import Shop

log = logging.getLogger("careloop.orders.inbox")

PENDING = "pending"
APPLIED = "applied"
FAILED = "failed"  # waits for staff (needs attention) with its error
REJECTED = "rejected"  # refused while its caller waited: the caller got the error instead
ERASED = "erased"  # its payload went with a person's erasure (orders.personal_data)
STATES = (PENDING, APPLIED, FAILED, REJECTED, ERASED)
MAX_ATTEMPTS = 5
BATCH_SIZE = 200
# PostgreSQL advisory locks (class, shop id) held while a transaction applies a shop's rows:
# shared by batches written side by side, exclusive for one-at-a-time rows (0029).
APPLY_LOCK_CLASS = 0x1B0C
# Shops this process's worker left rows in that need the shop to itself: its next batch of
# that shop waits for an exclusive hold.
_WAITING_FOR_SHOP: set[int] = set()
# Fewer new API orders than this in a round are applied one at a time (a bulk write has a
# fixed cost of a few statements; a caller waiting for one row gains nothing from it).
BULK_MIN_ROWS = 2
ERROR_LENGTH = 2000
ORDER_TOPIC = inbox_bulk.ORDER_TOPIC
STATUS_TOPIC = inbox_bulk.STATUS_TOPIC
# How long applied rows are kept by default (the setting `inbox_keep_days`).
KEEP_DAYS = 14

Parsed = TypeVar("Parsed", bound=BaseModel)

# (session, clock, shop, row) -> a one-line description of what was applied.
Applier = Callable[[Session, Clock, Shop, IngestInboxRow], str]
_APPLIERS: dict[str, Applier] = {}


def register_applier(source: str, applier: Applier) -> None:
    """Say how rows from `source` are applied (one applier per source)."""
    _APPLIERS[source] = applier


@dataclass(frozen=True)
class Appended:
    id: int
    state: str
    duplicate: bool  # the same payload from the same source and key was accepted before
    queued_behind: bool  # other rows of the shop are still waiting to be applied


@dataclass(frozen=True)
class Outcome:
    state: str
    result: str
    error: Exception | None = None


def payload_digest(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8", errors="replace")).hexdigest()


def append(
    *,
    session: Session | Connection,
    clock: Clock,
    shop_id: int,
    source: str,
    topic: str,
    external_id: str,
    order_key: str,
    payload: str,
    check_backlog: bool = True,
) -> Appended:
    """Store one accepted delivery; the same (source, key, payload) again is stored once.

    One Core `INSERT ... ON CONFLICT DO NOTHING RETURNING id` (SQLite 3.35+, PostgreSQL 9.5+):
    no ORM object, no savepoint, so an acknowledgement costs one statement and its commit
    (docs/decisions/0027-fast-accept-path.md). The statement is built once per dialect and
    given the row as parameters (docs/decisions/0032-accept-path-profile.md), and `session`
    may be a plain Connection. `check_backlog=False` skips the question whether other rows
    of the shop wait (a caller that answers 202 anyway)."""
    values = {
        "shop_id": shop_id,
        "source": source,
        "topic": topic[:64],
        "external_id": external_id[:128],
        "order_key": order_key[:200],
        "payload_sha256": payload_digest(payload),
        "payload": payload,
        "received_at": clock.now(),
        "state": PENDING,
        "attempts": 0,
    }
    bind = session.get_bind() if isinstance(session, Session) else session
    new_id = session.execute(_append_statement(bind.dialect.name), values).scalar()
    if new_id is None:
        existing_id, existing_state = session.execute(
            select(IngestInboxRow.id, IngestInboxRow.state).where(
                IngestInboxRow.shop_id == shop_id,
                IngestInboxRow.source == source,
                IngestInboxRow.external_id == values["external_id"],
                IngestInboxRow.payload_sha256 == values["payload_sha256"],
            )
        ).one()
        return Appended(existing_id, existing_state, duplicate=True, queued_behind=False)
    waiting = check_backlog and session.scalar(
        select(
            exists().where(
                IngestInboxRow.state == PENDING,
                IngestInboxRow.shop_id == shop_id,
                IngestInboxRow.id < new_id,
            )
        )
    )
    return Appended(int(new_id), PENDING, duplicate=False, queued_behind=bool(waiting))


@cache
def _append_statement(dialect: str) -> Executable:
    """The inbox INSERT without values, for the dialect: built and compiled once (building
    `insert(...).values(...)` per request, and its cache key, cost more than executing it).
    On the table, not the mapped class: no ORM bulk-insert machinery on the way."""
    table = cast(Table, IngestInboxRow.__table__)
    insert = sqlite_insert if dialect == "sqlite" else postgres_insert
    return insert(table).on_conflict_do_nothing().returning(table.c.id)


def apply_batch(
    session: Session,
    clock: Clock,
    *,
    limit: int = BATCH_SIZE,
    order_key: tuple[int, str] | None = None,
    up_to_id: int | None = None,
    caller_id: int | None = None,
) -> dict[int, Outcome]:
    """Apply up to `limit` pending rows in the caller's transaction, oldest first, each order's
    rows in received order. `order_key` (shop id, key) and `up_to_id` restrict the batch to
    one order (a caller waiting for its own row); `caller_id` is that row: if it is refused,
    it is marked rejected (the caller reports the error) rather than failed."""
    outcomes: dict[int, Outcome] = {}
    shops: dict[int, Shop] = {}
    only_shop: int | None = None
    shared = False  # side by side with other workers: bulk rows only, one round
    if session.get_bind().dialect.name == "postgresql":
        if order_key is not None:
            _lock_shop(session, order_key[0])
        else:
            only_shop, shared = _lock_a_shop_with_work(session)
            if only_shop is None:
                return outcomes
    while len(outcomes) < limit:
        rows = _claim(session, limit - len(outcomes), set(outcomes), order_key, up_to_id, only_shop)
        if not rows:
            break
        missing = {r.shop_id for r in rows} - set(shops)
        if missing:
            shops.update(
                {s.id: s for s in session.scalars(select(Shop).where(Shop.id.in_(missing)))}
            )
        rest = rows
        if caller_id is None:
            applied, rest = _apply_in_bulk(session, clock, shops, rows, keyed=shared)
            outcomes.update(applied)
            if not applied and not rest:
                break  # nothing this round could take (beside another batch): later
        if shared and only_shop is not None:
            # Beside other batches a batch writes one round (one write per table, 0029);
            # alone, it goes on, the rest one at a time, later rounds unkeyed.
            if not _take_shop_alone(session, only_shop):
                if rest:  # it needs the shop to itself: this worker's next batch waits for it
                    _WAITING_FOR_SHOP.add(only_shop)
                session.flush()
                break
            shared = False
        for row in rest:
            outcomes[row.id] = _apply_one(
                session, clock, shops[row.shop_id], row, caller=row.id == caller_id
            )
        session.flush()
    return outcomes


def _apply_in_bulk(
    session: Session,
    clock: Clock,
    shops: dict[int, Shop],
    rows: list[IngestInboxRow],
    *,
    keyed: bool = False,
) -> tuple[dict[int, Outcome], list[IngestInboxRow]]:
    """Apply the round's rows that need no judgement set-based (orders.inbox_bulk: API
    orders and status changes, platform order deliveries), each shop's in one savepoint;
    returns their outcomes and the rows left for `_apply_one`, in received order; a row that
    must wait for an earlier row of its customer in the round stays pending for the next
    round (inbox_bulk.plan). A bulk write that fails is undone and its rows go the
    one-at-a-time way, which reports (or retries) each as it always has. `keyed` (a batch
    beside other workers' batches of the shop): only rows whose keys no other batch holds
    are written (inbox_bulk.hold_keys)."""
    planned, _, later = inbox_bulk.plan(session, rows, shops)
    if keyed:
        planned = inbox_bulk.hold_keys(session, planned)
    if len(planned) < BULK_MIN_ROWS and not keyed:
        return {}, rows
    waiting = {r.id for r in later}  # pending still: the next round (or batch) takes them
    outcomes: dict[int, Outcome] = {}
    for shop_id in sorted({p.row.shop_id for p in planned}):
        group = [p for p in planned if p.row.shop_id == shop_id]
        try:
            with session.begin_nested():
                results, _left = inbox_bulk.apply_planned(session, clock, shops[shop_id], group)
        except Exception as exc:  # the one-at-a-time way applies or reports each row
            log.info("bulk apply of %s rows fell back to one at a time: %s", len(group), exc)
            continue
        now = clock.now()
        for p in group:
            if p.row.id in results:
                p.row.attempts += 1
                p.row.state, p.row.error, p.row.applied_at = APPLIED, None, now
                outcomes[p.row.id] = Outcome(APPLIED, results[p.row.id])
    return outcomes, [r for r in rows if r.id not in outcomes and r.id not in waiting]


def apply_pass(sessions: sessionmaker[Session], clock: Clock) -> int:
    """One batch in one transaction; returns how many rows it handled."""
    with transaction(sessions) as session:
        return len(apply_batch(session, clock))


def apply_own(sessions: sessionmaker[Session], clock: Clock, row_id: int) -> Outcome:
    """Apply one just-appended row now (with any earlier rows of its order), for a caller that
    waits for the result. If the worker applied it meanwhile, its stored state is the answer."""
    with transaction(sessions) as session:
        row = session.get(IngestInboxRow, row_id)
        if row is None:
            return Outcome(FAILED, f"inbox row {row_id}: not found")
        outcomes = apply_batch(
            session,
            clock,
            order_key=(row.shop_id, row.order_key),
            up_to_id=row_id,
            caller_id=row_id,
        )
        if row_id in outcomes:
            return outcomes[row_id]
        session.refresh(row)
        return Outcome(row.state, row.error or "")


def retry(session: Session, row_id: int, *, shop_id: int | None = None) -> bool:
    """Put a failed or rejected row back in the queue (its cause fixed, or sent again);
    `shop_id` confines it to one shop's rows (a staff member's). True if it was put back."""
    row = session.get(IngestInboxRow, row_id, with_for_update=True)
    if row is None or (shop_id is not None and row.shop_id != shop_id):
        return False
    if row.state not in (FAILED, REJECTED):
        return False
    row.state, row.attempts, row.error = PENDING, 0, None
    return True


def failed_rows(session: Session, shop_id: int, *, limit: int = 100) -> list[IngestInboxRow]:
    """A shop's rows that wait for staff (failed), newest first, for the connectors page."""
    return list(
        session.scalars(
            select(IngestInboxRow)
            .where(IngestInboxRow.shop_id == shop_id, IngestInboxRow.state == FAILED)
            .order_by(IngestInboxRow.id.desc())
            .limit(limit)
        )
    )


def purge_applied(session: Session, clock: Clock, *, keep_days: int) -> int:
    """Delete rows applied more than `keep_days` ago; returns how many. What they said lives
    on in the orders, the timeline and the connectors' delivery log, which also keep a
    redelivery after this period from being applied twice (a delivery id or event id is
    stored once there; an order is upserted by its id)."""
    cutoff = clock.now() - timedelta(days=keep_days)
    result = session.execute(
        delete(IngestInboxRow).where(
            IngestInboxRow.state == APPLIED, IngestInboxRow.applied_at < cutoff
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _lock_shop(session: Session, shop_id: int) -> None:
    """Wait until no other transaction applies this shop's rows (PostgreSQL), then hold
    that until commit: a caller applying its own order waits for a worker's batch."""
    session.execute(select(func.pg_advisory_xact_lock(APPLY_LOCK_CLASS, shop_id)))


def _lock_a_shop_with_work(session: Session) -> tuple[int | None, bool]:
    """The shop whose rows this worker's batch applies (PostgreSQL), and whether it shares it
    with other workers' batches. The shop with the oldest pending row is taken shared
    (`pg_try_advisory_xact_lock_shared`): batches side by side write only rows whose keys
    they hold (customers, phones, emails, orders, new products, deliveries:
    inbox_bulk.hold_keys), one round each; what needs the shop to itself (a row applied one
    at a time, as a caller applying its own order) takes it exclusively. A shop this worker
    left such rows in is waited for exclusively (`pg_advisory_xact_lock`, before anything else
    in the transaction: no deadlock), and a waiting exclusive request turns new shared ones
    away, so those rows are never starved. Held until commit; (None, False) if no shop has
    work another worker does not hold exclusively (0029, Session 12)."""
    waiting = session.execute(
        select(IngestInboxRow.shop_id, func.min(IngestInboxRow.id).label("oldest"))
        .where(IngestInboxRow.state == PENDING)
        .group_by(IngestInboxRow.shop_id)
        .order_by("oldest")
    ).all()
    for shop_id, _oldest in waiting:
        if shop_id in _WAITING_FOR_SHOP:
            _WAITING_FOR_SHOP.discard(shop_id)
            _lock_shop(session, int(shop_id))
            return int(shop_id), False
        lock = func.pg_try_advisory_xact_lock_shared(APPLY_LOCK_CLASS, shop_id)
        if session.scalar(select(lock)):
            return int(shop_id), True
    return None, False


def _take_shop_alone(session: Session, shop_id: int) -> bool:
    """Turn this transaction's shared hold of the shop into an exclusive one if no other
    transaction holds it (never waits: two holders asking at once cannot deadlock)."""
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(APPLY_LOCK_CLASS, shop_id))))


def _claim(
    session: Session,
    limit: int,
    tried: set[int],
    order_key: tuple[int, str] | None,
    up_to_id: int | None,
    only_shop: int | None = None,
) -> list[IngestInboxRow]:
    row, earlier = IngestInboxRow, aliased(IngestInboxRow)
    blocked = exists().where(
        earlier.shop_id == row.shop_id,
        earlier.order_key == row.order_key,
        earlier.id < row.id,
        earlier.state == PENDING,
    )
    query = select(row).where(row.state == PENDING, ~blocked)
    if tried:
        query = query.where(row.id.not_in(tried))
    if order_key is not None:
        query = query.where(row.shop_id == order_key[0], row.order_key == order_key[1])
    if up_to_id is not None:
        query = query.where(row.id <= up_to_id)
    if only_shop is not None:
        query = query.where(row.shop_id == only_shop)
    query = query.order_by(row.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Workers share the backlog; a caller waiting for its own order waits its turn.
        query = query.with_for_update(of=row, skip_locked=order_key is None)
    return list(session.scalars(query.execution_options(populate_existing=True)))


def _apply_one(
    session: Session, clock: Clock, shop: Shop, row: IngestInboxRow, *, caller: bool
) -> Outcome:
    row.attempts += 1
    applier = _APPLIERS.get(row.source)
    try:
        with session.begin_nested():
            if applier is None:
                raise ValidationFailed(
                    [FieldError("source", f"no applier for {row.source!r} is installed")]
                )
            result = applier(session, clock, shop, row)
    except CareloopError as exc:
        row.state, row.error = (REJECTED if caller else FAILED), describe(exc)[:ERROR_LENGTH]
        return Outcome(row.state, row.error, exc)
    except Exception as exc:  # a poison row must not stop its batch; it is retried, then parked
        row.error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        if row.attempts >= MAX_ATTEMPTS:
            row.state = FAILED
        log.warning("inbox row %s (attempt %s) failed: %s", row.id, row.attempts, row.error)
        return Outcome(row.state, row.error, exc)
    row.state, row.error, row.applied_at = APPLIED, None, clock.now()
    return Outcome(APPLIED, result)


def describe(exc: Exception) -> str:
    """An error as staff read it: each field named (at most ten)."""
    if isinstance(exc, ValidationFailed):
        shown = "; ".join(str(e) for e in exc.errors[:10])
        more = f" (+{len(exc.errors) - 10} more)" if len(exc.errors) > 10 else ""
        return shown + more
    return str(exc) or type(exc).__name__


def apply_api_row(session: Session, clock: Clock, shop: Shop, row: IngestInboxRow) -> str:
    """A row accepted by the REST API: an order (upserted as the synchronous route did) or a
    status change (recorded as the synchronous route did)."""
    if row.topic == STATUS_TOPIC:
        change = _parsed(StatusRowIn, row.payload)
        change_status(
            session=session,
            clock=clock,
            shop=shop,
            order_external_id=change.order_id,
            status=change.status,
            at=change.at,
            event_id=change.event_id,
        )
        return f"order {change.order_id} {change.status}"
    data = _parsed(OrderIn, row.payload)
    result = upsert_order(session=session, clock=clock, shop=shop, data=data, source="api")
    return f"order {data.order_id} {'created' if result.created else 'updated'}"


def _parsed(model: type[Parsed], payload: str) -> Parsed:
    try:
        return model.model_validate_json(payload)
    except ValidationError as exc:
        raise ValidationFailed(
            [
                FieldError(".".join(str(p) for p in err["loc"]) or "body", err["msg"])
                for err in exc.errors()
            ]
        ) from None


register_applier("api", apply_api_row)
