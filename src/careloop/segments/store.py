"""Bulk writes of a shop's segment rows, segment history and segment timeline events.

A recompute touches up to every customer of a shop; one ORM object per row made it take
twenty minutes at 100,000 customers. Here rows go through Core in executemany batches, and
callers pass only the rows that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.customers.models import TimelineEvent
from careloop.segments.care import SEGMENTS
from careloop.segments.models import CustomerSegment, SegmentChange

CLV_COLUMNS: Final = ("p_alive", "expected_purchases", "predicted_clv_minor")
# A customer's (P(alive), expected purchases, predicted CLV); all None without a usable fit.
ClvFigures = tuple[float | None, float | None, int | None]
NO_FIGURES: Final[ClvFigures] = (None, None, None)
# Ids per DELETE ... IN (...): well under every database's bound-parameter limit.
DELETE_CHUNK: Final = 500

_segments: Table = CustomerSegment.__table__  # type: ignore[assignment]
_changes: Table = SegmentChange.__table__  # type: ignore[assignment]
_timeline: Table = TimelineEvent.__table__  # type: ignore[assignment]


def update_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Update customer_segments rows by id (key "row_id"); every dict sets the same columns.
    Rows setting different columns are grouped, one executemany per group."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        # Without .values() Core sets the columns named by the parameters' keys.
        stmt = update(_segments).where(_segments.c.id == bindparam("row_id"))
        session.connection().execute(stmt, group)


def insert_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(_segments), list(rows))


def delete_rows(session: Session, shop_id: int, row_ids: Sequence[int]) -> None:
    for start in range(0, len(row_ids), DELETE_CHUNK):
        chunk = list(row_ids[start : start + DELETE_CHUNK])
        session.connection().execute(
            delete(_segments).where(_segments.c.shop_id == shop_id, _segments.c.id.in_(chunk))
        )


@dataclass(frozen=True)
class Change:
    """A customer moved between segments (None: no segment); scores are the new ones."""

    customer_id: int
    before: str | None
    after: str | None
    scores: tuple[int, int, int] | None


def record_changes(
    session: Session, *, shop_id: int, now: datetime, changes: Sequence[Change]
) -> None:
    """Append the changes to the segment history and write a `segment.left` and/or
    `segment.entered` timeline event for each, as `record_event` would (undispatched, so
    the journeys dispatcher picks them up). Event keys carry the history row's id, so an
    event exists once per change whoever retries."""
    if not changes:
        return
    history = [
        {
            "shop_id": shop_id,
            "customer_id": c.customer_id,
            "from_segment": c.before,
            "to_segment": c.after,
            "r_score": c.scores[0] if c.scores else None,
            "f_score": c.scores[1] if c.scores else None,
            "m_score": c.scores[2] if c.scores else None,
            "changed_at": now,
        }
        for c in changes
    ]
    conn = session.connection()
    # The new rows' ids are read back after a plain executemany rather than with RETURNING:
    # psycopg parses every multi-row RETURNING batch anew, which cost more than the inserts.
    # A run holds one change per customer, so this run's rows (its moment, ids above the
    # previous highest; a concurrent run's uncommitted rows are not visible) map by customer.
    last = conn.execute(
        select(func.coalesce(func.max(_changes.c.id), 0)).where(_changes.c.shop_id == shop_id)
    ).scalar_one()
    conn.execute(insert(_changes), history)
    ids = {
        int(cid): int(rid)
        for rid, cid in conn.execute(
            select(_changes.c.id, _changes.c.customer_id).where(
                _changes.c.shop_id == shop_id,
                _changes.c.changed_at == now,
                _changes.c.id > last,
            )
        )
    }
    timeline: list[dict[str, Any]] = []
    for c in changes:
        change_id = ids[c.customer_id]
        if c.before is not None:
            label = SEGMENTS[c.before].label if c.before in SEGMENTS else ""
            timeline.append(
                _event(
                    shop_id,
                    c.customer_id,
                    now,
                    events.SEGMENT_LEFT,
                    change_id,
                    "left",
                    {"segment": c.before, "to": c.after},
                    f"Left {label}" if label else "",
                )
            )
        if c.after is not None:
            timeline.append(
                _event(
                    shop_id,
                    c.customer_id,
                    now,
                    events.SEGMENT_ENTERED,
                    change_id,
                    "entered",
                    {"segment": c.after, "from": c.before},
                    f"Entered {SEGMENTS[c.after].label}",
                )
            )
    # The keys name history rows written just now, so none can exist yet: a plain insert.
    conn.execute(insert(_timeline), timeline)


def _event(
    shop_id: int,
    customer_id: int,
    now: datetime,
    type: str,
    change_id: int,
    suffix: str,
    payload: dict[str, Any],
    summary: str,
) -> dict[str, Any]:
    # The columns record_event sets; not history (journeys react to a segment change).
    return {
        "shop_id": shop_id,
        "customer_id": customer_id,
        "order_id": None,
        "type": type,
        "occurred_at": now,
        "recorded_at": now,
        "source": "system",
        "event_key": f"segment-change:{change_id}:{suffix}",
        "payload": payload,
        "summary": summary,
    }
