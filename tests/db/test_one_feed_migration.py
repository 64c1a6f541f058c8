"""Migration 4a4898330dd0 moves journeys (timeline_events.dispatched_at) and loyalty
(loyalty_processed_events) onto the one event feed without processing an event twice or
skipping one (docs/decisions/0028): a database holding processed and unprocessed events for
each consumer is upgraded, then each consumer's first read hands out exactly the events it
had not processed, in id order. Runs on SQLite and, under scripts/with-postgres.sh, on a
PostgreSQL database of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import create_engine, make_url

from careloop.core.clock import VirtualClock
from careloop.customers import event_feed
from careloop.customers.models import Customer
from careloop.db.engine import make_engine
from careloop.db.migrate import alembic_config
from careloop.db.migration_types import UTCDateTime
from careloop.loyalty.models import LoyaltyProgram
from careloop.loyalty.processing import HANDLED_TYPES
from careloop.shops.models import Shop

BEFORE = "5be2c7a91d04"
AFTER = "4a4898330dd0"
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the test's own (the shared test database is already migrated)."""
    pg = os.environ.get("CARELOOP_TEST_DATABASE_URL", "")
    if not pg:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"careloop_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(pg).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(engine: sa.Engine, target: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)


EVENTS = sa.table(
    "timeline_events",
    sa.column("id", sa.BigInteger),
    sa.column("shop_id", sa.BigInteger),
    sa.column("customer_id", sa.BigInteger),
    sa.column("type", sa.String),
    sa.column("occurred_at", UTCDateTime(timezone=True)),
    sa.column("recorded_at", UTCDateTime(timezone=True)),
    sa.column("source", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("summary", sa.Text),
    sa.column("dispatched_at", UTCDateTime(timezone=True)),
)
PROCESSED = sa.table(
    "loyalty_processed_events",
    sa.column("event_id", sa.BigInteger),
    sa.column("shop_id", sa.BigInteger),
    sa.column("processed_at", UTCDateTime(timezone=True)),
)

# id: (type, offered to journeys, processed by loyalty)
HISTORY: dict[int, tuple[str, bool, bool]] = {
    1: ("order.paid", True, True),
    2: ("order.paid", False, False),  # neither has had it: a gap for both
    3: ("order.paid", True, True),
    4: ("note.added", False, False),  # journeys' gap; not a loyalty type
    5: ("order.paid", True, False),  # loyalty's gap
    6: ("order.paid", True, True),  # loyalty's position
    7: ("order.paid", True, False),  # journeys' position
    8: ("order.paid", False, False),  # after both positions: the feed's own
}


def _seed(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        shop_id = conn.execute(
            sa.insert(Shop.__table__).values(  # type: ignore[arg-type]
                slug="acme", name="Acme", timezone="Asia/Ho_Chi_Minh", created_at=T0
            )
        ).inserted_primary_key[0]
        customer_id = conn.execute(
            sa.insert(Customer.__table__).values(  # type: ignore[arg-type]
                shop_id=shop_id,
                external_id="C-1",
                name="Mai",
                tags=[],
                referral_code="MAI1",
                search_key="mai",
                created_at=T0,
                updated_at=T0,
            )
        ).inserted_primary_key[0]
        conn.execute(
            sa.insert(LoyaltyProgram.__table__).values(  # type: ignore[arg-type]
                shop_id=shop_id,
                enabled=True,
                started_at=T0,
                tracking_since=T0,
                config={},
                updated_at=T0,
                updated_by="system",
            )
        )
        for id_, (type_, offered, processed) in HISTORY.items():
            at = T0 + timedelta(minutes=id_)
            conn.execute(
                sa.insert(EVENTS).values(
                    id=id_,
                    shop_id=shop_id,
                    customer_id=customer_id,
                    type=type_,
                    occurred_at=at,
                    recorded_at=at,
                    source="api",
                    payload={},
                    summary="",
                    dispatched_at=at if offered else None,
                )
            )
            if processed:
                conn.execute(
                    sa.insert(PROCESSED).values(event_id=id_, shop_id=shop_id, processed_at=at)
                )


def _first_read(engine: sa.Engine, consumer: str, **kw: Any) -> list[int]:
    from sqlalchemy.orm import sessionmaker

    sessions = sessionmaker(engine, expire_on_commit=False)
    clock = VirtualClock(T0 + timedelta(days=1))
    with sessions() as session, session.begin():
        return [
            e.id for e in event_feed.read(session=session, clock=clock, consumer=consumer, **kw)
        ]


def test_each_consumer_keeps_its_place_when_journeys_and_loyalty_move_onto_the_feed(
    fresh_url: str,
) -> None:
    engine = make_engine(fresh_url)
    try:
        _migrate(engine, BEFORE)
        _seed(engine)
        _migrate(engine, AFTER)

        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            columns = {c["name"] for c in sa.inspect(conn).get_columns("timeline_events")}
            cursors = {
                name: (position, [g[:2] for g in _gaps(raw)])
                for name, position, raw in conn.execute(
                    sa.text("SELECT name, position, gaps FROM timeline_cursors")
                )
            }
        assert "loyalty_processed_events" not in tables
        assert "dispatched_at" not in columns and "history" in columns
        assert cursors == {
            "journeys.dispatch": (7, [[2, 2], [4, 4]]),
            "loyalty.events": (6, [[2, 2], [5, 5]]),
        }

        # Exactly the events each had not processed, once, in id order.
        journeys = _first_read(engine, "journeys.dispatch", types=None, history=False)
        assert journeys == [2, 4, 8]
        assert _first_read(engine, "journeys.dispatch", types=None, history=False) == []
        loyalty = _first_read(engine, "loyalty.events", types=HANDLED_TYPES)
        assert loyalty == [2, 5, 7, 8]
        assert _first_read(engine, "loyalty.events", types=HANDLED_TYPES) == []
    finally:
        engine.dispose()


def _gaps(raw: Any) -> list[list[Any]]:
    import json

    return raw if isinstance(raw, list) else json.loads(raw)
