from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.conftest import ShopFactory
from tests.web.helpers import add_customer, csrf_from, login, sign_in


def test_ui_starts_in_the_shops_language_and_staff_can_switch(
    app_client: TestClient, shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)

    vietnamese = login(app_client, email, locale=None)
    english = app_client.post(
        "/locale", data={"locale": "en", "next": "/customers", "csrf_token": csrf_from(vietnamese)}
    )

    assert "Tổng quan" in vietnamese.text
    assert english.url.path == "/customers"
    assert "Search customers" in english.text
    # The choice is remembered for the next sign-in.
    app_client.post("/logout", data={"csrf_token": csrf_from(english)})
    assert "Overview" in login(app_client, email, locale=None).text


def test_staff_of_two_shops_switches_shop_from_the_header(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: ShopFactory,
    make_staff: Callable[..., str],
) -> None:
    other = make_shop("beta", name="Beta Tea")
    make_staff(shop, email="agency@example.com")
    make_staff(other, email="agency@example.com", role="viewer")
    add_customer(ctx, shop, "A-1", name="Acme Customer")
    add_customer(ctx, other, "B-1", name="Beta Customer")
    home = sign_in(app_client, ctx, "agency@example.com", shop)
    assert "Acme Coffee" in home.text and "Beta Tea" in home.text  # the switcher lists both

    app_client.post("/switch-shop", data={"shop_id": other.id, "csrf_token": csrf_from(home)})
    beta = app_client.get("/customers").text

    assert "Beta Customer" in beta
    assert "Acme Customer" not in beta
    assert "Viewer" in beta


def test_switching_to_a_shop_the_user_is_not_in_changes_nothing(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: ShopFactory,
    make_staff: Callable[..., str],
) -> None:
    other = make_shop("beta", name="Beta Tea")
    add_customer(ctx, other, "B-1", name="Beta Customer")
    home = sign_in(app_client, ctx, make_staff(shop), shop)

    app_client.post("/switch-shop", data={"shop_id": other.id, "csrf_token": csrf_from(home)})

    assert "Beta Customer" not in app_client.get("/customers").text


def test_unknown_page_is_a_friendly_404_and_the_api_keeps_json(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get("/no-such-page")
    api = app_client.get("/api/v1/no-such-thing")

    assert page.status_code == 404
    assert "Not found" in page.text
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/json")


def test_htmx_request_after_the_session_ended_redirects_the_whole_page_to_login(
    app_client: TestClient,
) -> None:
    response = app_client.get(
        "/customers?q=lan",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/customers?q=la"},
    )

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/login?next=%2Fcustomers%3Fq%3Dla"


def test_layout_has_nav_csrf_header_for_htmx_and_vendored_assets(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = sign_in(app_client, ctx, make_staff(shop), shop).text

    assert '<a href="/customers"' in page
    assert 'hx-headers=\'{"x-csrf-token": ' in page
    for asset in ("/static/vendor/htmx.min.js", "/static/careloop.css", "/static/careloop.js"):
        assert asset in page
        assert app_client.get(asset).status_code == 200


def test_htmx_post_with_the_csrf_header_is_accepted(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    token = csrf_from(sign_in(app_client, ctx, make_staff(shop), shop))

    ok = app_client.post(
        f"/customers/{customer.id}/notes",
        data={"text": "hello"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    forged = app_client.post(
        f"/customers/{customer.id}/notes",
        data={"text": "hello"},
        headers={"HX-Request": "true", "X-CSRF-Token": "forged"},
    )

    assert ok.status_code == 200
    assert forged.status_code == 403


def test_malformed_form_field_gets_an_html_page_naming_the_field(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    home = sign_in(app_client, ctx, make_staff(shop), shop)

    bad = app_client.post("/switch-shop", data={"shop_id": "abc", "csrf_token": csrf_from(home)})

    assert bad.status_code == 400
    assert "shop_id" in bad.text
    assert "Please check the form" in bad.text
