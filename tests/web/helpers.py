"""Building data and signing in for the staff UI tests (shared with tests/e2e)."""

from __future__ import annotations

import json
import re
from base64 import b64encode
from datetime import datetime, timedelta
from typing import Any, cast

from fastapi.testclient import TestClient
from httpx import Response
from itsdangerous import TimestampSigner
from sqlalchemy import select

from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.orders.models import Order
from careloop.orders.schemas import OrderIn
from careloop.orders.service import upsert_order
from careloop.shops.accounts import start_session
from careloop.shops.models import Shop, StaffUser
from tests.conftest import TEST_PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_customer(ctx: AppContext, shop: Shop, customer_id: str, **fields: Any) -> Customer:
    with ctx.sessions() as s, s.begin():
        data = CustomerIn(customer_id=customer_id, **fields)
        return upsert_customer(session=s, clock=ctx.clock, shop=s.merge(shop), data=data).customer


def add_order(
    ctx: AppContext,
    shop: Shop,
    customer_id: str,
    order_id: str,
    total: str,
    *,
    placed_at: datetime | None = None,
    lines: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Order:
    placed = placed_at or ctx.clock.now() - timedelta(days=3)
    with ctx.sessions() as s, s.begin():
        data = OrderIn(
            order_id=order_id,
            customer_id=customer_id,
            placed_at=placed,
            total=total,
            lines=lines or [],
            **fields,
        )
        return upsert_order(session=s, clock=ctx.clock, shop=s.merge(shop), data=data).order


def csrf_from(response: Response) -> str:
    match = CSRF_RE.search(response.text)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(
    client: TestClient,
    email: str,
    password: str = TEST_PASSWORD,
    next: str = "/",
    locale: str | None = "en",
) -> Response:
    """Sign in through the login form, as a browser does, and (by default) choose English;
    returns the final page."""
    form = client.get("/login")
    page: Response = client.post(
        "/login",
        data={"email": email, "password": password, "next": next, "csrf_token": csrf_from(form)},
    )
    if locale is None or page.status_code != 200:
        return page
    chosen: Response = client.post(
        "/locale", data={"locale": locale, "next": next, "csrf_token": csrf_from(page)}
    )
    return chosen


def sign_in(
    client: TestClient, ctx: AppContext, email: str, shop: Shop, locale: str = "en"
) -> Response:
    """Start a signed-in session without the login form (whose argon2 check takes most of a
    test's time); returns the home page, fetched when the test first reads it (see
    `HomePage`). Login itself is tested through the form."""
    with ctx.sessions() as s, s.begin():
        user_id = s.scalar(select(StaffUser.id).where(StaffUser.email == email))
        assert user_id is not None, email
        token = start_session(s, ctx.clock, user_id)
    session = {
        "uid": user_id,
        "sid": token,
        "shop_id": shop.id,
        "locale": locale,
        "csrf": "test-csrf-token",
    }
    payload = b64encode(json.dumps(session).encode())
    cookie = TimestampSigner(ctx.secret_key).sign(payload).decode()
    client.cookies.set("careloop_session", cookie)
    return cast(Response, HomePage(client))


class HomePage:
    """The signed-in home page, requested the first time the test reads anything of it.

    The home page is the dashboard (figures, attention lines, checklist): rendering it was a
    large share of the CPU of the tests that sign in only to use other pages, and most never
    look at it. A test that reads it (`.text`, `.status_code`, `csrf_from(page)`) gets the
    real response of `GET /`, requested at that moment."""

    def __init__(self, client: TestClient) -> None:
        self._client = client
        self._page: Response | None = None

    def __getattr__(self, name: str) -> Any:
        if self._page is None:
            self._page = self._client.get("/")
        return getattr(self._page, name)
