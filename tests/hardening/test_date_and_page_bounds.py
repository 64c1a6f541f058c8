"""Input bounds (issue 20, item 6): year-9999 dates, NaN amounts and page=1e20 get a 422
naming the field, never a 500; and a year-9999 row stored before these bounds existed does
not take the staff pages down.

JSON has no NaN or Infinity (RFC 8259 section 6: "Numeric values that cannot be represented
... (such as Infinity and NaN) are not permitted"), yet Python's parser accepts them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from careloop.context import AppContext
from careloop.orders.models import Order
from careloop.orders.schemas import OrderIn
from careloop.orders.service import upsert_order
from careloop.shops.models import Shop
from tests.web.helpers import sign_in

ORDER = {"order_id": "O1", "customer_id": "C1", "placed_at": "2026-10-01T00:00:00Z", "total": 1}


def _field(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body["detail"][0]["loc"][-1])


@pytest.mark.parametrize("moment", ["9999-12-31T00:00:00Z", "1900-01-01T00:00:00Z"])
def test_an_order_placed_outside_1970_to_2100_is_a_422_naming_placed_at(
    api: TestClient, moment: str
) -> None:
    response = api.post("/api/v1/orders", json={**ORDER, "placed_at": moment})
    assert response.status_code == 422 and _field(response) == "placed_at"


def test_a_delivery_in_year_9999_is_a_422_naming_delivered_at(api: TestClient) -> None:
    response = api.post(
        "/api/v1/orders", json={**ORDER, "delivered_at": "9999-01-01T00:00:00+07:00"}
    )
    assert response.status_code == 422 and _field(response) == "delivered_at"


def test_an_event_in_year_9999_is_a_422_naming_occurred_at(api: TestClient) -> None:
    event = {"event_id": "E1", "customer_id": "C1", "type": "app.opened",
             "occurred_at": "9999-12-31T23:59:59Z"}  # fmt: skip
    response = api.post("/api/v1/events", json={"events": [event]})
    assert response.status_code == 422 and _field(response) == "occurred_at"


def test_a_birthday_in_year_1_is_a_422_naming_birthday(api: TestClient) -> None:
    response = api.post("/api/v1/customers", json={"customer_id": "C1", "birthday": "0001-01-01"})
    assert response.status_code == 422 and _field(response) == "birthday"


def test_a_review_posted_in_year_9999_is_a_422_naming_posted_at(api: TestClient) -> None:
    review = {"review_id": "R1", "platform": "google", "rating": 5,
              "posted_at": "9999-01-01T00:00:00Z"}  # fmt: skip
    response = api.post("/api/v1/reviews", json=review)
    assert response.status_code == 422 and _field(response) == "posted_at"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_non_finite_order_total_is_a_422_naming_total(api: TestClient, literal: str) -> None:
    body = '{"order_id": "O1", "customer_id": "C1", "placed_at": "2026-10-01T00:00:00Z", '
    body += f'"total": {literal}}}'
    response = api.post(
        "/api/v1/orders", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and _field(response) == "total"


@pytest.mark.parametrize("path", ["/customers", "/messages", "/loyalty/members"])
@pytest.mark.parametrize("page", ["1e20", "100000000000000000000", "-1"])
def test_an_absurd_page_number_is_a_422_not_a_500(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    path: str,
    page: str,
) -> None:
    """The staff UI answers a form error with its error page (400, the field named); the
    customer list reads a page it cannot use as the first one."""
    sign_in(app_client, ctx, make_staff(shop), shop)
    response = app_client.get(path, params={"page": page})
    lenient = path == "/customers" and page in ("-1", "1e20")
    if lenient:
        assert response.status_code == 200
    else:
        assert response.status_code in (400, 422) and "page" in response.text


def test_a_year_9999_order_stored_before_the_bounds_does_not_break_the_pages(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    """Old data written before the bounds: the overview, the customer list and the customer
    page still answer (the bad date shown as stored)."""
    with ctx.sessions() as s, s.begin():
        order = upsert_order(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=OrderIn(
                order_id="O-9999",
                customer_id="C-9999",
                placed_at=datetime(2026, 10, 1, tzinfo=UTC),
                total=Decimal(100_000),
            ),
        )
        far = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
        s.execute(
            update(Order).where(Order.id == order.order.id).values(placed_at=far, delivered_at=far)
        )
        customer_id = order.order.customer_id
    sign_in(app_client, ctx, make_staff(shop), shop)
    for path in ("/", "/customers", f"/customers/{customer_id}"):
        assert app_client.get(path).status_code == 200, path
