"""On PostgreSQL an event id is taken at INSERT and seen at COMMIT: a transaction holding a
lower id that commits after a higher one must still be read (issues 7 and 8)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers import event_feed
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop
from careloop.support.feedback_watch import scan_feedback
from careloop.support.models import Ticket
from tests.conftest import PG_URL
from tests.support.factories import make_customer

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (CARELOOP_TEST_DATABASE_URL)"),
]


def _nps(s: Session, ctx: AppContext, shop: Shop, customer_id: int, key: str, score: int) -> None:
    record_event(
        session=s,
        clock=ctx.clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type="survey.answered",
        source="feedback",
        event_key=key,
        payload={"kind": "nps", "score": score, "comment": f"answer {key}"},
    )


def _scan(ctx: AppContext) -> None:
    with ctx.sessions() as s, s.begin():
        scan_feedback(session=s, clock=ctx.clock)


def _subjects(ctx: AppContext, shop_id: int) -> list[str]:
    with ctx.sessions() as s:
        return sorted(s.scalars(select(Ticket.subject).where(Ticket.shop_id == shop_id)))


def test_a_low_score_committed_late_still_opens_its_recovery_ticket(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        lan = make_customer(s, ctx, shop).id
        minh = make_customer(s, ctx, shop).id

    with ctx.sessions() as slow:
        slow.begin()
        try:
            _nps(slow, ctx, shop, lan, "A", 3)  # takes the lower id, not committed yet
            with ctx.sessions() as fast, fast.begin():
                _nps(fast, ctx, shop, minh, "B", 2)  # higher id, committed first

            _scan(ctx)
            assert _subjects(ctx, shop.id) == ["Low NPS score: 2"]

            clock.advance(timedelta(minutes=30))  # longer than any time horizon
            _scan(ctx)  # the slow transaction is still open: its id is still waited for
            with ctx.sessions() as s:
                assert event_feed.position(s, "support.feedback")[1] != []
        except BaseException:
            slow.rollback()
            raise
        slow.commit()
    _scan(ctx)
    assert _subjects(ctx, shop.id) == ["Low NPS score: 2", "Low NPS score: 3"]

    _scan(ctx)  # read once: no second ticket, and nothing is waited for any more
    assert _subjects(ctx, shop.id) == ["Low NPS score: 2", "Low NPS score: 3"]
    with ctx.sessions() as s:
        assert event_feed.position(s, "support.feedback")[1] == []


def test_an_id_burnt_by_a_duplicate_is_given_up_once_no_older_transaction_is_open(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        lan = make_customer(s, ctx, shop).id
        _nps(s, ctx, shop, lan, "A", 9)
        _nps(s, ctx, shop, lan, "A", 9)  # ON CONFLICT DO NOTHING still takes an id
        _nps(s, ctx, shop, lan, "B", 9)
    _scan(ctx)
    with ctx.sessions() as s:
        assert len(event_feed.position(s, "support.feedback")[1]) == 1
    clock.advance(event_feed.SETTLE)
    with ctx.sessions() as s:
        (gap,) = event_feed.position(s, "support.feedback")[1]
    # The horizon is the whole server's: a transaction of a test running beside this one (the
    # other pytest worker) holds it back too. Wait for that condition, not for a time.
    _wait_until_every_transaction_older_than(ctx, gap.xmax)
    _scan(ctx)
    with ctx.sessions() as s:
        assert event_feed.position(s, "support.feedback")[1] == []


def _wait_until_every_transaction_older_than(ctx: AppContext, xmax: int | None) -> None:
    assert xmax is not None
    deadline = time.monotonic() + 300  # a bound for a hung neighbour, not a wait for time
    while True:
        with ctx.sessions() as s:
            xmin = s.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
        if int(xmin) >= xmax:
            return
        assert time.monotonic() < deadline, f"a transaction older than {xmax} is still open"
        time.sleep(0.05)
