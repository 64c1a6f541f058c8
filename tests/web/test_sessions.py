"""Staff sessions are server-side records (OWASP ASVS 4.0.3 V3.3 "Session Termination":
3.3.1 logout invalidates the session, 3.3.2 idle and absolute timeouts at level 2 — 30
minutes idle, 12 hours at most — and 3.3.3 terminating all sessions after a password
change). Each test replays the attack: a copy of the cookie, taken while it was valid, is
sent again after the session should have ended."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop, StaffSession
from tests.web.helpers import csrf_from, login


@pytest.fixture
def strict_ctx(ctx: AppContext) -> AppContext:
    """The shipped timeouts (30 minutes idle, 12 hours in all), not the tests' year."""
    settings = ctx.settings.model_copy(update={"session_idle_minutes": 30, "session_max_hours": 12})
    return replace(ctx, settings=settings)


@pytest.fixture
def client(strict_ctx: AppContext) -> Iterator[TestClient]:
    from careloop.web.app import create_app

    with TestClient(create_app(strict_ctx)) as c:
        yield c


def _copied_cookie(client: TestClient) -> str:
    value = client.cookies.get("careloop_session")
    assert value, "signed in, so there is a session cookie"
    return value


def _as_attacker(app: TestClient, cookie: str) -> TestClient:
    attacker = TestClient(app.app)
    attacker.cookies.set("careloop_session", cookie)
    return attacker


def test_copied_cookie_stops_working_after_logout(
    client: TestClient, shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)
    page = login(client, email)
    stolen = _copied_cookie(client)
    assert _as_attacker(client, stolen).get("/", follow_redirects=False).status_code == 200

    client.post("/logout", data={"csrf_token": csrf_from(page)})

    replay = _as_attacker(client, stolen).get("/", follow_redirects=False)
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/login")


def test_logout_in_one_browser_signs_out_every_browser_of_the_account(
    client: TestClient, shop: Shop, make_staff: Callable[..., str], strict_ctx: AppContext
) -> None:
    email = make_staff(shop)
    laptop = TestClient(client.app)
    login(laptop, email)
    phone_page = login(client, email)

    client.post("/logout", data={"csrf_token": csrf_from(phone_page)})

    assert laptop.get("/", follow_redirects=False).status_code == 303
    with strict_ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(StaffSession)) == 0


def test_session_ends_after_thirty_idle_minutes_even_with_the_cookie(
    client: TestClient, shop: Shop, make_staff: Callable[..., str], clock: VirtualClock
) -> None:
    login(client, make_staff(shop))
    clock.advance(timedelta(minutes=29))
    assert client.get("/", follow_redirects=False).status_code == 200  # use keeps it alive

    clock.advance(timedelta(minutes=30))

    assert client.get("/", follow_redirects=False).status_code == 303


def test_session_ends_after_twelve_hours_however_busy(
    client: TestClient, shop: Shop, make_staff: Callable[..., str], clock: VirtualClock
) -> None:
    login(client, make_staff(shop))
    for _ in range(11 * 4):  # a request every 15 minutes for 11 hours
        clock.advance(timedelta(minutes=15))
        assert client.get("/", follow_redirects=False).status_code == 200

    clock.advance(timedelta(hours=1))

    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_forged_cookie_without_a_session_record_is_refused(
    client: TestClient, shop: Shop, make_staff: Callable[..., str], strict_ctx: AppContext
) -> None:
    """Knowing the signing key's output for `uid` alone (the old cookie format) is not
    enough: the server must hold a live session for the token."""
    import json
    from base64 import b64encode

    from itsdangerous import TimestampSigner

    make_staff(shop)
    forged = b64encode(json.dumps({"uid": 1, "shop_id": shop.id, "sid": "guess"}).encode())
    cookie = TimestampSigner(strict_ctx.secret_key).sign(forged).decode()

    assert _as_attacker(client, cookie).get("/", follow_redirects=False).status_code == 303
