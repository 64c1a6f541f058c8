"""A consumer's exactly-once feed of timeline events, safe against late commits.

A plain "id > cursor" read loses events on PostgreSQL: ids come from a sequence at INSERT
time but rows become visible at COMMIT, so a transaction holding id 100 that commits after
the one holding id 101 is skipped for ever. The feed therefore remembers the ids missing
below its position (gaps) and re-reads them on every pass until they appear, or until it is
certain they never will (high-water mark with gap tracking, as Marten does):

- on PostgreSQL, a gap is settled once every transaction that was running when it was seen
  has finished (`pg_snapshot_xmin` of a later snapshot passed the `xmax` noted with the gap)
  and it is at least `SETTLE` old by the clock (an id is taken a moment before its
  transaction gets an xid);
- on SQLite writers are serialised, so a gap is only a rolled-back insert: dropped after
  `HORIZON` by the clock.

Ids burnt by `INSERT ... ON CONFLICT DO NOTHING` (a duplicate webhook, a re-import) are gaps
that never fill; they come in runs, so gaps are kept as ranges, and at most `MAX_GAPS` of
them (the oldest are dropped with a warning).

The cursor row is locked for the pass and updated in the caller's transaction, so the
caller's effects and the feed's position commit together: an event is handed out once.
The callers' own unique keys (review request key, ticket source key) stay the last guard.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import BigInteger, String, or_, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from careloop.core.clock import Clock, ensure_aware
from careloop.customers.models import TimelineEvent
from careloop.db.base import Base, JsonType, UTCDateTime
from careloop.db.upsert import insert_ignoring_duplicates

log = logging.getLogger("careloop.event_feed")

SETTLE: Final = timedelta(minutes=1)
HORIZON: Final = timedelta(minutes=10)
MAX_GAPS: Final = 1000
# Ids looked at per pass (of every type): a window far wider than the batch of watched
# events, so a consumer of rare types still moves through busy timelines quickly.
ID_WINDOW: Final = 20_000


class TimelineCursor(Base):
    """How far one consumer has read the timeline, and the ids it is still waiting for."""

    __tablename__ = "timeline_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    # [[lo, hi, seen_at ISO, xmax or null], ...]: ids lo..hi were missing when seen.
    gaps: Mapped[list[Any]] = mapped_column(JsonType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- The rules, without a database ----------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    lo: int
    hi: int
    seen_at: datetime
    # PostgreSQL: the snapshot's xmax when the gap was seen (None on SQLite).
    xmax: int | None = None

    def as_json(self) -> list[Any]:
        return [self.lo, self.hi, self.seen_at.isoformat(), self.xmax]

    @classmethod
    def from_json(cls, raw: Sequence[Any]) -> Gap:
        lo, hi, seen, xmax = [*raw, None][:4]
        return cls(int(lo), int(hi), ensure_aware(datetime.fromisoformat(str(seen))), xmax)


def missing(after: int, upto: int, present: Iterable[int]) -> list[tuple[int, int]]:
    """The runs of ids in (after, upto] that are not in `present`."""
    runs: list[tuple[int, int]] = []
    expected = after + 1
    for id_ in sorted(i for i in set(present) if after < i <= upto):
        if id_ > expected:
            runs.append((expected, id_ - 1))
        expected = id_ + 1
    if expected <= upto:
        runs.append((expected, upto))
    return runs


def fill(gaps: Sequence[Gap], appeared: Iterable[int]) -> list[Gap]:
    """The gaps left once the ids in `appeared` are there (a range may split in two)."""
    found = sorted(set(appeared))
    out: list[Gap] = []
    for gap in gaps:
        inside = [i for i in found if gap.lo <= i <= gap.hi]
        out += [replace(gap, lo=lo, hi=hi) for lo, hi in missing(gap.lo - 1, gap.hi, inside)]
    return out


def settled(gap: Gap, *, now: datetime, xmin: int | None) -> bool:
    """Whether a missing id can no longer appear (see the module docstring)."""
    age = now - gap.seen_at
    if gap.xmax is not None and xmin is not None:
        return age >= SETTLE and xmin >= gap.xmax
    return age >= HORIZON


def prune(gaps: Sequence[Gap], *, now: datetime, xmin: int | None) -> list[Gap]:
    """Drop settled gaps, then the oldest beyond MAX_GAPS."""
    kept = [g for g in gaps if not settled(g, now=now, xmin=xmin)]
    if len(kept) > MAX_GAPS:
        dropped = len(kept) - MAX_GAPS
        log.warning("event feed: %d unsettled gap ranges dropped (over %d)", dropped, MAX_GAPS)
        kept = sorted(kept, key=lambda g: (g.seen_at, g.lo))[dropped:]
        kept.sort(key=lambda g: g.lo)
    return kept


# --- The feed ------------------------------------------------------------------------------


def _lock(session: Session, clock: Clock, name: str) -> TimelineCursor:
    row = {"name": name, "position": 0, "gaps": [], "updated_at": clock.now()}
    insert_ignoring_duplicates(session, TimelineCursor.__table__, [row], ["name"])  # type: ignore[arg-type]
    stmt = select(TimelineCursor).where(TimelineCursor.name == name)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # one worker at a time moves a consumer's feed
    cursor = session.scalar(stmt)
    assert cursor is not None
    return cursor


def _snapshot(session: Session) -> tuple[int | None, int | None]:
    """(xmin, xmax) of a fresh snapshot on PostgreSQL, (None, None) elsewhere."""
    if session.get_bind().dialect.name != "postgresql":
        return None, None
    row = session.execute(
        text(
            "SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint"
            " FROM pg_current_snapshot() AS s"
        )
    ).one()
    return int(row[0]), int(row[1])


def _in_ranges(gaps: Sequence[Gap]) -> Any:
    return or_(*(TimelineEvent.id.between(g.lo, g.hi) for g in gaps))


def read(
    *,
    session: Session,
    clock: Clock,
    consumer: str,
    types: Sequence[str] | None,
    batch: int = 500,
    history: bool = True,
) -> list[TimelineEvent]:
    """The events of `types` (None: every type) the consumer has not had yet, oldest id
    first, at most `batch` new ones (plus any late ones that filled a gap); with
    `history=False` the events their writer marked as history (imports, backfills, the demo)
    are passed over, not handed out. Locks and advances the consumer's cursor in the
    session's transaction: commit it with whatever the caller did with the events."""

    def wants(type_: str, is_history: bool) -> bool:
        return (types is None or type_ in types) and (history or not is_history)

    now = clock.now()
    cursor = _lock(session, clock, consumer)
    gaps = [Gap.from_json(g) for g in cursor.gaps or []]
    late: list[TimelineEvent] = []
    if gaps:
        appeared = session.execute(
            select(TimelineEvent.id, TimelineEvent.type, TimelineEvent.history).where(
                _in_ranges(gaps)
            )
        ).all()
        if appeared:
            gaps = fill(gaps, [i for i, _, _ in appeared])
            wanted = [i for i, type_, past in appeared if wants(type_, past)]
            if wanted:
                late = list(
                    session.scalars(
                        select(TimelineEvent)
                        .where(TimelineEvent.id.in_(wanted))
                        .order_by(TimelineEvent.id)
                    )
                )
    window = session.execute(
        select(TimelineEvent.id, TimelineEvent.type, TimelineEvent.history)
        .where(TimelineEvent.id > cursor.position)
        .order_by(TimelineEvent.id)
        .limit(ID_WINDOW)
    ).all()
    wanted_ids = [i for i, type_, past in window if wants(type_, past)][:batch]
    # The pass ends at the last id looked at, or at the batch-th wanted event.
    upto = wanted_ids[-1] if len(wanted_ids) == batch else (window[-1][0] if window else 0)
    fresh: list[TimelineEvent] = []
    if wanted_ids:
        fresh = list(
            session.scalars(
                select(TimelineEvent)
                .where(TimelineEvent.id.in_(wanted_ids))
                .order_by(TimelineEvent.id)
            )
        )
    xmin, xmax = _snapshot(session)  # taken after the reads: covers every id they missed
    if window and upto > cursor.position:
        runs = missing(cursor.position, upto, [i for i, _, _ in window])
        gaps += [Gap(lo, hi, now, xmax) for lo, hi in runs]
        cursor.position = upto
    stored = [g.as_json() for g in prune(gaps, now=now, xmin=xmin)]
    if stored != list(cursor.gaps or []) or window:
        cursor.gaps = stored
        cursor.updated_at = now
    return late + fresh


def position(session: Session, consumer: str) -> tuple[int, list[Gap]]:
    """Where a consumer stands (for tests and the ops page)."""
    cursor = session.get(TimelineCursor, consumer)
    if cursor is None:
        return 0, []
    return cursor.position, [Gap.from_json(g) for g in cursor.gaps or []]


__all__ = [
    "HORIZON",
    "SETTLE",
    "Gap",
    "TimelineCursor",
    "fill",
    "missing",
    "position",
    "prune",
    "read",
    "settled",
]
