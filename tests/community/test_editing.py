from __future__ import annotations

from datetime import timedelta

import pytest

from careloop.community.campaigns import (
    cancel_campaign,
    create_campaign,
    get_campaign,
    schedule_campaign,
    update_campaign,
)
from careloop.community.launches import cancel_launch, claim, create_launch, update_launch
from careloop.community.workshops import cancel_event, rsvp, rsvps_of, update_event
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import Conflict, ValidationFailed
from careloop.shops.models import Shop

from .factories import links, make_customer, messages, run_worker
from .test_events import _event, _rsvp


def _edit_event(ctx: AppContext, shop: Shop, event_id: int, **changes: object) -> None:
    fields: dict[str, object] = {
        "title": "Home brewing workshop",
        "starts_at": ctx.clock.now() + timedelta(days=3),
        "capacity": 2,
        "language": "en",
        "segments": ["champions"],
    }
    with ctx.sessions() as s, s.begin():
        update_event(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            event_id=event_id,
            links=links(ctx),
            **(fields | changes),  # type: ignore[arg-type]
        )


def test_cancelling_an_event_tells_everyone_who_rsvped_even_in_quiet_hours(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    event_id = _event(ctx, shop, capacity=1)
    a, b, c = (make_customer(ctx, shop, x) for x in ("A", "B", "C"))
    _rsvp(ctx, shop, event_id, a)
    _rsvp(ctx, shop, event_id, b)  # waitlist
    with ctx.sessions() as s, s.begin():
        told = cancel_event(
            session=s, clock=clock, shop=s.merge(shop), event_id=event_id, links=links(ctx)
        )
        assert told == 2
        again = cancel_event(
            session=s, clock=clock, shop=s.merge(shop), event_id=event_id, links=links(ctx)
        )
        assert again == 0
    clock.advance(timedelta(hours=15))  # whatever the hour: transactional is not deferred
    run_worker(ctx)
    sent = messages(ctx, "event:")
    assert sorted((m.customer_id, m.template_key, m.kind) for m in sent) == [
        (a.id, "community.event_cancelled", "transactional"),
        (b.id, "community.event_cancelled", "transactional"),
    ]
    with ctx.sessions() as s, s.begin(), pytest.raises(Conflict):
        rsvp(session=s, clock=clock, shop=s.merge(shop), event_id=event_id, customer_id=c.id)
    clock.advance(timedelta(days=3))
    run_worker(ctx)  # no reminder and no thank-you for a cancelled event
    assert len(messages(ctx, "event:")) == 2


def test_more_seats_go_to_the_waitlist_and_fewer_than_taken_are_refused(
    ctx: AppContext, shop: Shop
) -> None:
    event_id = _event(ctx, shop, capacity=1)
    a, b = make_customer(ctx, shop, "A"), make_customer(ctx, shop, "B")
    _rsvp(ctx, shop, event_id, a)
    _rsvp(ctx, shop, event_id, b)
    _edit_event(ctx, shop, event_id, capacity=2, title="Brewing, take two")
    with ctx.sessions() as s:
        assert {c.external_id: r.status for r, c in rsvps_of(s, shop.id, event_id)} == {
            "A": "going",
            "B": "going",
        }
    with pytest.raises(ValidationFailed) as caught:
        _edit_event(ctx, shop, event_id, capacity=1)
    assert caught.value.errors[0].field == "capacity"


def test_a_draft_campaign_is_edited_and_one_that_is_sending_cannot_be_edited_or_cancelled(
    ctx: AppContext, shop: Shop
) -> None:
    make_customer(ctx, shop, "A")
    fields = {
        "name": "Tips",
        "purpose": "value",
        "audience": {"segments": ["champions"]},
        "subject": "Tips",
        "body": "Warm the filter.",
    }
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        cid = create_campaign(session=s, clock=ctx.clock, shop=merged, **fields).id  # type: ignore[arg-type]
        update_campaign(
            session=s,
            clock=ctx.clock,
            shop=merged,
            campaign_id=cid,
            **(fields | {"subject": "Five tips"}),  # type: ignore[arg-type]
        )
        schedule_campaign(session=s, clock=ctx.clock, shop=merged, campaign_id=cid, send_at=None)
    run_worker(ctx)
    [sent] = messages(ctx)
    assert "Five tips" in sent.subject + sent.body_text
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        assert get_campaign(s, shop.id, cid).status == "sent"
        with pytest.raises(Conflict):
            cancel_campaign(session=s, clock=ctx.clock, shop=merged, campaign_id=cid)
        with pytest.raises(Conflict):
            update_campaign(session=s, clock=ctx.clock, shop=merged, campaign_id=cid, **fields)  # type: ignore[arg-type]


def test_a_cancelled_launch_sends_no_invitation_and_cannot_be_claimed(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    a = make_customer(ctx, shop, "A")
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        launch = create_launch(
            session=s,
            clock=clock,
            shop=merged,
            sku="PHIN-2",
            name="Phin 2",
            early_at=clock.now() + timedelta(days=1),
            public_at=clock.now() + timedelta(days=8),
        )
        update_launch(
            session=s,
            clock=clock,
            shop=merged,
            launch_id=launch.id,
            sku="PHIN-2",
            name="Phin 2 (steel)",
            early_at=launch.early_at,
            public_at=launch.public_at + timedelta(days=1),
        )
        cancel_launch(session=s, clock=clock, shop=merged, launch_id=launch.id)
        launch_id = launch.id
    clock.advance(timedelta(days=2))
    run_worker(ctx)
    assert messages(ctx, "launch:") == []
    with ctx.sessions() as s, s.begin(), pytest.raises(Conflict):
        claim(session=s, clock=clock, shop=s.merge(shop), launch_id=launch_id, customer_id=a.id)
