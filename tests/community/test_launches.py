from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.community.launches import (
    claim,
    create_launch,
    funnel,
    get_launch,
    invite_link,
    record_tester_feedback,
)
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import Conflict
from careloop.customers.models import Customer
from careloop.feedback.models import SurveyResponse
from careloop.shops.models import Shop

from .factories import buy, links, make_customer, messages, run_worker


def _launch(ctx: AppContext, shop: Shop, **extra: object) -> int:
    now = ctx.clock.now()
    with ctx.sessions() as s, s.begin():
        return create_launch(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            sku="CF-GEISHA",
            name="Geisha single origin",
            early_at=now + timedelta(hours=1),
            public_at=now + timedelta(days=7),
            **extra,  # type: ignore[arg-type]
        ).id


def _claim(ctx: AppContext, shop: Shop, launch_id: int, customer: Customer) -> str | None:
    with ctx.sessions() as s, s.begin():
        return claim(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            launch_id=launch_id,
            customer_id=customer.id,
        ).coupon_code


def test_the_early_access_window_keeps_the_public_out_until_the_launch_date(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    launch_id = _launch(ctx, shop, offer="percent", percent_off=20)
    champion = make_customer(ctx, shop, "VIP", segment="champions")
    loyal = make_customer(ctx, shop, "LOY", segment="loyal")
    public = make_customer(ctx, shop, "PUB", segment="hibernating")

    with pytest.raises(Conflict, match="not opened yet"):
        _claim(ctx, shop, launch_id, champion)
    clock.advance(timedelta(hours=1))
    run_worker(ctx)  # the window opens: invitations to champions and loyal
    invited = messages(ctx, "launch:")
    assert {m.customer_id for m in invited} == {champion.id, loyal.id}
    assert all(m.template_key == "community.launch_invite" for m in invited)
    assert "/early/" in invited[0].body_text

    assert _claim(ctx, shop, launch_id, champion)  # a personal coupon for the special price
    with pytest.raises(Conflict, match="by invitation"):
        _claim(ctx, shop, launch_id, public)

    clock.advance(timedelta(days=7))
    assert _claim(ctx, shop, launch_id, public)  # launch day: open to everyone
    buy(ctx, shop, "VIP", "O-GEISHA", "CF-GEISHA", clock.now())
    run_worker(ctx)
    with ctx.sessions() as s:
        counts = funnel(session=s, launch=get_launch(s, shop.id, launch_id))
    assert (counts.invited, counts.claimed, counts.bought) == (2, 2, 1)


def test_the_private_link_counts_the_open_and_a_forged_link_is_refused(
    ctx: AppContext, clock: VirtualClock, shop: Shop, app_client: TestClient
) -> None:
    launch_id = _launch(ctx, shop)
    champion = make_customer(ctx, shop, "VIP")
    clock.advance(timedelta(hours=2))
    run_worker(ctx)
    url = invite_link(links(ctx), launch_id, champion.id).replace(ctx.settings.base_url, "")
    page = app_client.get(url)
    assert page.status_code == 200 and "Geisha single origin" in page.text
    assert app_client.get(url[:-3] + "abc").status_code == 404
    with ctx.sessions() as s:
        assert funnel(session=s, launch=get_launch(s, shop.id, launch_id)).opened == 1


def test_early_tester_feedback_lands_in_the_feedback_inbox(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    launch_id = _launch(ctx, shop)
    champion = make_customer(ctx, shop, "VIP")
    clock.advance(timedelta(hours=2))
    run_worker(ctx)
    _claim(ctx, shop, launch_id, champion)
    with ctx.sessions() as s, s.begin():
        record_tester_feedback(
            session=s,
            clock=clock,
            shop=s.merge(shop),
            launch_id=launch_id,
            customer_id=champion.id,
            score=5,
            comment="Fruity, loved it",
        )
    with ctx.sessions() as s:
        answer = s.scalar(select(SurveyResponse))
    assert answer is not None
    assert (answer.kind, answer.score, answer.source) == ("csat", 5, "early_access")
    assert answer.comment == "[Geisha single origin] Fruity, loved it"


def test_a_refused_claim_reads_as_a_sentence_in_the_customers_language(
    ctx: AppContext, clock: VirtualClock, shop: Shop, app_client: TestClient
) -> None:
    launch_id = _launch(ctx, shop)
    public = make_customer(ctx, shop, "PUB", segment="hibernating", locale="vi")
    url = invite_link(links(ctx), launch_id, public.id).replace(ctx.settings.base_url, "")
    clock.advance(timedelta(hours=2))  # early access is open, but only to the invited

    page = app_client.get(url)
    assert "Trải nghiệm sớm chỉ dành cho khách được mời" in page.text
    assert "by invitation" not in page.text  # never the internal reason
    told = app_client.get(url + "?note=not_now")  # where a refused claim lands
    assert "ưu đãi này hiện chưa mở cho bạn" in told.text
    crafted = app_client.get(url + "?note=Call+0900+to+claim+your+prize")
    assert "Call 0900" not in crafted.text  # a link cannot put text on the shop's page
