from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.shops.models import Shop
from tests.conftest import ShopFactory

LAN = {"customer_id": "C-1", "name": "Nguyễn Thị Lan", "phone": "0912345678", "locale": "vi"}
ORDER = {
    "order_id": "O-1",
    "customer_id": "C-1",
    "placed_at": "2026-10-30T09:00:00Z",
    "total": 350000,
}


def _ticket(api: TestClient, **overrides: object) -> dict[str, object]:
    api.post("/api/v1/customers", json=LAN)
    body = {"customer_id": "C-1", "subject": "Chưa nhận được hàng", "body": "Đơn O-1 chưa tới"}
    response = api.post("/api/v1/tickets", json=body | overrides)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_ticket_opened_by_api_shows_its_playbook_and_sla(api: TestClient) -> None:
    api.post("/api/v1/customers", json=LAN)
    api.post("/api/v1/orders", json=ORDER)
    ticket = _ticket(api, order_id="O-1", ticket_key="shop-123")
    assert ticket["status"] == "new"
    assert ticket["problem_type"] == "not_arrived"
    assert ticket["order_id"] == "O-1"
    assert [s["step"] for s in ticket["playbook"]["steps"]] == [  # type: ignore[index]
        "acknowledge",
        "apologise",
        "fix",
        "compensate",
        "follow_up",
    ]
    assert "O-1" in ticket["playbook"]["suggested_reply"]  # type: ignore[index]
    assert ticket["sla"][0]["state"] == "running"  # type: ignore[index]
    again = _ticket(api, order_id="O-1", ticket_key="shop-123")
    assert again["id"] == ticket["id"]


def test_reply_note_and_resolve_through_the_api(api: TestClient) -> None:
    ticket = _ticket(api)
    url = f"/api/v1/tickets/{ticket['id']}"
    replied = api.post(f"{url}/replies", json={"body": "Dạ shop kiểm tra ngay ạ"}).json()
    assert replied["status"] == "open"
    noted = api.post(f"{url}/notes", json={"body": "gọi GHN"}).json()
    assert [(m["author"], m["kind"]) for m in noted["messages"]] == [
        ("customer", "message"),
        ("staff", "message"),
        ("staff", "note"),
    ]
    resolved = api.post(f"{url}/resolve").json()
    assert resolved["status"] == "resolved"
    assert resolved["first_contact_resolution"] is True
    tasks = api.get("/api/v1/tasks").json()
    assert [t["kind"] for t in tasks] == ["follow_up"]
    done = api.post(f"/api/v1/tasks/{tasks[0]['id']}/done").json()
    assert done["status"] == "done"


def test_an_unknown_customer_or_field_is_a_clear_error(api: TestClient) -> None:
    response = api.post("/api/v1/tickets", json={"customer_id": "nobody", "subject": "x"})
    assert response.status_code == 404
    assert "nobody" in response.json()["detail"]
    response = api.post("/api/v1/tickets", json={"customer_id": "C-1", "subject": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "subject"]


def test_a_missing_ticket_is_not_found(api: TestClient) -> None:
    assert api.get("/api/v1/tickets/999").status_code == 404
    assert api.post("/api/v1/tickets/999/replies", json={"body": "x"}).status_code == 404


def test_another_shops_key_cannot_see_or_answer_the_ticket(
    api: TestClient, make_shop: ShopFactory, make_api_key: Callable[[Shop], str]
) -> None:
    ticket = _ticket(api)
    other_key = make_api_key(make_shop("other"))
    other = {"Authorization": f"Bearer {other_key}"}
    url = f"/api/v1/tickets/{ticket['id']}"
    assert api.get(url, headers=other).status_code == 404
    assert api.post(f"{url}/resolve", headers=other).status_code == 404
    assert api.get("/api/v1/tickets", headers=other).json() == []
    assert api.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
