from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.audit.service import audit_trail
from careloop.channels.templates import file_spec
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.web.helpers import csrf_from, sign_in


def stored_feedback(ctx: AppContext, shop: Shop) -> dict[str, object]:
    with ctx.sessions() as s:
        row = s.get(Shop, shop.id)
        assert row is not None
        return dict((row.settings or {}).get("feedback") or {})


def test_the_owner_switches_to_per_product_requests_on_the_reviews_page(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/feedback/reviews")
    assert 'data-testid="review-mode">one per order<' in page.text
    saved = app_client.post(
        "/feedback/reviews/settings",
        data={
            "mode": "per_product",
            "product_review_url": "https://shop.example/p/{sku}#reviews",
            "csrf_token": csrf_from(page),
        },
    )
    assert saved.status_code == 200 and "Review settings saved." in saved.text
    assert 'data-testid="review-mode">one per product bought<' in saved.text
    assert stored_feedback(ctx, shop) == {
        "review_requests": "per_product",
        "product_review_url": "https://shop.example/p/{sku}#reviews",
    }
    with ctx.sessions() as s:
        entry = audit_trail(s, shop.id)[0]
        assert entry.action == "feedback.review_settings_changed"


def test_a_product_link_without_sku_is_refused_next_to_its_field_and_nothing_changes(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get("/feedback/reviews"))
    refused = app_client.post(
        "/feedback/reviews/settings",
        data={
            "mode": "per_product",
            "product_review_url": "https://shop.example/reviews",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert 'class="field-error" role="alert">must be an http(s) link containing {sku}' in (
        refused.text
    )
    assert stored_feedback(ctx, shop) == {}


def test_agents_see_the_mode_but_cannot_change_it(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get("/feedback/reviews")
    assert "one per order" in page.text and 'action="/feedback/reviews/settings"' not in page.text
    denied = app_client.post(
        "/feedback/reviews/settings", data={"mode": "per_product", "csrf_token": csrf_from(page)}
    )
    assert denied.status_code == 403


def test_the_api_refuses_a_wrong_mode_naming_the_field(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    assert api.get("/api/v1/review-settings").json() == {"review_requests": "per_order"}
    bad = api.patch("/api/v1/review-settings", json={"review_requests": "per_customer"})
    assert bad.status_code == 422
    [error] = bad.json()["detail"]
    assert error["loc"] == ["body", "feedback", "review_requests"]
    assert error["msg"] == "must be one of per_order, per_product"
    unknown = api.patch("/api/v1/review-settings", json={"reward": 5})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "feedback", "reward"]
    assert stored_feedback(ctx, shop) == {}
    good = api.patch(
        "/api/v1/review-settings",
        json={"review_requests": "per_product", "review_urls": {"google": "https://g.co/r/1"}},
    )
    assert good.json() == {
        "review_requests": "per_product",
        "review_urls": {"google": "https://g.co/r/1"},
    }
    back = api.patch("/api/v1/review-settings", json={"review_requests": None})
    assert back.json()["review_requests"] == "per_order"


def test_the_cli_shows_and_sets_the_review_settings(db_url: str, shop: Shop) -> None:
    assert (
        "review_requests: per_order"
        in careloop(db_url, "feedback", "review-settings", "--shop", "acme").stdout
    )
    bad = careloop(db_url, "feedback", "review-settings", "--shop", "acme", "--mode", "weekly")
    assert bad.returncode == 1 and "feedback.review_requests" in bad.stderr
    good = careloop(
        db_url,
        "feedback",
        "review-settings",
        "--shop",
        "acme",
        "--mode",
        "per_product",
        "--product-review-url",
        "https://shopee.vn/p/{sku}",
        "--review-url",
        "google=https://g.page/r/acme",
    )
    assert good.returncode == 0, good.stderr
    assert "review_requests: per_product" in good.stdout
    assert "https://shopee.vn/p/{sku}" in good.stdout and "g.page/r/acme" in good.stdout


def test_the_make_it_right_message_no_longer_asks_to_update_the_review() -> None:
    # The review_asks flow asks once, only when the customer is happy with the resolution.
    spec = file_spec("recovery.make_it_right")
    assert spec is not None
    for channel in ("email", "sms"):
        for locale in ("vi", "en"):
            text = spec[channel][locale]["text"]
            assert "links.review" not in text and "review" not in text.lower()
            assert "đánh giá" not in text
