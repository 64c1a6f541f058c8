from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from careloop.community.workshops import create_event, rsvp
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

from .factories import make_customer


def test_staff_create_a_campaign_see_the_preview_and_send_it(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    make_customer(ctx, shop, "A")
    make_customer(ctx, shop, "B", consents={"sms": "denied", "email": "denied"})
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/community/campaigns")
    assert "No campaign yet" in page.text
    created = app_client.post(
        "/community/campaigns",
        data={
            "name": "Tuesday tips",
            "purpose": "value",
            "kind": "marketing",
            "subject": "Brewing tips",
            "body": "Grind just before brewing.",
            "segments": "champions",
            "csrf_token": csrf_from(page),
        },
    )
    assert created.status_code == 200
    assert 'data-testid="stat-send"' in created.text
    assert "no_consent: 1" in created.text
    sent = app_client.post(
        str(created.url) + "/send",
        data={"send_at": "", "csrf_token": csrf_from(created), "anyway": "1"},
    )
    assert sent.status_code == 200 and "scheduled" in sent.text


def test_a_campaign_without_an_audience_is_refused_with_the_reason(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/community/campaigns")
    answer = app_client.post(
        "/community/campaigns",
        data={"name": "x", "subject": "s", "body": "b", "csrf_token": csrf_from(page)},
    )
    assert answer.status_code == 422
    assert "choose at least one filter" in answer.text


def test_the_event_page_lists_the_waitlist_and_checks_a_customer_in(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    a, b = make_customer(ctx, shop, "A", name="An"), make_customer(ctx, shop, "B", name="Binh")
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        event = create_event(
            session=s,
            clock=ctx.clock,
            shop=merged,
            title="Cupping night",
            starts_at=ctx.clock.now() + timedelta(days=2),
            capacity=1,
        )
        for c in (a, b):
            rsvp(session=s, clock=ctx.clock, shop=merged, event_id=event.id, customer_id=c.id)
        event_id = event.id
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/community/events/{event_id}")
    assert "1/1 going" in page.text
    waitlist = page.text.split('data-testid="waitlist"')[1]
    assert "Binh" in waitlist
    checked = app_client.post(
        f"/community/events/{event_id}/checkin/{a.id}", data={"csrf_token": csrf_from(page)}
    )
    assert "checked in" in checked.text
    customer = app_client.get(f"/customers/{a.id}")
    assert 'data-testid="community-panel"' in customer.text and "attended" in customer.text


def test_a_viewer_sees_pages_but_cannot_check_in_and_another_shop_sees_nothing(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
) -> None:
    a = make_customer(ctx, shop, "A")
    with ctx.sessions() as s, s.begin():
        event_id = create_event(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            title="Cupping night",
            starts_at=ctx.clock.now() + timedelta(days=2),
            capacity=3,
        ).id
    sign_in(app_client, ctx, make_staff(shop, email="viewer@acme.test", role="viewer"), shop)
    for path in ("/community", "/community/launches", "/community/events", "/community/campaigns"):
        assert app_client.get(path).status_code == 200, path
    page = app_client.get(f"/community/events/{event_id}")
    assert "Check in" not in page.text
    denied = app_client.post(
        f"/community/events/{event_id}/checkin/{a.id}", data={"csrf_token": csrf_from(page)}
    )
    assert denied.status_code == 403
    other = make_shop("other")
    sign_in(app_client, ctx, make_staff(other, email="owner@other.test"), other)
    assert app_client.get(f"/community/events/{event_id}").status_code == 404


def test_a_customer_takes_a_seat_through_the_signed_rsvp_link(
    app_client: TestClient, ctx: AppContext, shop: Shop
) -> None:
    from careloop.community.workshops import rsvp_link

    from .factories import links

    a = make_customer(ctx, shop, "A")
    with ctx.sessions() as s, s.begin():
        event_id = create_event(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            title="Cupping night",
            starts_at=ctx.clock.now() + timedelta(days=2),
            capacity=3,
        ).id
    url = rsvp_link(links(ctx), event_id, a.id).replace(ctx.settings.base_url, "")
    page = app_client.get(url)
    assert "Reserve my seat" in page.text
    taken = app_client.post(url, data={"action": "join", "csrf_token": csrf_from(page)})
    assert "You have a seat" in taken.text
