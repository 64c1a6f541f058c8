from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from careloop.community.campaigns import create_campaign
from careloop.community.launches import create_launch
from careloop.community.workshops import create_event, rsvp
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

from .factories import make_customer, messages, run_worker


def _event(ctx: AppContext, shop: Shop, *customers: int, capacity: int = 5) -> int:
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        event = create_event(
            session=s,
            clock=ctx.clock,
            shop=merged,
            title="Cupping night",
            starts_at=ctx.clock.now() + timedelta(days=2),
            capacity=capacity,
        )
        for cid in customers:
            rsvp(session=s, clock=ctx.clock, shop=merged, event_id=event.id, customer_id=cid)
        return event.id


def test_every_community_page_reads_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    a = make_customer(ctx, shop, "A")
    event_id = _event(ctx, shop, a.id)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    expected = {
        "/community/campaigns": "Chiến dịch mới",
        "/community/events": "Sự kiện mới",
        f"/community/events/{event_id}": "Hủy sự kiện",
        "/community/launches": "Đợt ra mắt mới",
        "/community": "Thành viên Kim cương",
        f"/customers/{a.id}": "tham gia",
    }
    for path, text in expected.items():
        page = app_client.get(path)
        assert page.status_code == 200, path
        assert text in page.text, path
        for english in ("New campaign", "New event", "Cancel event", "No launch yet"):
            assert english not in page.text, (path, english)


def test_a_bad_event_edit_shows_the_error_next_to_the_field_and_changes_nothing(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    a, b = make_customer(ctx, shop, "A"), make_customer(ctx, shop, "B")
    event_id = _event(ctx, shop, a.id, b.id)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/community/events/{event_id}")
    assert 'data-confirm="Cancel this event?' in page.text
    form = {
        "title": "Cupping night",
        "starts_at": "not a date",
        "duration": "90",
        "capacity": "1",
        "mode": "in_shop",
        "language": "vi",
        "csrf_token": csrf_from(page),
    }
    answer = app_client.post(f"/community/events/{event_id}/edit", data=form)
    assert answer.status_code == 422
    starts = answer.text.split('name="starts_at"')[1].split("</label>")[0]
    assert "is not a date and time" in starts
    tomorrow = (ctx.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    answer = app_client.post(
        f"/community/events/{event_id}/edit", data=form | {"starts_at": tomorrow}
    )
    capacity = answer.text.split('name="capacity"')[1].split("</label>")[0]
    assert "2 people already have a seat" in capacity
    moved = app_client.post(
        f"/community/events/{event_id}/edit",
        data=form | {"starts_at": tomorrow, "capacity": "3", "title": "Cupping, moved"},
    )
    assert moved.status_code == 200 and "Cupping, moved" in moved.text


def test_staff_cancel_an_event_and_those_who_rsvped_are_told(
    app_client: TestClient,
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    a = make_customer(ctx, shop, "A")
    event_id = _event(ctx, shop, a.id)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/community/events/{event_id}")
    done = app_client.post(
        f"/community/events/{event_id}/cancel", data={"csrf_token": csrf_from(page)}
    )
    assert 'data-testid="event-cancelled"' in done.text
    assert 'data-testid="cancel-event"' not in done.text
    run_worker(ctx)
    assert [m.template_key for m in messages(ctx, "event:")] == ["community.event_cancelled"]


def test_staff_edit_then_cancel_a_scheduled_campaign_and_nothing_is_sent(
    app_client: TestClient,
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    make_customer(ctx, shop, "A")
    with ctx.sessions() as s, s.begin():
        cid = create_campaign(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            name="Tips",
            purpose="value",
            audience={"segments": ["champions"]},
            subject="Tips",
            body="Warm the filter.",
        ).id
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/community/campaigns/{cid}")
    fields = {
        "name": "",
        "purpose": "value",
        "kind": "marketing",
        "subject": "Tips",
        "body": "Warm it.",
        "segments": "champions",
        "csrf_token": csrf_from(page),
    }
    bad = app_client.post(f"/community/campaigns/{cid}/edit", data=fields)
    assert bad.status_code == 422
    assert "a campaign needs a name" in bad.text.split('name="name"')[1].split("</label>")[0]
    app_client.post(f"/community/campaigns/{cid}/edit", data=fields | {"name": "Better tips"})
    later = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    app_client.post(
        f"/community/campaigns/{cid}/send",
        data={"send_at": later, "csrf_token": fields["csrf_token"]},
    )
    page = app_client.get(f"/community/campaigns/{cid}")
    assert "Better tips" in page.text and 'data-confirm="Cancel this campaign?' in page.text
    app_client.post(f"/community/campaigns/{cid}/cancel", data={"csrf_token": csrf_from(page)})
    clock.advance(timedelta(days=3))
    run_worker(ctx)
    assert messages(ctx) == []
    assert 'data-status="cancelled"' in app_client.get(f"/community/campaigns/{cid}").text


def test_staff_edit_and_cancel_a_launch_and_the_customer_page_shows_it(
    app_client: TestClient,
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    a = make_customer(ctx, shop, "A")
    with ctx.sessions() as s, s.begin():
        launch_id = create_launch(
            session=s,
            clock=clock,
            shop=s.merge(shop),
            sku="PHIN-2",
            name="Phin 2",
            early_at=clock.now() + timedelta(days=1),
            public_at=clock.now() + timedelta(days=8),
        ).id
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/community/launches/{launch_id}")
    assert 'data-testid="funnel"' in page.text
    form = {
        "sku": "PHIN-2",
        "name": "Phin 2 steel",
        "early_at": (clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "public_at": (clock.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "offer": "percent",
        "percent_off": "",
        "segments": "champions",
        "csrf_token": csrf_from(page),
    }
    bad = app_client.post(f"/community/launches/{launch_id}/edit", data=form)
    assert bad.status_code == 422
    assert "must be after the early-access start" in bad.text
    assert "a special price needs 1-100 percent off" in bad.text
    form |= {"public_at": (clock.now() + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")}
    ok = app_client.post(f"/community/launches/{launch_id}/edit", data=form | {"offer": "free"})
    assert ok.status_code == 200 and "Phin 2 steel" in ok.text
    gone = app_client.post(
        f"/community/launches/{launch_id}/cancel", data={"csrf_token": csrf_from(ok)}
    )
    assert 'data-testid="launch-cancelled"' in gone.text
    clock.advance(timedelta(days=2))
    run_worker(ctx)
    assert messages(ctx, "launch:") == []
    assert 'data-testid="community-panel"' in app_client.get(f"/customers/{a.id}").text
