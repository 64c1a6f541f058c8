from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.customers.models import TimelineEvent
from careloop.orders.models import Order
from careloop.shops.models import Shop

ORDER = {
    "order_id": "A-1001",
    "customer_id": "C-1",
    "customer_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "email": "lan@example.vn",
    "placed_at": "2026-10-01T09:00:00+07:00",
    "total": "450000",
    "currency": "VND",
    "lines": [
        {
            "sku": "CF-ARABICA",
            "product_name": "Arabica Cầu Đất 500g",
            "quantity": 2,
            "unit_price": "225000",
        }
    ],
    "discount_codes": ["WELCOME10"],
}


def count(ctx: AppContext, model: type) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_posting_an_order_creates_the_customer_and_the_order(api: TestClient) -> None:
    response = api.post("/api/v1/orders", json=ORDER)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["order_id"] == "A-1001"
    assert body["status"] == "placed"
    assert body["total"] == "450000"
    assert body["lines"][0]["quantity"] == 2
    customer = api.get("/api/v1/customers/C-1").json()
    assert customer["name"] == "Nguyễn Thị Lan"
    assert customer["phone"] == "+84912345678"
    assert customer["orders_count"] == 1


def test_the_same_order_sent_twice_is_stored_once_and_answered_the_same(
    api: TestClient, ctx: AppContext
) -> None:
    first = api.post("/api/v1/orders", json=ORDER)
    second = api.post("/api/v1/orders", json=ORDER)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert count(ctx, Order) == 1
    with ctx.sessions() as s:
        placed = s.scalar(select(func.count()).where(TimelineEvent.type == "order.placed"))
    assert placed == 1


def test_delivered_before_paid_ends_delivered_with_both_times_kept(api: TestClient) -> None:
    api.post("/api/v1/orders", json=ORDER)
    delivered = api.post(
        "/api/v1/orders/A-1001/status",
        json={"status": "delivered", "at": "2026-10-03T15:00:00+07:00"},
    )
    assert delivered.json()["status"] == "delivered"
    paid = api.post(
        "/api/v1/orders/A-1001/status", json={"status": "paid", "at": "2026-10-01T09:05:00+07:00"}
    )
    body = paid.json()
    assert body["status"] == "delivered"
    assert body["paid_at"].startswith("2026-10-01T02:05")
    assert body["delivered_at"].startswith("2026-10-03T08:00")


def test_a_repeated_status_change_changes_nothing(api: TestClient, ctx: AppContext) -> None:
    api.post("/api/v1/orders", json=ORDER)
    change = {"status": "paid", "at": "2026-10-01T10:00:00+07:00", "event_id": "evt-9"}
    first = api.post("/api/v1/orders/A-1001/status", json=change).json()
    second = api.post("/api/v1/orders/A-1001/status", json=change).json()
    assert first == second
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).where(TimelineEvent.type == "order.paid")) == 1


def test_status_change_for_an_unknown_order_is_404_naming_it(api: TestClient) -> None:
    response = api.post("/api/v1/orders/NOPE/status", json={"status": "paid"})
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


def test_negative_total_is_refused_naming_the_field_and_nothing_is_stored(
    api: TestClient, ctx: AppContext
) -> None:
    response = api.post("/api/v1/orders", json={**ORDER, "total": "-5"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "total"]
    assert count(ctx, Order) == 0


def test_a_date_that_does_not_parse_is_refused_naming_the_field(api: TestClient) -> None:
    response = api.post("/api/v1/orders", json={**ORDER, "placed_at": "yesterday"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "placed_at"]


def test_bad_json_is_a_422_and_stores_nothing(api: TestClient, ctx: AppContext) -> None:
    response = api.post(
        "/api/v1/orders", content=b'{"order_id": "x",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert count(ctx, Order) == 0


def test_a_missing_key_and_a_wrong_key_are_both_401(app_client: TestClient, shop: Shop) -> None:
    assert app_client.post("/api/v1/orders", json=ORDER).status_code == 401
    wrong = app_client.post(
        "/api/v1/orders", json=ORDER, headers={"Authorization": "Bearer cl_wrong"}
    )
    assert wrong.status_code == 401
    assert "invalid" in wrong.json()["detail"]


def test_another_shops_key_cannot_read_this_shops_order(
    api: TestClient, make_shop: Callable[..., Shop], make_api_key: Callable[[Shop], str]
) -> None:
    api.post("/api/v1/orders", json=ORDER)
    other_key = make_api_key(make_shop("other"))
    response = api.get("/api/v1/orders/A-1001", headers={"Authorization": f"Bearer {other_key}"})
    assert response.status_code == 404
    customer = api.get("/api/v1/customers/C-1", headers={"Authorization": f"Bearer {other_key}"})
    assert customer.status_code == 404


def test_changing_the_customer_of_an_existing_order_is_a_conflict(api: TestClient) -> None:
    api.post("/api/v1/orders", json=ORDER)
    # Another person (another name, phone and email): C-2 is not linked to C-1.
    other = {"customer_name": "Trần Văn Bình", "phone": "0987654321", "email": "binh@example.vn"}
    response = api.post("/api/v1/orders", json={**ORDER, **other, "customer_id": "C-2"})
    assert response.status_code == 409


def test_bulk_events_are_stored_once_per_event_id(api: TestClient, ctx: AppContext) -> None:
    api.post("/api/v1/orders", json=ORDER)
    batch = {
        "events": [
            {
                "event_id": "e1",
                "customer_id": "C-1",
                "type": "app.wishlist_added",
                "occurred_at": "2026-10-05T10:00:00Z",
                "payload": {"sku": "CF-ROBUSTA"},
            },
            {
                "event_id": "e2",
                "customer_id": "C-1",
                "type": "app.page_viewed",
                "occurred_at": "2026-10-05T10:01:00Z",
            },
        ]
    }
    first = api.post("/api/v1/events", json=batch)
    second = api.post("/api/v1/events", json=batch)
    assert first.status_code == 200
    assert first.json() == second.json()
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).where(TimelineEvent.type.like("app.%"))) == 2


def test_events_for_an_unknown_customer_reject_the_batch_naming_the_item(
    api: TestClient, ctx: AppContext
) -> None:
    api.post("/api/v1/orders", json=ORDER)
    batch = {
        "events": [
            {
                "event_id": "e1",
                "customer_id": "C-1",
                "type": "app.x",
                "occurred_at": "2026-10-05T10:00:00Z",
            },
            {
                "event_id": "e2",
                "customer_id": "ghost",
                "type": "app.x",
                "occurred_at": "2026-10-05T10:00:00Z",
            },
        ]
    }
    response = api.post("/api/v1/events", json=batch)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "events[1]", "customer_id"]
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).where(TimelineEvent.type == "app.x")) == 0
