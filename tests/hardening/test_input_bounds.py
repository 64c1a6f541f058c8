"""Inputs at the edge of their types get a 4xx naming the field, never a 500.

Each of these was found by the schemathesis run (test_openapi_fuzz.py) and fixed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from careloop.shops.models import Shop

BIGGER_THAN_INT64 = 2**63


def test_an_order_total_beyond_what_the_database_holds_is_a_422_naming_total(
    api: TestClient,
) -> None:
    response = api.post(
        "/api/v1/orders",
        json={
            "order_id": "O1",
            "customer_id": "C1",
            "placed_at": "2026-10-01T00:00:00Z",
            "total": 9.223372036854776e18,
        },
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "total"


def test_an_order_line_price_beyond_what_the_database_holds_is_a_422(api: TestClient) -> None:
    response = api.post(
        "/api/v1/orders",
        json={
            "order_id": "O1",
            "customer_id": "C1",
            "placed_at": "2026-10-01T00:00:00Z",
            "total": 1,
            "lines": [{"sku": "X", "unit_price": "1e30"}],
        },
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "unit_price"


def test_a_coupon_with_a_huge_minimum_order_is_a_422(api: TestClient, shop: Shop) -> None:
    response = api.post(
        "/api/v1/coupons",
        json={
            "free_shipping": True,
            "min_order": 1.4309609327571043e308,
            "idempotency_key": "k1",
            "reason": "x",
        },
    )

    assert response.status_code == 422


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", f"/api/v1/tickets/{BIGGER_THAN_INT64}"),
        ("POST", f"/api/v1/tickets/{BIGGER_THAN_INT64}/resolve"),
    ],
)
def test_a_ticket_id_beyond_64_bits_is_not_a_500(api: TestClient, method: str, path: str) -> None:
    response = api.request(method, path)

    assert response.status_code in (404, 422)


def test_kpis_with_from_after_to_answers_the_documented_422_shape(api: TestClient) -> None:
    response = api.get("/api/v1/kpis", params={"from": "2000-01-01", "to": "1970-01-01"})

    assert response.status_code == 422
    assert all({"loc", "msg", "type"} <= set(item) for item in response.json()["detail"])
