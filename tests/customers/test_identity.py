"""One person is one customer per shop (issue 18 item 1): the same buyer arriving by the
REST API, a Shopify `orders/create` webhook and an inbound SMS is one customer.

Published behaviour replayed:
- Shopify's webhook body is the published `orders/create` sample
  (tests/fixtures/connectors/README.md); Shopify sends a customer's phone in E.164
  ("A unique phone number for the customer. Formatted using E.164 standard", shopify.dev,
  Storefront API `CustomerCreateInput.phone`) and its own numeric `customer.id`.
- eSMS delivers a reply (MO) with the sender as 84xxxxxxxxx (eSMS "Kết nối đầu số ngắn",
  channels/web.py); the token gateway form posts `phone` and `text`.
- Vietnamese numbers: 0909 998 877, 0909998877, 84909998877 and +84909998877 are one
  number (ITU-T E.164, country code 84; `phonenumbers`, region VN)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.customers.identity import (
    Candidate,
    choose_match,
    names_compatible,
    possible_duplicates,
)
from careloop.customers.models import Customer, CustomerIdentity
from careloop.shops.models import Shop
from careloop.support.models import Ticket
from tests.channels.helpers import configure
from tests.connectors.conftest import connect, deliver, fixture

__all__ = ["connect", "deliver"]  # fixtures shared with the connectors' tests

EMAIL = "lan.nguyen@example.vn"
SHOPIFY_ID = "7412365098571"


def _shopify_order(phone: str = "+84909998877") -> dict[str, Any]:
    """The published orders/create sample, placed by the same buyer."""
    body: dict[str, Any] = copy.deepcopy(fixture("shopify_orders_create.json"))
    body["email"] = EMAIL
    body["customer"].update(email=EMAIL, phone=phone)
    body["shipping_address"].update(phone=phone)
    return body


def _customer_count(ctx: AppContext) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Customer)) or 0)


@pytest.fixture
def sms_gateway(ctx: AppContext, shop: Shop) -> None:
    configure(
        ctx, shop, "sms", "esms", api_key="ek", secret_key="es", base_url="http://127.0.0.1:9",
        inbound_token="tok",
    )  # fmt: skip


def test_the_same_buyer_by_api_shopify_and_sms_is_one_customer(
    api: TestClient,
    ctx: AppContext,
    connect: Callable[..., None],
    deliver: Callable[..., httpx.Response],
    sms_gateway: None,
) -> None:
    created = api.post(
        "/api/v1/customers",
        json={
            "customer_id": "web-77",
            "name": "Nguyễn Thị Lan",
            "phone": "0909 998 877",
            "email": "Lan.Nguyen@Example.vn",
        },
    )
    assert created.status_code == 200, created.text
    connect("shopify")

    response = deliver("shopify", "orders/create", _shopify_order(), delivery_id="w-1")
    sms = api.post(
        "/c/hooks/sms/acme/inbound?token=tok",
        data={"phone": "84909998877", "text": "Cốc em nhận bị vỡ ạ", "message_id": "gw-1"},
    )

    assert response.json()["status"] == "processed"
    assert sms.status_code == 204
    assert _customer_count(ctx) == 1
    by_shopify_id = api.get(f"/api/v1/customers/{SHOPIFY_ID}").json()
    assert by_shopify_id["customer_id"] == "web-77"
    assert by_shopify_id["orders_count"] == 1
    assert by_shopify_id["name"] == "Nguyễn Thị Lan"  # the second source fills gaps only
    assert api.get("/api/v1/orders/5830227345483").json()["customer_id"] == "web-77"
    with ctx.sessions() as s:
        links = s.execute(select(CustomerIdentity.source, CustomerIdentity.matched_on)).all()
        ticket = s.scalars(select(Ticket)).one()
        customer = s.scalars(select(Customer)).one()
    assert [tuple(link) for link in links] == [("shopify", "phone")]
    assert ticket.customer_id == customer.id


def test_the_same_buyer_on_shopify_and_haravan_is_one_customer_and_another_stays_apart(
    api: TestClient,
    ctx: AppContext,
    connect: Callable[..., None],
    deliver: Callable[..., httpx.Response],
) -> None:
    """The published samples as they are (tests/fixtures/connectors/README.md): Shopify's
    and Haravan's orders/create carry the same buyer (+84901234567, Shopify id
    7412365098571, Haravan id 200300400); WooCommerce's is another person."""
    for platform in ("shopify", "haravan", "woocommerce"):
        connect(platform)

    deliver("shopify", "orders/create", fixture("shopify_orders_create.json"), delivery_id="s")
    deliver("haravan", "orders/create", fixture("haravan_orders_create.json"))
    deliver(
        "woocommerce", "order.created", fixture("woocommerce_order_created.json"), delivery_id="w"
    )

    assert _customer_count(ctx) == 2
    haravan = api.get("/api/v1/customers/200300400").json()
    assert haravan["customer_id"] == SHOPIFY_ID
    assert haravan["orders_count"] == 2


