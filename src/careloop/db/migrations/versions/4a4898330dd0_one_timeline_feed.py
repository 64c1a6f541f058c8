"""one timeline feed: journeys and loyalty read the timeline through timeline_cursors like
feedback and support; `timeline_events.history` replaces "stored already dispatched";
`timeline_events.dispatched_at` and `loyalty_processed_events` are dropped
(docs/decisions/0028)

Each consumer keeps its place: its cursor stands at the highest event it processed, and
every event below that it has not processed (and would) is written as a gap, which the
feed hands out on its first read because the id is present. No event is processed twice,
none is skipped.

Revision ID: 4a4898330dd0
Revises: 5be2c7a91d04
Create Date: 2026-12-07 21:20:00
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import careloop.db.migration_types

revision = "4a4898330dd0"
down_revision = "5be2c7a91d04"
branch_labels = None
depends_on = None

JOURNEYS = "journeys.dispatch"
LOYALTY = "loyalty.events"
# loyalty.processing.HANDLED_TYPES as this revision was written (frozen here).
LOYALTY_TYPES = (
    "order.placed",
    "order.paid",
    "order.delivered",
    "order.returned",
    "order.cancelled",
    "survey.answered",
    "review.posted",
)
_IN_TYPES = ", ".join(f"'{t}'" for t in LOYALTY_TYPES)


def runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive ids as (lo, hi) ranges."""
    out: list[tuple[int, int]] = []
    for id_ in sorted(ids):
        if out and id_ == out[-1][1] + 1:
            out[-1] = (out[-1][0], id_)
        else:
            out.append((id_, id_))
    return out


def _cursor(conn: sa.Connection, name: str, position: int, waiting: Sequence[int]) -> None:
    if position == 0 and not waiting:
        return  # nothing processed: the feed starts at the beginning on its own
    now = datetime.now(UTC)
    # The feed's gap shape: [lo, hi, seen_at ISO, xmax]; no xmax, so the clock settles a
    # gap whose ids never appear (these all exist, so the first read hands them out).
    gaps = [[lo, hi, now.isoformat(), None] for lo, hi in runs(waiting)]
    cursors = sa.table(
        "timeline_cursors",
        sa.column("name", sa.String),
        sa.column("position", sa.BigInteger),
        sa.column("gaps", sa.JSON),
        sa.column("updated_at", careloop.db.migration_types.UTCDateTime(timezone=True)),
    )
    conn.execute(sa.delete(cursors).where(cursors.c.name == name))
    conn.execute(sa.insert(cursors).values(name=name, position=position, gaps=gaps, updated_at=now))


def _ids(conn: sa.Connection, sql: str, **params: Any) -> list[int]:
    return [int(row[0]) for row in conn.execute(sa.text(sql), params)]


def upgrade() -> None:
    conn = op.get_bind()
    # Every position is read before timeline_events is altered: on SQLite a batch alter may
    # rebuild the table, and the rebuild's delete would cascade to loyalty's markers.

    # Journeys: processed = dispatched (by the dispatcher, or stored as history).
    journeys = int(
        conn.scalar(sa.text("SELECT MAX(id) FROM timeline_events WHERE dispatched_at IS NOT NULL"))
        or 0
    )
    journeys_waiting = _ids(
        conn,
        "SELECT id FROM timeline_events WHERE dispatched_at IS NULL AND id <= :position",
        position=journeys,
    )
    # Loyalty: processed = marked in loyalty_processed_events; waiting = what its query
    # would still have picked (a handled type, a customer, in its shop program's window).
    loyalty = int(conn.scalar(sa.text("SELECT MAX(event_id) FROM loyalty_processed_events")) or 0)
    loyalty_waiting = _ids(
        conn,
        "SELECT e.id FROM timeline_events e"
        " JOIN loyalty_programs p ON p.shop_id = e.shop_id"
        " LEFT JOIN loyalty_processed_events m ON m.event_id = e.id"
        f" WHERE m.event_id IS NULL AND e.id <= :position AND e.type IN ({_IN_TYPES})"
        " AND e.customer_id IS NOT NULL"
        " AND (e.recorded_at >= p.tracking_since"
        " OR (p.started_at IS NOT NULL AND e.occurred_at >= p.started_at))",
        position=loyalty,
    )
    _cursor(conn, JOURNEYS, journeys, journeys_waiting)
    _cursor(conn, LOYALTY, loyalty, loyalty_waiting)

    op.drop_table("loyalty_processed_events")
    with op.batch_alter_table("timeline_events") as batch:
        batch.add_column(
            sa.Column("history", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.drop_index(
            "ix_timeline_undispatched",
            postgresql_where=sa.text("dispatched_at IS NULL"),
            sqlite_where=sa.text("dispatched_at IS NULL"),
        )
        batch.drop_column("dispatched_at")


def _position(conn: sa.Connection, name: str) -> tuple[int, list[Any]]:
    row = conn.execute(
        sa.text("SELECT position, gaps FROM timeline_cursors WHERE name = :name"), {"name": name}
    ).first()
    if row is None:
        return 0, []
    gaps = row[1] if isinstance(row[1], list) else json.loads(row[1] or "[]")
    return int(row[0]), gaps


def _below(position: int, gaps: list[Any]) -> str:
    waiting = " OR ".join(f"id BETWEEN {int(g[0])} AND {int(g[1])}" for g in gaps)
    return f"id <= {position}" + (f" AND NOT ({waiting})" if waiting else "")


def downgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("timeline_events") as batch:
        batch.add_column(
            sa.Column(
                "dispatched_at",
                careloop.db.migration_types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch.create_index(
            "ix_timeline_undispatched",
            ["id"],
            unique=False,
            postgresql_where=sa.text("dispatched_at IS NULL"),
            sqlite_where=sa.text("dispatched_at IS NULL"),
        )
    now = datetime.now(UTC)
    events = sa.table(
        "timeline_events",
        sa.column("id", sa.BigInteger),
        sa.column("history", sa.Boolean),
        sa.column("dispatched_at", careloop.db.migration_types.UTCDateTime(timezone=True)),
    )
    position, gaps = _position(conn, JOURNEYS)
    conn.execute(
        sa.update(events)
        .where(sa.or_(sa.text(_below(position, gaps)), events.c.history.is_(True)))
        .values(dispatched_at=now)
    )
    op.create_table(
        "loyalty_processed_events",
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "processed_at", careloop.db.migration_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["timeline_events.id"],
            name=op.f("fk_loyalty_processed_events_event_id_timeline_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_loyalty_processed_events_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_loyalty_processed_events")),
    )
    op.create_index(
        op.f("ix_loyalty_processed_events_shop_id"),
        "loyalty_processed_events",
        ["shop_id"],
        unique=False,
    )
    position, gaps = _position(conn, LOYALTY)
    conn.execute(
        sa.text(
            "INSERT INTO loyalty_processed_events (event_id, shop_id, processed_at)"
            f" SELECT id, shop_id, recorded_at FROM timeline_events WHERE {_below(position, gaps)}"
            f" AND type IN ({_IN_TYPES})"
        )
    )
    conn.execute(
        sa.text("DELETE FROM timeline_cursors WHERE name IN (:a, :b)"),
        {"a": JOURNEYS, "b": LOYALTY},
    )
    with op.batch_alter_table("timeline_events") as batch:
        batch.drop_column("history")
