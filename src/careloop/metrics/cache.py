"""A short-lived per-shop cache for figures too expensive to compute on every page view
(the dashboard's charts over all orders, the monthly review).

A cached figure is reused only while nothing new was recorded: the key includes the
newest order and timeline-event ids (every order, status change, answer, review, ticket
and message leaves one), read from the primary keys' ends, so a stale figure is never
shown after a change. It also expires after MAX_AGE, because "the last 30 days" moves.
Each cached value carries when it was computed, and pages say so."""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.customers.models import TimelineEvent
from careloop.orders.models import Order
from careloop.shops.models import Shop

T = TypeVar("T")
MAX_AGE = timedelta(minutes=10)
MAX_ENTRIES = 512  # per database; least recently used figures are dropped first


@dataclass(frozen=True)
class Cached(Generic[T]):
    value: T
    computed_at: datetime
    reused: bool  # False when computed by this call


@dataclass(frozen=True)
class _Entry:
    version: tuple[int, int]
    computed_at: datetime
    value: object


# One cache per engine (per database): tests and several apps in one process never mix.
_caches: weakref.WeakKeyDictionary[Engine, OrderedDict[Hashable, _Entry]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def data_version(session: Session) -> tuple[int, int]:
    """The newest order and timeline-event ids: both grow with every recorded change."""
    orders = session.scalar(select(func.max(Order.id))) or 0
    events = session.scalar(select(func.max(TimelineEvent.id))) or 0
    return int(orders), int(events)


def shop_fingerprint(shop: Shop) -> str:
    """The shop's settings that change figures without recording an event (time zone,
    targets, churn window, business hours): part of every cache key."""
    state = json.dumps([shop.timezone, shop.business_model, shop.settings], default=str)
    return hashlib.sha1(state.encode(), usedforsecurity=False).hexdigest()


def cached(
    *,
    session: Session,
    clock: Clock,
    shop_id: int,
    key: Hashable,
    compute: Callable[[], T],
    max_age: timedelta = MAX_AGE,
) -> Cached[T]:
    """`compute()`, or its value from an earlier call with the same data and key."""
    engine = session.get_bind()
    now = clock.now()
    version = data_version(session)
    full_key = (shop_id, key)
    if isinstance(engine, Engine):
        with _lock:
            entry = _caches.get(engine, OrderedDict()).get(full_key)
        if (
            entry is not None
            and entry.version == version
            and timedelta(0) <= now - entry.computed_at < max_age
        ):
            return Cached(entry.value, entry.computed_at, reused=True)  # type: ignore[arg-type]
    value = compute()
    if isinstance(engine, Engine):
        with _lock:
            cache = _caches.setdefault(engine, OrderedDict())
            cache[full_key] = _Entry(version, now, value)
            cache.move_to_end(full_key)
            while len(cache) > MAX_ENTRIES:
                cache.popitem(last=False)
    return Cached(value, now, reused=False)
