from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from careloop.channels.contact_facts import load_history
from careloop.channels.service import marketing_sends_since
from careloop.community.campaigns import (
    campaign_progress,
    create_campaign,
    get_campaign,
    preview_campaign,
    schedule_campaign,
)
from careloop.community.models import Campaign, CommunitySend
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import ValidationFailed
from careloop.customers.models import Customer
from careloop.shops.models import Shop

from .factories import buy, journey_message, make_customer, messages, run_worker

# 22:00 and 08:00 in Ho Chi Minh City (UTC+7) on the test's first day and the next.
TEN_PM = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)


def _new_campaign(ctx: AppContext, shop: Shop, **overrides: object) -> int:
    fields: dict[str, object] = {
        "name": "Brewing tips",
        "purpose": "value",
        "audience": {"segments": ["champions"]},
        "subject": "Three ways to brew at home",
        "body": "Our barista's tips for a better cup.",
    }
    fields.update(overrides)
    with ctx.sessions() as s, s.begin():
        return create_campaign(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            **fields,  # type: ignore[arg-type]
        ).id


@pytest.fixture
def earlier_journeys(ctx: AppContext, clock: VirtualClock, shop: Shop) -> dict[str, Customer]:
    """Four champions: one at the 30-day cap, one messaged this morning, one untouched,
    one who said no to marketing."""
    now = clock.now()
    people = {
        "capped": make_customer(ctx, shop, "A"),
        "today": make_customer(ctx, shop, "B"),
        "fresh": make_customer(ctx, shop, "C"),
        "no_consent": make_customer(ctx, shop, "D", consents={"sms": "denied", "email": "denied"}),
    }
    make_customer(ctx, shop, "E", segment="hibernating")
    capped = people["capped"]
    journey_message(ctx, clock, shop, capped, now - timedelta(days=10), "enr:1:a")
    journey_message(ctx, clock, shop, capped, now - timedelta(days=3), "enr:1:b")
    journey_message(ctx, clock, shop, people["today"], now - timedelta(hours=2), "enr:2:a")
    return people


def test_preview_counts_who_receives_is_deferred_or_suppressed_by_earlier_journey_messages(
    ctx: AppContext, shop: Shop, earlier_journeys: dict[str, Customer]
) -> None:
    campaign_id = _new_campaign(ctx, shop)
    with ctx.sessions() as s:
        preview = preview_campaign(
            session=s, clock=ctx.clock, shop=shop, campaign=get_campaign(s, shop.id, campaign_id)
        )
    assert preview.audience == 4
    assert preview.as_json() | {"at": None} == {
        "at": None,
        "total": 4,
        "send": 1,
        "deferred": {"daily_cap": 1},
        "deferred_total": 1,
        "suppressed": {"window_cap": 1, "no_consent": 1},
        "suppressed_total": 2,
        "channels": {"sms": 1},
        "promotion_share_now": 1.0,
        "promotion_share_after": 0.6,
        "warning": preview.warning,
    }
    assert preview.warning is not None and "60%" in preview.warning
    assert messages(ctx) == []  # a preview sends nothing


def test_a_campaign_sent_at_ten_pm_waits_for_morning_then_respects_the_journeys_caps(
    ctx: AppContext, clock: VirtualClock, shop: Shop, earlier_journeys: dict[str, Customer]
) -> None:
    campaign_id = _new_campaign(ctx, shop)
    clock.set(TEN_PM)
    with ctx.sessions() as s, s.begin():
        schedule_campaign(
            session=s, clock=clock, shop=s.merge(shop), campaign_id=campaign_id, send_at=None
        )
    run_worker(ctx)

    with ctx.sessions() as s:
        progress = campaign_progress(session=s, shop_id=shop.id, campaign_id=campaign_id)
        assert progress.statuses == {"deferred": 3, "suppressed": 1}
        assert progress.rules == {"quiet_hours": 3, "no_consent": 1}
        assert s.get(Campaign, campaign_id).status == "sending"  # type: ignore[union-attr]
    assert {m.status for m in messages(ctx)} == {"deferred", "suppressed"}

    clock.set(NEXT_MORNING)
    run_worker(ctx)

    # Each customer's latest row: a deferral stays recorded under its own key, and the
    # message that finally goes is a fresh row (channels/outreach.py `deferral_key`).
    by_customer = {m.customer_id: m for m in sorted(messages(ctx), key=lambda m: m.id)}
    ids = {name: c.id for name, c in earlier_journeys.items()}
    assert by_customer[ids["capped"]].status == "suppressed"
    assert by_customer[ids["capped"]].reason == "window_cap"
    assert by_customer[ids["today"]].status == "queued"  # a new local day: the daily cap is free
    assert by_customer[ids["fresh"]].status == "queued"
    assert by_customer[ids["fresh"]].idempotency_key == f"camp:{campaign_id}:{ids['fresh']}"
    assert by_customer[ids["no_consent"]].reason == "no_consent"
    with ctx.sessions() as s:
        assert s.get(Campaign, campaign_id).status == "sent"  # type: ignore[union-attr]


