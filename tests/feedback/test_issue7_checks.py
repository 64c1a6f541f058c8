"""Issue 7's promises that existed without a test of their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import TimelineEvent
from careloop.feedback.models import Review, SurveyResponse
from careloop.loyalty.models import Coupon
from careloop.shops.models import Shop
from tests.feedback.test_surveys import a_customer, answers, link_for
from tests.web.helpers import csrf_from, sign_in


def reward_answers(ctx: AppContext, shop: Shop, percent: int) -> None:
    with ctx.sessions() as s, s.begin():
        row = s.get(Shop, shop.id)
        assert row is not None
        row.settings = {**(row.settings or {}), "feedback": {"reward_percent": percent}}


def test_answering_earns_the_optional_coupon_once_and_the_customer_sees_its_code(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    reward_answers(ctx, shop, 10)
    a_customer(api, locale="en")
    path = link_for(ctx, shop)
    page = api.post(path, data={"score": "8"})
    api.post(path, data={"score": "10"})  # a second tap changes nothing
    with ctx.sessions() as s:
        [coupon] = s.scalars(select(Coupon)).all()
        assert (coupon.percent_off, coupon.source) == (10, "reward")
        assert coupon.expires_at == ctx.clock.now() + timedelta(days=30)
        types = set(s.scalars(select(TimelineEvent.type)))
    assert f"use code {coupon.code} on your next order" in page.text
    assert "coupon.issued" in types
    done = api.post(path + "/comment", data={"comment": "Good"})
    assert coupon.code in done.text


def test_without_a_reward_setting_answering_issues_no_coupon(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    a_customer(api, locale="en")
    page = api.post(link_for(ctx, shop), data={"score": "9"})
    with ctx.sessions() as s:
        assert s.scalars(select(Coupon)).all() == []
    assert 'data-testid="reward"' not in page.text


def test_an_answered_link_keeps_its_first_answer_and_then_expires(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    a_customer(api, locale="en")
    path = link_for(ctx, shop)
    api.post(path, data={"score": "4"})
    clock.advance(timedelta(days=3))  # the "why?" page closed after 2 days
    assert "Thank you! We have your feedback." in api.get(path).text
    api.post(path + "/comment", data={"comment": "late words"})
    clock.advance(timedelta(days=28))  # past the link's 30 days
    assert "This link has expired" in api.get(path).text
    assert "This link has expired" in api.post(path, data={"score": "10"}).text
    assert answers(ctx) == [(4, "")]


def test_staff_record_the_public_reply_and_the_inbox_shows_when(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    clock: VirtualClock,
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1", "name": "An", "locale": "en"})
    api.post(
        "/api/v1/reviews",
        json={
            "review_id": "G-2",
            "customer_id": "C-1",
            "platform": "google",
            "rating": 2,
            "text": "Late delivery",
            "posted_at": clock.now().isoformat(),
        },
    )
    clock.advance(timedelta(minutes=45))
    del app_client.headers["Authorization"]
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    inbox = app_client.get("/feedback/reviews")
    replied = app_client.post(
        "/feedback/reviews/G-2/response",
        data={"text": "Sorry An, we messaged you.", "csrf_token": csrf_from(inbox)},
    )
    with ctx.sessions() as s:
        review = s.scalars(select(Review)).one()
        assert review.responded_at == clock.now()
        assert review.response_text == "Sorry An, we messaged you."
        assert review.respond_by is not None and review.responded_at < review.respond_by
    card = replied.text.split('data-testid="review-G-2"')[1]
    assert "Replied" in card and "Sorry An, we messaged you." in card
    assert "Record the reply you posted" not in card
    empty = app_client.post(
        "/feedback/reviews/G-2/response", data={"text": " ", "csrf_token": csrf_from(inbox)}
    )
    assert empty.status_code == 200  # redirected back; the first reply stays
    with ctx.sessions() as s:
        assert s.scalars(select(Review.response_text)).one() == "Sorry An, we messaged you."


def test_the_thank_you_suggestion_quotes_what_the_customer_wrote(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    clock: VirtualClock,
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1", "name": "Lê An", "locale": "en"})
    stored = api.post(
        "/api/v1/reviews",
        json={
            "review_id": "S-5",
            "customer_id": "C-1",
            "platform": "shopee",
            "rating": 5,
            "text": "The oolong smells wonderful. Fast shipping too",
            "posted_at": clock.now().isoformat(),
        },
    ).json()
    assert stored["respond_by"] is None  # no deadline on praise
    assert 'We\'re so glad you found "The oolong smells wonderful".' in stored["suggested_reply"]
    assert stored["suggested_reply"].startswith("Thank you so much for the kind review, An!")
    del app_client.headers["Authorization"]
    sign_in(app_client, ctx, make_staff(shop), shop)
    inbox = app_client.get("/feedback/reviews").text
    assert "you found &#34;The oolong smells wonderful&#34;" in inbox


def test_the_themes_page_lists_the_matching_comments_and_a_monthly_trend(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1"})
    for rid, when, comment in [
        ("r1", "2026-09-12T10:00:00+07:00", "Ấm bị hỏng sau 2 ngày"),
        ("r2", "2026-10-03T10:00:00+07:00", "The kettle arrived broken"),
        ("r3", "2026-10-20T10:00:00+07:00", "Hộp bị móp, ấm hỏng"),
    ]:
        api.post(
            "/api/v1/survey-responses",
            json={
                "response_id": rid,
                "customer_id": "C-1",
                "kind": "csat",
                "score": 1,
                "answered_at": when,
                "comment": comment,
            },
        )
    with ctx.sessions() as s:
        assert len(s.scalars(select(SurveyResponse)).all()) == 3
    del app_client.headers["Authorization"]
    sign_in(app_client, ctx, make_staff(shop, email="viewer@acme.test", role="viewer"), shop)
    page = app_client.get("/feedback/themes").text
    row = page.split('data-testid="theme-damaged"')[1].split("</tr>")[0]
    assert "<td>3</td>" in row
    assert "2026-09: 1, 2026-10: 2" in row
    assert "The kettle arrived broken" in row and "Ấm bị hỏng sau 2 ngày" in row
    assert "<mark>" in row  # the phrase that matched is shown, so the grouping explains itself