@pytest.mark.parametrize("phone", ["0909 998 877", "0909998877", "84909998877", "+84909998877"])
def test_every_vietnamese_form_of_a_phone_finds_the_same_customer(
    api: TestClient, ctx: AppContext, phone: str
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "A", "name": "Lan", "phone": "0909998877"})

    body = api.post(
        "/api/v1/customers", json={"customer_id": "B", "name": "Nguyễn Thị Lan", "phone": phone}
    ).json()

    assert body["customer_id"] == "A"
    assert _customer_count(ctx) == 1


def test_an_email_in_another_case_links_when_the_phones_agree(
    api: TestClient, ctx: AppContext
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "A", "email": "lan@example.vn"})

    body = api.post(
        "/api/v1/customers",
        json={"customer_id": "B", "email": "LAN@Example.VN", "phone": "0909998877"},
    ).json()

    assert body["customer_id"] == "A"
    assert body["phone"] == "+84909998877"


def test_the_same_phone_with_a_different_name_is_listed_not_merged(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    api.post(
        "/api/v1/customers",
        json={"customer_id": "A", "name": "Nguyễn Văn An", "phone": "0909998877"},
    )

    body = api.post(
        "/api/v1/customers",
        json={"customer_id": "B", "name": "Nguyễn Thị Lan", "phone": "+84909998877"},
    ).json()

    assert body["customer_id"] == "B"
    assert _customer_count(ctx) == 2
    with ctx.sessions() as s:
        pairs = possible_duplicates(s, shop.id)
        assert [(d.first.external_id, d.second.external_id, d.reason) for d in pairs] == [
            ("A", "B", "phone")
        ]


def test_the_same_email_with_two_phones_is_listed_not_merged(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    api.post(
        "/api/v1/customers",
        json={"customer_id": "A", "email": "shop@example.vn", "phone": "0909998877"},
    )
    api.post(
        "/api/v1/customers",
        json={"customer_id": "B", "email": "shop@example.vn", "phone": "0912345678"},
    )

    assert _customer_count(ctx) == 2
    with ctx.sessions() as s:
        assert [d.reason for d in possible_duplicates(s, shop.id)] == ["email"]


def test_events_and_look_ups_accept_a_linked_id(api: TestClient, ctx: AppContext) -> None:
    api.post("/api/v1/customers", json={"customer_id": "A", "phone": "0909998877"})
    api.post("/api/v1/customers", json={"customer_id": "zalo-9", "phone": "84909998877"})

    events = api.post(
        "/api/v1/events",
        json={
            "events": [
                {
                    "event_id": "e-1",
                    "customer_id": "zalo-9",
                    "type": "custom.visited",
                    "occurred_at": "2026-10-01T10:00:00+07:00",
                }
            ]
        },
    )

    assert events.status_code < 300, events.text
    assert api.get("/api/v1/customers/zalo-9").json()["customer_id"] == "A"


def test_a_customer_csv_row_with_a_known_phone_is_linked_not_added(
    api: TestClient, ctx: AppContext, shop: Shop, tmp_path: Any
) -> None:
    from careloop.imports.customers import import_customers

    api.post("/api/v1/customers", json={"customer_id": "A", "name": "Lan", "phone": "0909998877"})
    path = tmp_path / "customers.csv"
    path.write_text(
        "customer_id,name,phone\nCSV-1,Nguyễn Thị Lan,+84909998877\nCSV-2,Trần Bình,0912345678\n",
        encoding="utf-8",
    )

    summary = import_customers(ctx, shop, path, progress=False)

    assert (summary.rows, summary.customers_new) == (2, 1)
    assert _customer_count(ctx) == 2
    assert api.get("/api/v1/customers/CSV-1").json()["customer_id"] == "A"


NAMES = st.lists(st.sampled_from(["nguyen", "thi", "lan", "van", "an", "tran"]), max_size=4)


@given(NAMES, NAMES)
def test_name_compatibility_is_symmetric(a: list[str], b: list[str]) -> None:
    assert names_compatible(" ".join(a), " ".join(b)) == names_compatible(" ".join(b), " ".join(a))


def test_names_match_without_diacritics_and_in_any_order() -> None:
    assert names_compatible("Lan Nguyễn Thị", "Nguyễn Thị Lan")
    assert names_compatible("Lan", "Nguyễn Thị Lan")
    assert names_compatible(None, "Nguyễn Thị Lan")
    assert not names_compatible("Nguyễn Văn An", "Nguyễn Thị Lan")


def test_the_oldest_compatible_customer_is_chosen() -> None:
    family = [
        Candidate(3, "Nguyễn Thị Lan", None, "+84909998877"),
        Candidate(2, "Nguyễn Văn An", None, "+84909998877"),
    ]
    match = choose_match(name="Lan", email=None, phone="+84909998877", by_phone=family, by_email=[])
    assert match is not None and match.customer_id == 3
