from __future__ import annotations

from fastapi.testclient import TestClient

LAN = {
    "customer_id": "C-1",
    "name": "Nguyễn Thị Lan",
    "email": "Lan@Example.vn",
    "phone": "0912345678",
    "birthday": "1990-05-17",
    "timezone": "Asia/Ho_Chi_Minh",
    "preferred_channel": "zalo",
    "zalo_user_id": "z-123",
    "accepts_marketing": True,
}


def test_a_customer_is_created_with_normalised_contacts_and_consent(api: TestClient) -> None:
    body = api.post("/api/v1/customers", json=LAN).json()
    assert body["email"] == "lan@example.vn"
    assert body["phone"] == "+84912345678"
    assert {c["channel"]: c["state"] for c in body["consents"]} == {
        "email": "granted",
        "sms": "granted",
        "zalo": "granted",
    }
    assert all(c["source"] == "api" for c in body["consents"])
    assert len(body["referral_code"]) == 8


def test_posting_the_same_customer_twice_is_answered_the_same(api: TestClient) -> None:
    assert (
        api.post("/api/v1/customers", json=LAN).json()
        == api.post("/api/v1/customers", json=LAN).json()
    )


def test_an_update_changes_only_the_fields_sent(api: TestClient) -> None:
    api.post("/api/v1/customers", json=LAN)
    body = api.post(
        "/api/v1/customers", json={"customer_id": "C-1", "preferred_channel": "email"}
    ).json()
    assert body["preferred_channel"] == "email"
    assert body["phone"] == "+84912345678"


def test_opting_out_of_sms_is_kept_with_its_source(api: TestClient) -> None:
    api.post("/api/v1/customers", json=LAN)
    body = api.post(
        "/api/v1/customers", json={"customer_id": "C-1", "consents": {"sms": "denied"}}
    ).json()
    states = {c["channel"]: c["state"] for c in body["consents"]}
    assert states["sms"] == "denied"
    assert states["email"] == "granted"


def test_a_bad_phone_is_a_422_naming_the_field(api: TestClient) -> None:
    response = api.post("/api/v1/customers", json={**LAN, "phone": "not a phone"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "phone"]


def test_an_unknown_time_zone_is_a_422_naming_it(api: TestClient) -> None:
    response = api.post("/api/v1/customers", json={**LAN, "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "Mars/Olympus" in response.json()["detail"][0]["msg"]


def test_an_unknown_customer_is_404_naming_the_id(api: TestClient) -> None:
    response = api.get("/api/v1/customers/ghost")
    assert response.status_code == 404
    assert "ghost" in response.json()["detail"]


def test_an_oversized_body_is_refused_with_413(api: TestClient) -> None:
    response = api.post(
        "/api/v1/customers",
        content=b'{"customer_id": "' + b"x" * 2_000_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
