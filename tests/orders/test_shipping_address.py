from __future__ import annotations

import copy
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.connectors import generic, shopify, woocommerce
from careloop.connectors.backfill import backfill
from careloop.context import AppContext
from careloop.customers.erasure import erase_customer
from careloop.imports import run_import
from careloop.orders.address import address_key
from careloop.orders.models import Order
from careloop.orders.service import upsert_order
from careloop.shops.models import Shop
from tests.imports.factories import ORDER_HEADER, order_line, write_csv

FIXTURES = Path(__file__).parent.parent / "fixtures" / "connectors"
ORDER = {
    "order_id": "O-1",
    "customer_id": "C-1",
    "placed_at": "2026-11-01T10:00:00+07:00",
    "total": "450000",
}


def _stored(ctx: AppContext, order_id: str = "O-1") -> tuple[str | None, str | None]:
    with ctx.sessions() as s:
        row = s.execute(
            select(Order.shipping_address, Order.shipping_address_key).where(
                Order.external_id == order_id
            )
        ).one()
    return row[0], row[1]


def _fixture(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def test_the_api_takes_the_address_as_text_and_shows_it_back(
    api: TestClient, ctx: AppContext
) -> None:
    body = {**ORDER, "shipping_address": "12 Đường Lê Lợi, P. Bến Nghé, Q.1, TP.HCM"}
    assert api.post("/api/v1/orders", json=body).status_code in (200, 201)
    assert api.get("/api/v1/orders/O-1").json()["shipping_address"] == body["shipping_address"]
    assert _stored(ctx) == (body["shipping_address"], "12 le loi ben nghe q 1 hcm")


def test_the_api_takes_the_address_as_an_object_of_parts(api: TestClient, ctx: AppContext) -> None:
    address = {"address1": "12 Lê Lợi", "ward": "P. Bến Nghé", "district": "Q.1", "city": "HCM"}
    assert api.post("/api/v1/orders", json={**ORDER, "shipping_address": address}).is_success
    assert _stored(ctx) == ("12 Lê Lợi, P. Bến Nghé, Q.1, HCM", "12 le loi ben nghe q 1 hcm")


def test_a_resend_without_the_address_keeps_it_and_a_new_one_replaces_it(
    api: TestClient, ctx: AppContext
) -> None:
    api.post("/api/v1/orders", json={**ORDER, "shipping_address": "12 Lê Lợi, Q.1"})
    api.post("/api/v1/orders", json=ORDER)
    assert _stored(ctx)[0] == "12 Lê Lợi, Q.1"
    api.post("/api/v1/orders", json={**ORDER, "shipping_address": "45 Hai Bà Trưng, Hà Nội"})
    assert _stored(ctx) == ("45 Hai Bà Trưng, Hà Nội", "45 hai ba trung ha noi")


def test_an_overlong_address_is_a_422_naming_the_field_and_stores_nothing(
    api: TestClient, ctx: AppContext
) -> None:
    response = api.post("/api/v1/orders", json={**ORDER, "shipping_address": "x" * 501})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "shipping_address"]]
    with ctx.sessions() as s:
        assert s.scalar(select(Order.id)) is None


def test_the_csv_import_reads_a_shipping_address_column(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    header = (*ORDER_HEADER, "shipping_address")
    path = write_csv(
        tmp_path / "orders.csv",
        [order_line(shipping_address="Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh")],
        header,
    )
    run_import(ctx, shop, "orders", path)
    assert _stored(ctx, "A-1") == (
        "Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh",
        "12 le loi ben nghe q 1 hcm",
    )
    again = write_csv(tmp_path / "again.csv", [order_line(shipping_address="14 Lê Lợi")], header)
    run_import(ctx, shop, "orders", again)
    assert _stored(ctx, "A-1")[1] == "14 le loi"


def test_shopify_haravan_and_sapo_payloads_give_their_shipping_address() -> None:
    order = shopify.map_order(_fixture("shopify_orders_create.json")).orders[0]
    assert order.shipping_line() == "12 Lê Lợi, Hồ Chí Minh"
    haravan = copy.deepcopy(_fixture("haravan_orders_create.json"))
    assert isinstance(haravan["shipping_address"], dict)
    haravan["shipping_address"].update(ward="Phường Bến Nghé", district="Quận 1")
    order = shopify.map_order(haravan).orders[0]
    assert order.shipping_line() == "12 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh"
    sapo = shopify.map_order(_fixture("sapo_orders_create.json"), time_suffix="_on").orders[0]
    assert address_key(sapo.shipping_line()) == "12 le loi hcm"


def test_woocommerce_uses_the_shipping_address_or_else_the_billing_one() -> None:
    payload = _fixture("woocommerce_order_created.json")
    assert woocommerce.map_order(payload).orders[0].shipping_line() == "45 Hai Bà Trưng, Hà Nội, VN"
    shipped = copy.deepcopy(payload)
    shipped["shipping"] = {"address_1": "7 Tràng Tiền", "city": "Hà Nội", "state": "HN"}
    assert woocommerce.map_order(shipped).orders[0].shipping_line() == "7 Tràng Tiền, Hà Nội, HN"


def test_a_generic_mapping_may_name_the_shipping_address() -> None:
    mapping = {
        "order_id": "id",
        "customer_id": "buyer.id",
        "placed_at": "created",
        "total": "amount",
        "shipping_address": "ship.to",
    }
    payload = {
        "id": "G-1",
        "buyer": {"id": "B-1"},
        "created": "2026-11-01T10:00:00+07:00",
        "amount": "100000",
        "ship": {"to": "12 Lê Lợi, Q.1, TP.HCM"},
    }
    assert generic.map_payload(mapping, payload).orders[0].shipping_line() == (
        "12 Lê Lợi, Q.1, TP.HCM"
    )


def test_the_shopify_export_backfill_reads_the_shipping_columns(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Name,Email,Currency,Total,Created at,Shipping Address1,Shipping City,Shipping Country\n"
        "#1,an@example.vn,VND,410000,2025-06-01 10:00:00 +0700,12 Lê Lợi,Hồ Chí Minh,VN\n",
        encoding="utf-8",
    )
    with ctx.sessions() as s, s.begin():
        backfill(session=s, clock=ctx.clock, shop=s.merge(shop), platform="shopify", path=path)
    assert _stored(ctx, "#1") == ("12 Lê Lợi, Hồ Chí Minh, VN", "12 le loi hcm")


def test_erasing_the_customer_clears_the_delivery_address_and_keeps_the_order(
    ctx: AppContext, shop: Shop
) -> None:
    from careloop.orders.schemas import OrderIn

    with ctx.sessions() as s, s.begin():
        upsert_order(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=OrderIn(**ORDER, shipping_address="12 Lê Lợi, Q.1, TP.HCM"),  # type: ignore[arg-type]
        )
    with ctx.sessions() as s, s.begin():
        report = erase_customer(
            session=s, clock=ctx.clock, shop=s.merge(shop), external_id="C-1", actor="t"
        )
    assert report.scrubbed["orders"] == 1
    assert _stored(ctx) == (None, None)
