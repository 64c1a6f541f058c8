from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in


def answer(api: TestClient, rid: str, kind: str, score: int, comment: str = "") -> None:
    api.post(
        "/api/v1/survey-responses",
        json={
            "response_id": rid,
            "customer_id": "C-1",
            "kind": kind,
            "score": score,
            "answered_at": "2026-10-30T10:00:00+07:00",
            "comment": comment,
        },
    )


def test_survey_results_show_nps_and_csat_by_the_design_definitions(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1", "name": "Trần Minh"})
    for n, score in enumerate([10, 9, 8, 3]):
        answer(api, f"n{n}", "nps", score)
    answer(api, "c1", "csat", 5, "Giao hàng nhanh")
    del app_client.headers["Authorization"]
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/feedback").text
    assert 'data-testid="stat-nps"' in page
    # 2 promoters, 1 detractor of 4 -> NPS 25; CSAT 1 of 1 -> 100%.
    assert ">25<" in page and ">100<" in page
    assert "Giao hàng nhanh" in page and "Trần Minh" in page


def test_the_review_inbox_puts_the_overdue_one_star_first_and_records_the_reply(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    clock: VirtualClock,
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1", "name": "Lê Thị An"})
    for rid, rating, text in [
        ("G-5", 5, "Trà rất thơm"),
        ("G-1", 1, "<script>alert(1)</script> vỡ"),
    ]:
        api.post(
            "/api/v1/reviews",
            json={
                "review_id": rid,
                "customer_id": "C-1",
                "platform": "google",
                "rating": rating,
                "text": text,
                "posted_at": "2026-11-02T09:00:00+07:00",
            },
        )
    clock.advance(timedelta(hours=3))
    del app_client.headers["Authorization"]
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    inbox = app_client.get("/feedback/reviews")
    text = inbox.text
    assert text.index('data-testid="review-G-1"') < text.index('data-testid="review-G-5"')
    assert "overdue" in text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    assert "Chào An, chúng tôi rất tiếc" in text or "Hi An" in text
    saved = app_client.post(
        "/feedback/reviews/G-1/response",
        data={"text": "Shop xin lỗi, đã nhắn riêng cho chị.", "csrf_token": csrf_from(inbox)},
    )
    assert saved.status_code == 200
    assert "Shop xin lỗi, đã nhắn riêng cho chị." in saved.text


def test_themes_page_lists_complaints_with_what_customers_wrote(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1"})
    answer(api, "c1", "csat", 1, "Ấm bị hỏng sau 2 ngày")
    del app_client.headers["Authorization"]
    sign_in(app_client, ctx, make_staff(shop, email="viewer@acme.test", role="viewer"), shop)
    page = app_client.get("/feedback/themes").text
    assert 'data-testid="theme-damaged"' in page
    assert "Ấm bị hỏng sau 2 ngày" in page
