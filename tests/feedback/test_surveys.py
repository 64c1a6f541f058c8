from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer, TimelineEvent
from careloop.feedback.models import SurveyResponse
from careloop.feedback.web import survey_url
from careloop.shops.models import Shop


def a_customer(api: TestClient, locale: str = "vi") -> int:
    api.post("/api/v1/customers", json={"customer_id": "C-1", "name": "Lan", "locale": locale})
    return 0


def link_for(ctx: AppContext, shop: Shop, kind: str = "nps") -> str:
    with ctx.sessions() as s:
        customer_id = s.scalar(select(Customer.id).where(Customer.external_id == "C-1"))
    assert customer_id is not None
    url = survey_url(ctx, shop_id=shop.id, customer_id=customer_id, kind=kind, order="O-1")
    return url.removeprefix(ctx.settings.base_url)


def answers(ctx: AppContext) -> list[tuple[int, str]]:
    with ctx.sessions() as s:
        return [(r.score, r.comment) for r in s.scalars(select(SurveyResponse))]


def test_opening_the_score_link_records_nothing_until_the_page_submits_it(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    a_customer(api)
    path = link_for(ctx, shop)
    page = api.get(path + "?score=9")
    assert page.status_code == 200
    assert "Bạn chọn 9 điểm." in page.text
    assert answers(ctx) == []  # a link scanner fetching the URL answers nothing

    after = api.post(path, data={"score": "9"})
    assert "Điều gì khiến bạn chọn điểm này?" in after.text
    assert answers(ctx) == [(9, "")]


def test_the_first_tap_wins_and_the_comment_is_kept(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    a_customer(api, locale="en")
    path = link_for(ctx, shop)
    api.post(path, data={"score": "3"})
    api.post(path, data={"score": "10"})
    done = api.post(path + "/comment", data={"comment": "The kettle arrived broken"})
    assert "Thank you! We have your feedback." in done.text
    assert answers(ctx) == [(3, "The kettle arrived broken")]
    with ctx.sessions() as s:
        event = s.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "survey.answered")
        ).one()
    assert event.payload["unhappy"] is True
    assert event.payload["order_id"] == "O-1"


def test_a_link_expires_after_30_days(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    a_customer(api, locale="en")
    path = link_for(ctx, shop)
    clock.advance(timedelta(days=31))
    assert "This link has expired" in api.get(path).text
    api.post(path, data={"score": "9"})
    assert answers(ctx) == []


def test_a_tampered_link_answers_nothing(api: TestClient, ctx: AppContext, shop: Shop) -> None:
    a_customer(api)
    path = link_for(ctx, shop)
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert "hết hạn hoặc không hợp lệ" in api.post(tampered, data={"score": "9"}).text
    assert answers(ctx) == []


def test_a_csat_link_offers_one_to_five(api: TestClient, ctx: AppContext, shop: Shop) -> None:
    a_customer(api, locale="en")
    page = api.get(link_for(ctx, shop, kind="csat")).text
    assert 'value="5"' in page and 'value="6"' not in page and 'value="0"' not in page


def test_answers_sent_by_api_are_stored_once(api: TestClient, ctx: AppContext) -> None:
    a_customer(api)
    body = {
        "response_id": "R-1",
        "customer_id": "C-1",
        "kind": "csat",
        "score": 5,
        "answered_at": "2026-10-30T10:00:00+07:00",
    }
    assert api.post("/api/v1/survey-responses", json=body).json()["created"] is True
    assert api.post("/api/v1/survey-responses", json=body).json()["created"] is False
    bad = api.post("/api/v1/survey-responses", json={**body, "response_id": "R-2", "score": 9})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "score"]
