"""The themes page is cached (a year of texts is slow to read for a busy shop), yet a new
comment or review shows on the next view, and the page says when it was computed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.feedback.test_ui import answer
from tests.web.helpers import sign_in


def anonymous_review(api: TestClient, review_id: str, text: str) -> None:
    posted = api.post(
        "/api/v1/reviews",
        json={
            "review_id": review_id,
            "platform": "google",
            "rating": 1,
            "text": text,
            "posted_at": "2026-11-02T09:00:00+07:00",
        },
    )
    assert posted.status_code < 300, posted.text


def test_the_themes_page_shows_new_feedback_at_once_and_when_it_was_computed(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1"})
    answer(api, "c1", "csat", 1, "Ấm bị hỏng sau 2 ngày")
    key = api.headers.pop("Authorization")
    sign_in(app_client, ctx, make_staff(shop, email="viewer@acme.test", role="viewer"), shop)
    first = app_client.get("/feedback/themes").text
    assert 'data-testid="theme-damaged"' in first
    assert 'data-testid="computed-at"' in first
    assert "Giao hàng chậm quá" not in first

    # A review from nobody the shop knows records no timeline event; it must still show.
    api.headers["Authorization"] = key
    anonymous_review(api, "G-9", "Giao hàng chậm quá")
    del api.headers["Authorization"]
    again = app_client.get("/feedback/themes").text
    assert 'data-testid="theme-late_delivery"' in again
    assert "Giao hàng chậm quá" in again