def test_a_worker_that_redoes_a_batch_after_a_crash_never_sends_twice(
    ctx: AppContext, shop: Shop, earlier_journeys: dict[str, Customer]
) -> None:
    campaign_id = _new_campaign(ctx, shop, audience={"customers": ["C"]})
    with ctx.sessions() as s, s.begin():
        schedule_campaign(
            session=s, clock=ctx.clock, shop=s.merge(shop), campaign_id=campaign_id, send_at=None
        )
    run_worker(ctx)
    # As if the worker died after channels took the message but before the row was updated.
    with ctx.sessions() as s, s.begin():
        s.execute(update(CommunitySend).values(status="pending"))
        s.execute(update(Campaign).values(status="scheduled"))
    run_worker(ctx)
    sent = messages(ctx)
    assert len(sent) == 1 and sent[0].status == "queued"


def test_a_scheduled_campaign_waits_for_its_time(
    ctx: AppContext, clock: VirtualClock, shop: Shop, earlier_journeys: dict[str, Customer]
) -> None:
    campaign_id = _new_campaign(ctx, shop, audience={"customers": ["C"]})
    with ctx.sessions() as s, s.begin():
        schedule_campaign(
            session=s,
            clock=clock,
            shop=s.merge(shop),
            campaign_id=campaign_id,
            send_at=clock.now() + timedelta(days=1),
        )
    run_worker(ctx)
    assert messages(ctx) == []
    clock.advance(timedelta(days=1, minutes=1))
    run_worker(ctx)
    assert len(messages(ctx)) == 1


def test_audiences_filter_by_tier_tag_product_and_explicit_list(
    ctx: AppContext, shop: Shop
) -> None:
    make_customer(ctx, shop, "T1", tags=["vip", "hanoi"])
    make_customer(ctx, shop, "T2", tags=["hanoi"])
    make_customer(ctx, shop, "T3", segment="loyal")
    buy(ctx, shop, "T3", "O-1", "CF-500", ctx.clock.now() - timedelta(days=5))
    with ctx.sessions() as s:
        from careloop.community.audience import parse_audience, resolve_audience

        def who(raw: dict[str, object]) -> set[str]:
            ids = resolve_audience(session=s, shop_id=shop.id, audience=parse_audience(raw))
            rows = s.scalars(select(Customer.external_id).where(Customer.id.in_(ids)))
            return set(rows)

        assert who({"tags": ["VIP"]}) == {"T1"}
        assert who({"tags": "hanoi", "segments": ["champions"]}) == {"T1", "T2"}
        assert who({"skus": ["CF-500"]}) == {"T3"}
        assert who({"customers": ["T2", "T3"]}) == {"T2", "T3"}
        assert who({"all": True}) == {"T1", "T2", "T3"}


def test_a_bad_campaign_names_every_bad_field_and_saves_nothing(
    ctx: AppContext, shop: Shop
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _new_campaign(
            ctx, shop, name="", purpose="spam", audience={"segments": ["whales"]}, body=""
        )
    fields = {e.field for e in caught.value.errors}
    assert fields == {"name", "purpose", "body", "audience.segments"}
    with ctx.sessions() as s:
        assert s.scalars(select(Campaign)).all() == []


def test_the_batch_history_matches_what_channels_counts_for_caps(
    ctx: AppContext, clock: VirtualClock, shop: Shop, earlier_journeys: dict[str, Customer]
) -> None:
    since = clock.now() - timedelta(days=31)
    with ctx.sessions() as s:
        ids = [c.id for c in earlier_journeys.values()]
        batch = load_history(s, shop.id, ids, since)
        for cid in ids:
            one = marketing_sends_since(session=s, shop_id=shop.id, customer_id=cid, since=since)
            assert sorted((h.at, h.kind) for h in batch.get(cid, [])) == one
