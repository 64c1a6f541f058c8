from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.loyalty.service import add_points, enable_program
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer, place_order


def _issue(api: TestClient, **body: object) -> dict[str, object]:
    response = api.post(
        "/api/v1/coupons", json={"reason": "staff gift", "idempotency_key": "k", **body}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_coupon_is_redeemed_once_and_a_second_use_is_refused(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    make_customer(ctx, shop)
    code = _issue(api, customer_id="C-1", percent_off=10)["code"]
    first = api.post(
        f"/api/v1/coupons/{code}/redeem",
        json={"customer_id": "C-1", "order_id": "O-1", "order_total": "500000"},
    )
    assert first.status_code == 200
    assert first.json()["discount"] == "50000"
    retry = api.post(
        f"/api/v1/coupons/{code}/redeem",
        json={"customer_id": "C-1", "order_id": "O-1", "order_total": "500000"},
    )
    assert retry.status_code == 200 and retry.json()["new"] is False
    again = api.post(
        f"/api/v1/coupons/{code}/redeem", json={"customer_id": "C-1", "order_id": "O-2"}
    )
    assert again.status_code == 409
    assert "already been used" in again.json()["detail"]


def test_redeeming_an_unknown_coupon_is_404_naming_the_code(api: TestClient) -> None:
    response = api.post("/api/v1/coupons/nope-nope/redeem", json={})
    assert response.status_code == 404
    assert "NOPENOPE" in response.json()["detail"]


def test_another_customers_coupon_or_an_expired_one_is_refused(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    make_customer(ctx, shop, "C-1")
    make_customer(ctx, shop, "C-2")
    code = _issue(api, customer_id="C-1", amount_off="20000", valid_days=7)["code"]
    other = api.post(f"/api/v1/coupons/{code}/redeem", json={"customer_id": "C-2"})
    assert other.status_code == 409 and "another customer" in other.json()["detail"]
    clock.advance(timedelta(days=8))
    late = api.post(f"/api/v1/coupons/{code}/redeem", json={"customer_id": "C-1"})
    assert late.status_code == 409 and "expired" in late.json()["detail"]


def test_minimum_order_is_enforced(api: TestClient) -> None:
    code = _issue(api, free_shipping=True, min_order="300000", max_uses=None)["code"]
    small = api.post(f"/api/v1/coupons/{code}/redeem", json={"order_total": "100000"})
    assert small.status_code == 409 and "at least 300.000" in small.json()["detail"]
    for n in range(3):
        ok = api.post(
            f"/api/v1/coupons/{code}/redeem", json={"order_total": "300000", "order_id": f"O-{n}"}
        )
        assert ok.status_code == 200


def test_issuing_with_a_bad_amount_names_the_field(api: TestClient) -> None:
    response = api.post(
        "/api/v1/coupons",
        json={"reason": "x", "idempotency_key": "k", "percent_off": 150},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "percent_off"]


def test_another_shops_coupon_is_not_found(
    api: TestClient, ctx: AppContext, make_shop: object, make_api_key: object
) -> None:
    code = _issue(api, percent_off=5)["code"]
    other = make_shop("other")  # type: ignore[operator]
    key = make_api_key(other)  # type: ignore[operator]
    response = api.post(
        f"/api/v1/coupons/{code}/redeem", headers={"Authorization": f"Bearer {key}"}, json={}
    )
    assert response.status_code == 404


def test_spending_points_on_double_warranty_grants_the_entitlement(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    place_order(ctx, shop, "O-1", status="delivered")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        add_points(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=customer,
            points=1200,
            reason="gift",
            idempotency_key="g",
        )
    for _ in range(2):
        response = api.post(
            "/api/v1/customers/C-1/rewards/double_warranty", json={"idempotency_key": "r1"}
        )
        assert response.status_code == 200
    assert response.json()["points"] == 200
    loyalty = api.get("/api/v1/customers/C-1/loyalty").json()
    assert loyalty["tier"] == "silver"
    assert "double_warranty" in loyalty["entitlements"]
    assert "early_access" in loyalty["entitlements"]  # a silver privilege
    short = api.post(
        "/api/v1/customers/C-1/rewards/express_shipping", json={"idempotency_key": "r2"}
    )
    assert short.status_code == 409 and "not enough points" in short.json()["detail"]


def test_api_redeem_of_a_product_limited_code_checks_the_order_lines(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    make_customer(ctx, shop)
    coupon = _issue(
        api, customer_id="C-1", percent_off=20, max_discount="50000", product_skus=["BEAN-1KG"]
    )
    assert (coupon["max_discount"], coupon["product_skus"]) == ("50000", ["BEAN-1KG"])
    mug_only = api.post(
        f"/api/v1/coupons/{coupon['code']}/redeem",
        json={
            "customer_id": "C-1",
            "order_id": "O-1",
            "order_total": "150000",
            "lines": [{"sku": "MUG-1", "amount": "150000"}],
        },
    )
    assert mug_only.status_code == 409
    assert "applies only to BEAN-1KG" in mug_only.text
    with_beans = api.post(
        f"/api/v1/coupons/{coupon['code']}/redeem",
        json={
            "customer_id": "C-1",
            "order_id": "O-2",
            "order_total": "1150000",
            "lines": [
                {"sku": "MUG-1", "amount": "150000"},
                {"sku": "BEAN-1KG", "amount": "1000000"},
            ],
        },
    )
    assert with_beans.status_code == 200, with_beans.text
    assert with_beans.json()["discount"] == "50000"


def test_api_gift_card_shows_its_balance_after_a_partial_use(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    make_customer(ctx, shop)
    card = _issue(api, customer_id="C-1", gift_card="500000")
    assert (card["kind"], card["balance"]) == ("gift_card", "500000")
    used = api.post(
        f"/api/v1/coupons/{card['code']}/redeem",
        json={"customer_id": "C-1", "order_id": "O-1", "order_total": "200000"},
    )
    assert used.status_code == 200, used.text
    assert (used.json()["discount"], used.json()["coupon"]["balance"]) == ("200000", "300000")
