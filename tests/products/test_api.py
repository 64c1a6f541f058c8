"""The catalogue's REST API: create-or-update by sku, partial update, read, list and
search; a bad body gets a 422 naming the field and changes nothing; one shop never sees
another's products."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from careloop.shops.models import Shop

FILTER: dict[str, Any] = {
    "sku": "FILTER-RO",
    "name": "Máy lọc nước RO",
    "category": "water filter",
    "price": "5990000",
    "usage_days": 180,
    "warranty_months": 12,
    "maintenance_interval_days": 90,
    "care_guide_vi": "Thay lõi lọc thô mỗi 6 tháng.",
    "care_guide_en": "Change the sediment cartridge every 6 months.",
    "care_guide_url_en": "https://acme.test/guides/ro",
    "related_skus": ["FILTER-CORE", "FILTER-CORE"],
}


def _fields(errors: list[dict[str, Any]]) -> set[str]:
    return {str(e["loc"][-1]) for e in errors}


def test_a_product_posted_twice_is_stored_once_with_its_care_data(api: TestClient) -> None:
    first = api.post("/api/v1/products", json=FILTER)
    again = api.post("/api/v1/products", json={"sku": "FILTER-RO", "usage_days": 150})
    assert first.status_code == again.status_code == 200
    product = api.get("/api/v1/products/FILTER-RO").json()
    assert product["usage_days"] == 150  # updated
    assert product["warranty_months"] == 12  # left out, so unchanged
    assert product["related_skus"] == ["FILTER-CORE"]
    assert product["care_guide_en"] == FILTER["care_guide_en"]
    assert product["price"] == "5990000"
    assert api.get("/api/v1/products").json()["total"] == 1


def test_a_patch_changes_only_the_fields_sent_and_null_clears_one(api: TestClient) -> None:
    api.post("/api/v1/products", json=FILTER)
    response = api.patch(
        "/api/v1/products/FILTER-RO", json={"maintenance_interval_days": 60, "care_guide_vi": None}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["maintenance_interval_days"], body["care_guide_vi"]) == (60, None)
    assert body["usage_days"] == 180


def test_patching_an_unknown_sku_is_a_404(api: TestClient) -> None:
    response = api.patch("/api/v1/products/NOPE", json={"usage_days": 30})
    assert response.status_code == 404
    assert api.get("/api/v1/products/NOPE").status_code == 404


def test_bad_care_data_is_refused_naming_each_field_and_nothing_is_stored(
    api: TestClient,
) -> None:
    bad = {
        **FILTER,
        "usage_days": 0,
        "warranty_months": -1,
        "care_guide_url_vi": "javascript:alert(1)",
        "colour": "blue",
    }
    response = api.post("/api/v1/products", json=bad)
    assert response.status_code == 422
    assert {"usage_days", "warranty_months", "care_guide_url_vi", "colour"} <= _fields(
        response.json()["detail"]
    )
    assert api.get("/api/v1/products").json()["total"] == 0


def test_a_product_cannot_be_its_own_parent_or_related_to_itself(api: TestClient) -> None:
    response = api.post("/api/v1/products", json={"sku": "A", "name": "A", "parent_sku": "A"})
    assert response.status_code == 422
    assert "parent_sku" in response.text
    api.post("/api/v1/products", json={"sku": "A", "name": "A"})
    response = api.patch("/api/v1/products/A", json={"related_skus": ["A"]})
    assert response.status_code == 422
    assert "related_skus" in response.text


def test_the_list_searches_sku_name_and_category(api: TestClient) -> None:
    api.post("/api/v1/products", json=FILTER)
    api.post(
        "/api/v1/products", json={"sku": "OOLONG-200", "name": "Trà Ô Long", "category": "tea"}
    )
    found = api.get("/api/v1/products", params={"q": "TEA"}).json()
    assert [p["sku"] for p in found["items"]] == ["OOLONG-200"]
    assert api.get("/api/v1/products", params={"q": "lọc"}).json()["total"] == 1


def test_another_shops_key_never_sees_or_changes_the_product(
    api: TestClient,
    app_client: TestClient,
    make_shop: Callable[..., Shop],
    make_api_key: Callable[[Shop], str],
) -> None:
    api.post("/api/v1/products", json=FILTER)
    other = {"Authorization": f"Bearer {make_api_key(make_shop('other'))}"}
    assert app_client.get("/api/v1/products/FILTER-RO", headers=other).status_code == 404
    assert app_client.get("/api/v1/products", headers=other).json()["total"] == 0
    patched = app_client.patch("/api/v1/products/FILTER-RO", json={"usage_days": 1}, headers=other)
    assert patched.status_code == 404
