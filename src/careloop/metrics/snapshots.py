"""Stale-while-revalidate figure snapshots: pages show a shop's newest stored figures at
once and ask for a refresh in the background, instead of scanning a million orders per view.

A snapshot is shown as it is while its data is unchanged (the newest order and timeline
event ids) and it is younger than FRESH_FOR. When it is behind, a page
- recomputes at once for a small shop (SYNC_MAX_ORDERS: cheap, and it sees live figures),
- else shows it with its as-of time and asks for a refresh, at most once per
  MIN_REFRESH_GAP (the worker or the process that served the page refreshes it).
A snapshot computed under other shop settings (time zone, targets) is never shown; with
none at all the page computes synchronously (a new shop: cheap)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from careloop.core.clock import Clock
from careloop.metrics.cache import data_version, shop_fingerprint
from careloop.metrics.models import MetricSnapshot
from careloop.metrics.readers import read_sessions
from careloop.orders.models import Order
from careloop.shops.models import Shop

log = logging.getLogger("careloop.metrics")

FRESH_FOR = timedelta(minutes=5)  # "the last 30 days" moves: refresh at least this often
MIN_REFRESH_GAP = timedelta(minutes=1)  # new data: a busy shop's figures lag at most ~this
# Recompute during the request for a shop with at most this many orders (well under the
# 150 ms page budget); bigger shops get their snapshot and a background refresh.
SYNC_MAX_ORDERS = 2_000
LEASE = timedelta(minutes=10)  # a refresher that died frees its claim after this
RETRY_AFTER = timedelta(minutes=1)  # after a failed refresh
READ_MARK_EVERY = timedelta(minutes=5)  # how often a view records that figures are in use

# (session, shop, now, parameter after "kind:") -> JSON-able figures
Compute = Callable[[Session, Shop, datetime, str], dict[str, Any]]
# kind -> compute, for snapshot keys `kind` and `kind:param`: set by careloop.bootstrap from
# the manifests' `figures` tables (metrics/figures.py FIGURES).
_KINDS: Mapping[str, Compute] = {}


def use_figures(kinds: Mapping[str, Compute]) -> None:
    """The figure kinds from now on (bootstrap calls this)."""
    global _KINDS
    _KINDS = dict(kinds)


def compute_for(key: str) -> Compute:
    kind = key.split(":", 1)[0]
    if kind not in _KINDS:
        raise KeyError(f"no figures named {kind!r}")
    return _KINDS[kind]


@dataclass(frozen=True)
class Figures:
    payload: dict[str, Any]
    as_of: datetime
    refreshing: bool  # older figures shown while newer ones are on their way


def _version_text(session: Session) -> str:
    # Reviews from people the shop does not know record no timeline event, yet they count
    # in the feedback themes: their newest id is part of the version too.
    from careloop.feedback.models import Review

    orders, events = data_version(session)
    reviews = session.scalar(select(func.max(Review.id))) or 0
    return f"{orders}:{events}:{reviews}"


@dataclass(frozen=True)
class _Computed:
    payload: dict[str, Any]
    compute_ms: int
    shop_orders: int


def _compute(session: Session, shop: Shop, key: str, now: datetime) -> _Computed:
    started = time.perf_counter()  # a duration for the logs and the row, not a clock
    payload = compute_for(key)(session, shop, now, key.partition(":")[2])
    orders = session.scalar(select(func.count(Order.id)).where(Order.shop_id == shop.id)) or 0
    return _Computed(payload, round((time.perf_counter() - started) * 1000), int(orders))


def _store(
    session: Session,
    *,
    shop_id: int,
    key: str,
    fingerprint: str,
    version: str,
    now: datetime,
    computed: _Computed,
    read: bool,
) -> None:
    """Insert or replace the (shop, key) snapshot and release any claim on it."""
    values: dict[str, Any] = {
        "fingerprint": fingerprint,
        "data_version": version,
        "data_as_of": now,
        "computed_at": now,
        "compute_ms": computed.compute_ms,
        "shop_orders": computed.shop_orders,
        "payload": computed.payload,
        "refresh_requested_at": None,
        "claimed_until": None,
    }
    if read:
        values["read_at"] = now
    dialect: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(MetricSnapshot).values(shop_id=shop_id, key=key, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["shop_id", "key"], set_=values))


def read_figures(*, session: Session, clock: Clock, shop: Shop, key: str) -> Figures:
    """The figures `key` of `shop` for a page: see the module docstring."""
    now = clock.now()
    fingerprint = shop_fingerprint(shop)
    version = _version_text(session)
    row = session.scalars(
        select(MetricSnapshot).where(MetricSnapshot.shop_id == shop.id, MetricSnapshot.key == key)
    ).one_or_none()
    if row is not None and row.fingerprint == fingerprint:
        age = now - row.computed_at
        changed = row.data_version != version
        if not changed and timedelta(0) <= age < FRESH_FOR:
            _mark_read(session, row, now)
            return Figures(row.payload, row.data_as_of, refreshing=False)
        if row.shop_orders > SYNC_MAX_ORDERS:
            due = age >= FRESH_FOR or age < timedelta(0) or (changed and age >= MIN_REFRESH_GAP)
            if due and row.refresh_requested_at is None:
                row.refresh_requested_at = now
            _mark_read(session, row, now)
            return Figures(
                row.payload, row.data_as_of, refreshing=row.refresh_requested_at is not None
            )
    computed = _compute(session, shop, key, now)
    _store(
        session,
        shop_id=shop.id,
        key=key,
        fingerprint=fingerprint,
        version=version,
        now=now,
        computed=computed,
        read=True,
    )
    return Figures(computed.payload, now, refreshing=False)


def _mark_read(session: Session, row: MetricSnapshot, now: datetime) -> None:
    # Written rarely: a page view should not be a database write every time.
    if row.read_at is None or now - row.read_at >= READ_MARK_EVERY:
        row.read_at = now


def request_refresh(*, session: Session, clock: Clock, shop: Shop, key: str) -> None:
    """Ask for `key` to be recomputed soon (the owner's "refresh now")."""
    session.execute(
        update(MetricSnapshot)
        .where(MetricSnapshot.shop_id == shop.id, MetricSnapshot.key == key)
        .values(refresh_requested_at=clock.now())
    )


def _claim(sessions: sessionmaker[Session], clock: Clock, shop_id: int, key: str) -> bool:
    """Take the refresh lease of (shop, key); False if another refresher holds it."""
    now = clock.now()
    with sessions() as session, session.begin():
        claimed = session.execute(
            update(MetricSnapshot)
            .where(
                MetricSnapshot.shop_id == shop_id,
                MetricSnapshot.key == key,
                or_(MetricSnapshot.claimed_until.is_(None), MetricSnapshot.claimed_until < now),
            )
            .values(claimed_until=now + LEASE)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def refresh(*, sessions: sessionmaker[Session], clock: Clock, shop_id: int, key: str) -> bool:
    """Recompute the existing snapshot (shop, key) unless another refresher has it.

    The figures are read on a reader connection (on SQLite one that does not take the
    write lock, so pages keep being served meanwhile); only the result is written."""
    if not _claim(sessions, clock, shop_id, key):
        return False
    try:
        with read_sessions(sessions)() as reader:
            shop = reader.get(Shop, shop_id)
            if shop is None:
                return False
            now = clock.now()
            version = _version_text(reader)
            computed = _compute(reader, shop, key, now)
            fingerprint = shop_fingerprint(shop)
            reader.rollback()
    except Exception:
        # Keep the claim a while: a computation that fails is not retried on every pass.
        with sessions() as session, session.begin():
            session.execute(
                update(MetricSnapshot)
                .where(MetricSnapshot.shop_id == shop_id, MetricSnapshot.key == key)
                .values(claimed_until=clock.now() + RETRY_AFTER)
            )
        raise
    with sessions() as session, session.begin():
        _store(
            session,
            shop_id=shop_id,
            key=key,
            fingerprint=fingerprint,
            version=version,
            now=now,
            computed=computed,
            read=False,
        )
    log.info("figures %s of shop %d refreshed in %d ms", key, shop_id, computed.compute_ms)
    return True


_running: set[tuple[int, int, str]] = set()  # (sessions, shop, key) refreshing in-process
_running_lock = threading.Lock()


def refresh_quietly(sessions: sessionmaker[Session], clock: Clock, shop_id: int, key: str) -> None:
    """`refresh` for after a response: one at a time per figures in this process (many
    views of a stale page ask at once); a failure is logged and the worker retries."""
    job = (id(sessions), shop_id, key)
    with _running_lock:
        if job in _running:
            return
        _running.add(job)
    try:
        refresh(sessions=sessions, clock=clock, shop_id=shop_id, key=key)
    except Exception:
        log.exception("refreshing figures %s of shop %d failed", key, shop_id)
    finally:
        with _running_lock:
            _running.discard(job)


def compute_now(*, sessions: sessionmaker[Session], clock: Clock, shop: Shop, key: str) -> int:
    """Compute and store `key` for `shop` now, whether or not a snapshot exists (the CLI);
    returns how long the computation took in milliseconds."""
    with read_sessions(sessions)() as reader:
        now = clock.now()
        fresh_shop = reader.get(Shop, shop.id)
        if fresh_shop is None:
            raise KeyError(f"no shop {shop.id}")
        version = _version_text(reader)
        computed = _compute(reader, fresh_shop, key, now)
        fingerprint = shop_fingerprint(fresh_shop)
        reader.rollback()
    with sessions() as session, session.begin():
        _store(
            session,
            shop_id=shop.id,
            key=key,
            fingerprint=fingerprint,
            version=version,
            now=now,
            computed=computed,
            read=False,
        )
    return computed.compute_ms


def due_for_refresh(
    session: Session, now: datetime, *, active_for: timedelta
) -> list[tuple[int, str]]:
    """(shop id, key) of snapshots to refresh: asked for, or in use (read within
    `active_for`) and older than FRESH_FOR; unclaimed."""
    rows = session.execute(
        select(MetricSnapshot.shop_id, MetricSnapshot.key)
        .where(
            or_(MetricSnapshot.claimed_until.is_(None), MetricSnapshot.claimed_until < now),
            or_(
                MetricSnapshot.refresh_requested_at.is_not(None),
                (MetricSnapshot.read_at >= now - active_for)
                & (MetricSnapshot.computed_at <= now - FRESH_FOR),
            ),
        )
        .order_by(MetricSnapshot.computed_at)
    ).all()
    return [(int(shop_id), str(key)) for shop_id, key in rows]
