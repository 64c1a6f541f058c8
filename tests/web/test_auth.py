from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, login


def test_staff_member_signs_in_and_lands_on_the_page_they_asked_for(
    app_client: TestClient, shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)
    first = app_client.get("/customers?q=an", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Fcustomers%3Fq%3Dan"

    page = login(app_client, email, next="/customers?q=an")

    assert page.status_code == 200
    assert str(page.url).endswith("/customers?q=an")
    assert "Acme Coffee" in page.text


def test_wrong_password_gets_a_generic_message(
    app_client: TestClient, shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)

    wrong_password = login(app_client, email, password="not the password")
    unknown_email = login(app_client, "nobody@acme.test")

    assert wrong_password.status_code == unknown_email.status_code == 401
    for page in (wrong_password, unknown_email):
        assert "Email or password is wrong." in page.text
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_sixth_failed_login_in_fifteen_minutes_is_refused_even_with_the_right_password(
    app_client: TestClient, shop: Shop, make_staff: Callable[..., str], clock: VirtualClock
) -> None:
    email = make_staff(shop)
    for _ in range(5):
        assert login(app_client, email, password="guess-guess").status_code == 401

    blocked = login(app_client, email)

    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.text
    clock.advance(timedelta(minutes=15, seconds=1))
    assert login(app_client, email).status_code == 200


def test_post_without_csrf_token_is_forbidden(
    app_client: TestClient, shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)
    app_client.get("/login")

    refused = app_client.post("/login", data={"email": email, "password": "correct horse battery"})

    assert refused.status_code == 403
    assert "CSRF" in refused.text
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(
    app_client: TestClient, shop: Shop, make_staff: Callable[..., str]
) -> None:
    home = login(app_client, make_staff(shop))

    out = app_client.post("/logout", data={"csrf_token": csrf_from(home)})

    assert "You are signed out." in out.text
    assert app_client.get("/customers", follow_redirects=False).status_code == 303


def test_login_page_does_not_redirect_off_site(
    app_client: TestClient, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = login(app_client, make_staff(shop), next="//evil.example/")

    assert page.url.host == "testserver"
    assert page.url.path == "/"


def test_pages_carry_security_headers_and_session_cookie_is_httponly(
    app_client: TestClient, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = app_client.get("/login")

    assert "style-src 'self';" in page.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_non_staff_responses_get_the_baseline_headers(app_client: TestClient) -> None:
    response = app_client.get("/healthz")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
