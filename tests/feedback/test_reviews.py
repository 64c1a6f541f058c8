from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import TimelineEvent
from careloop.feedback.models import Review, SurveyResponse
from careloop.feedback.service import respond_to_review
from careloop.shops.models import Shop
from careloop.shops.service import get_shop
from tests.cli_runner import careloop

REVIEW = {
    "review_id": "G-1",
    "customer_id": "C-1",
    "platform": "google",
    "rating": 1,
    "text": "Ấm siêu tốc bị hỏng sau 2 ngày",
    "posted_at": "2026-11-02T09:00:00+07:00",
}


def test_a_one_star_review_must_be_answered_within_two_hours(
    api: TestClient, clock: VirtualClock
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1", "name": "Nguyễn Thị Lan"})
    body = api.post("/api/v1/reviews", json=REVIEW).json()
    assert body["respond_by"].startswith((clock.now() + timedelta(hours=2)).isoformat()[:16])
    assert body["suggested_reply"].startswith("Chào Lan, chúng tôi rất tiếc")


def test_the_same_review_twice_is_stored_once(api: TestClient, ctx: AppContext) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1"})
    api.post("/api/v1/reviews", json=REVIEW)
    api.post("/api/v1/reviews", json=REVIEW)
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 1


def test_a_review_for_an_unknown_customer_is_422_naming_it(api: TestClient) -> None:
    response = api.post("/api/v1/reviews", json=REVIEW)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "customer_id"]
    assert "C-1" in response.json()["detail"][0]["msg"]


def test_staff_record_the_public_reply_and_a_late_one_is_marked(
    api: TestClient, ctx: AppContext, clock: VirtualClock
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1"})
    api.post("/api/v1/reviews", json=REVIEW)
    clock.advance(timedelta(hours=3))
    with ctx.sessions() as s, s.begin():
        review = respond_to_review(
            session=s,
            clock=clock,
            shop=get_shop(s, "acme"),
            review_id="G-1",
            text="Xin lỗi...",
            staff_id=None,
        )
        assert review.responded_at == clock.now()
    with ctx.sessions() as s:
        event = s.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "review.responded")
        ).one()
    assert event.payload == {"review_id": "G-1", "late": True}


def test_responses_and_reviews_import_from_csv_all_or_nothing(
    ctx: AppContext, shop: Shop, db_url: str, tmp_path: Path, api: TestClient
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1"})
    responses = tmp_path / "responses.csv"
    responses.write_text(
        "customer_id,kind,score,answered_at,comment,order_id\n"
        "C-1,nps,10,2026-10-01T10:00:00+07:00,Tuyệt vời,O-1\n"
        "C-1,csat,7,2026-10-02,,\n"
        "C-9,nps,8,yesterday,,\n",
        encoding="utf-8",
    )
    bad = careloop(db_url, "import", "responses", str(responses), "--shop", "acme")
    assert bad.returncode == 1
    assert f"{responses}:3: score: csat scores run from 1 to 5, got 7" in bad.stderr
    assert f"{responses}:4: answered_at: not a date or time: 'yesterday'" in bad.stderr
    assert f"{responses}:4: customer_id: unknown customer 'C-9'" in bad.stderr

    responses.write_text(
        "customer_id,kind,score,answered_at,comment,order_id\n"
        "C-1,nps,10,2026-10-01T10:00:00+07:00,Tuyệt vời,O-1\n",
        encoding="utf-8",
    )
    for _ in range(2):
        good = careloop(db_url, "import", "responses", str(responses), "--shop", "acme")
        assert good.returncode == 0, good.stderr

    reviews = tmp_path / "reviews.csv"
    reviews.write_text(
        "review_id,customer_id,platform,rating,text,url,posted_at\n"
        "S-1,C-1,Shopee,5,Giao nhanh,https://shopee.vn/r/1,2026-10-05T08:00:00Z\n"
        "S-2,,google,6,,,2026-10-05T08:00:00Z\n",
        encoding="utf-8",
    )
    bad_reviews = careloop(db_url, "import", "reviews", str(reviews), "--shop", "acme")
    assert f"{reviews}:3: rating: Input should be less than or equal to 5" in bad_reviews.stderr
    reviews.write_text(reviews.read_text().replace(",6,", ",2,"), encoding="utf-8")
    assert careloop(db_url, "import", "reviews", str(reviews), "--shop", "acme").returncode == 0
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) == 1
        assert s.scalar(select(func.count()).select_from(Review)) == 2
