"""A per-process memory of the shop each recently used API key belongs to.

Every accepted order or status change starts with "whose key is this?". Reading the key
table for it costs a connection, a statement and a hop to a worker thread per request: a
third of an accepted request's CPU (docs/decisions/0032-accept-path-profile.md). A key that
was valid a moment ago is remembered instead, for a bounded time, and revocation still wins:

- **In this process, at once.** Updating or deleting an `ApiKey` row through the ORM (the
  settings page's Revoke, a shop's deletion) empties the memory when the row is flushed and
  again when its transaction commits, so no request that starts after the commit can use a
  remembered key (one read between the flush and the commit would otherwise re-remember it).
- **In other processes, within `TRUST_FOR`** of the clock: an entry is trusted that long
  after it was read, then the key table is read again. A key revoked by another process (or
  by a plain SQL statement) stops working here at most `TRUST_FOR` later.

Only valid keys are remembered: an unknown or revoked key is read from the table every time.
Entries belong to one engine (one database), so two apps on two databases never share them.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, object_session

from careloop.core.clock import Clock
from careloop.shops.models import ApiKey

TRUST_FOR = timedelta(seconds=5)
# A bound on memory: past it the memory starts again (keys are few per shop in practice).
MAX_KEYS = 10_000


@dataclass(frozen=True)
class _Entry:
    shop_id: int
    until: datetime


_lock = threading.Lock()
_memory: weakref.WeakKeyDictionary[Engine, dict[str, _Entry]] = weakref.WeakKeyDictionary()
_watching = False
_generation = 0  # counts forget_all calls: a read older than the last one is not remembered


def recall(engine: Engine, clock: Clock, key_hash: str) -> int | None:
    """The remembered shop of a key (by its SHA-256), or None: not remembered, or too old."""
    entry = _memory.get(engine, {}).get(key_hash)
    if entry is None or clock.now() >= entry.until:
        return None
    return entry.shop_id


def generation() -> int:
    """Take this before reading a key from the table, and hand it to `remember`."""
    _watch_revocations()
    return _generation


def remember(engine: Engine, clock: Clock, key_hash: str, shop_id: int, read_at: int) -> None:
    """Remember that the key was valid for `shop_id`, as read from the table after
    `generation()` returned `read_at`; nothing is remembered if a key changed since (the
    read may have seen the key just before its revocation committed)."""
    with _lock:
        if read_at != _generation:
            return
        keys = _memory.setdefault(engine, {})
        if len(keys) >= MAX_KEYS:
            keys.clear()
        keys[key_hash] = _Entry(shop_id, clock.now() + TRUST_FOR)


def forget_all() -> None:
    """Forget every remembered key of every database of this process."""
    global _generation
    with _lock:
        _memory.clear()
        _generation += 1


def _watch_revocations() -> None:
    """Listen for changed or deleted ApiKey rows, once per process (on first use, not on
    import: no registry is changed by importing a module)."""
    global _watching
    with _lock:
        if _watching:
            return
        event.listen(ApiKey, "after_update", _key_changed)
        event.listen(ApiKey, "after_delete", _key_changed)
        _watching = True


def _key_changed(_mapper: Any, _connection: Any, target: ApiKey) -> None:
    forget_all()
    session = object_session(target)
    if session is not None:
        event.listen(session, "after_commit", _forget_after_commit, once=True)


def _forget_after_commit(_session: Session) -> None:
    forget_all()
