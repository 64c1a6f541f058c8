"""The shared event feed: every event handed to a consumer once, also when it commits late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers import event_feed
from careloop.customers.event_feed import Gap, fill, missing, prune, settled
from careloop.customers.models import TimelineEvent
from careloop.shops.models import Shop

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WATCHED = ("survey.answered",)


def test_missing_ids_are_reported_as_runs_between_the_cursor_and_the_last_id_read() -> None:
    assert missing(10, 20, [11, 12, 15, 20]) == [(13, 14), (16, 19)]
    assert missing(10, 13, [11, 12, 13]) == []
    assert missing(0, 3, []) == [(1, 3)]


def test_an_id_that_appears_splits_its_gap_and_is_no_longer_waited_for() -> None:
    gaps = [Gap(13, 19, T0), Gap(30, 30, T0)]
    assert fill(gaps, [15, 30]) == [Gap(13, 14, T0), Gap(16, 19, T0)]


def test_without_transaction_ids_a_gap_is_given_up_only_after_the_horizon() -> None:
    gap = Gap(5, 5, T0)
    assert not settled(gap, now=T0 + event_feed.HORIZON - timedelta(seconds=1), xmin=None)
    assert settled(gap, now=T0 + event_feed.HORIZON, xmin=None)


def test_on_postgresql_a_gap_waits_for_every_transaction_running_when_it_was_seen() -> None:
    gap = Gap(5, 5, T0, xmax=1000)
    later = T0 + timedelta(hours=3)
    assert not settled(gap, now=later, xmin=999)  # an older transaction is still open
    assert settled(gap, now=later, xmin=1000)
    assert not settled(gap, now=T0 + timedelta(seconds=5), xmin=1000)  # settle a moment


def test_the_gap_list_is_capped_by_dropping_the_oldest() -> None:
    gaps = [Gap(i * 2, i * 2, T0 + timedelta(seconds=i)) for i in range(event_feed.MAX_GAPS + 3)]
    kept = prune(gaps, now=T0, xmin=None)
    assert len(kept) == event_feed.MAX_GAPS
    assert kept[0].lo == 6 and kept == sorted(kept, key=lambda g: g.lo)


def _event(s: Session, clock: VirtualClock, shop: Shop, type_: str, id_: int | None = None) -> int:
    row = TimelineEvent(
        shop_id=shop.id,
        customer_id=None,
        type=type_,
        occurred_at=clock.now(),
        recorded_at=clock.now(),
        source="test",
        payload={},
        summary="",
    )
    if id_ is not None:
        row.id = id_
    s.add(row)
    s.flush()
    return row.id


def _read(ctx: AppContext, batch: int = 500) -> list[int]:
    with ctx.sessions() as s, s.begin():
        events = event_feed.read(
            session=s, clock=ctx.clock, consumer="test", types=WATCHED, batch=batch
        )
        return [e.id for e in events]


def test_each_watched_event_is_handed_out_once_in_id_order(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        ids = [_event(s, clock, shop, t) for t in ("survey.answered", "order.placed") * 3]
    assert _read(ctx, batch=2) == [ids[0], ids[2]]
    assert _read(ctx) == [ids[4]]
    assert _read(ctx) == []
    with ctx.sessions() as s:
        assert event_feed.position(s, "test") == (ids[-1], [])


def test_an_event_that_fills_a_gap_later_is_handed_out_then_and_only_then(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        first = _event(s, clock, shop, "survey.answered")
        # Ids first+1 and first+2 are "taken by a transaction still open".
        last = _event(s, clock, shop, "survey.answered", id_=first + 3)
    assert _read(ctx) == [first, last]
    with ctx.sessions() as s:
        _, gaps = event_feed.position(s, "test")
    assert [(g.lo, g.hi) for g in gaps] == [(first + 1, first + 2)]

    clock.advance(timedelta(seconds=30))
    with ctx.sessions() as s, s.begin():  # the late transaction commits
        late = _event(s, clock, shop, "survey.answered", id_=first + 2)
    assert _read(ctx) == [late]
    assert _read(ctx) == []
    with ctx.sessions() as s:
        _, gaps = event_feed.position(s, "test")
    assert [(g.lo, g.hi) for g in gaps] == [(first + 1, first + 1)]

    clock.advance(event_feed.HORIZON)
    _read(ctx)
    with ctx.sessions() as s:
        assert event_feed.position(s, "test")[1] == []  # never came: given up


def test_a_consumer_that_passes_over_history_moves_past_it_and_others_still_get_it(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    """Journeys read every type but history (decision 0028); loyalty and feedback read
    history too: one flag on the event, each consumer's own cursor."""
    with ctx.sessions() as s, s.begin():
        old = _event(s, clock, shop, "order.delivered")
        s.get_one(TimelineEvent, old).history = True
        new = _event(s, clock, shop, "note.added")
    with ctx.sessions() as s, s.begin():
        news = event_feed.read(session=s, clock=clock, consumer="news", types=None, history=False)
        everything = event_feed.read(session=s, clock=clock, consumer="all", types=None)
    assert [e.id for e in news] == [new]
    assert [e.id for e in everything] == [old, new]
    with ctx.sessions() as s:
        assert event_feed.position(s, "news") == (new, [])
