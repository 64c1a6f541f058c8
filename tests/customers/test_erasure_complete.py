"""Erasure is complete by construction: a person driven through every capability is gone
from every text and JSON column of every table, and from the SQLite file, after erasure.

The Shopify delivery replays the published `orders/create` sample
(tests/fixtures/connectors/shopify_orders_create.json, see its README) with the person's
details put in. Decree 13/2023/NĐ-CP art. 16 (erasure of personal data) and art. 14
(the data subject's access) are what erasure and export answer to."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, select, text

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.customers.search_key import fold
from careloop.db.models import Base
from careloop.loyalty.points import adjust
from careloop.orders.models import Order
from careloop.shops.models import Shop
from careloop.support.worklist import create_task
from careloop.worker import run_once
from tests.channels.conftest import Inbox, smtp_server
from tests.channels.helpers import configure, dispatch
from tests.connectors.conftest import connect, deliver, fixture

NAME = "Vũ Hoàng Thanh Trúc"
EMAIL = "truc.vu.erasure@example.vn"
PHONE = "0938765432"
PHONE_E164 = "+84938765432"
STREET = "77 Phố Hàng Mã"
ADDRESS = f"{STREET}, Hoàn Kiếm, Hà Nội"
SECRETS = (NAME, EMAIL, PHONE, PHONE_E164, STREET, fold(NAME))
PLACED = "2026-10-01T10:00:00+07:00"

pytestmark = pytest.mark.usefixtures("connect_shopify")
__all__ = ["connect", "deliver", "smtp_server"]  # fixtures shared with other tests


@pytest.fixture
def connect_shopify(connect: Callable[..., None]) -> None:
    connect("shopify")


def _shopify_order() -> dict[str, Any]:
    """The published orders/create sample, placed by our person."""
    body: dict[str, Any] = copy.deepcopy(fixture("shopify_orders_create.json"))
    body["email"] = EMAIL
    body["customer"].update(
        email=EMAIL, phone=PHONE_E164, first_name="Trúc", last_name="Vũ Hoàng Thanh"
    )
    body["shipping_address"].update(address1=STREET, phone=PHONE, name=NAME)
    body["billing_address"].update(phone=PHONE, name=NAME)
    return body


def drive_person_through_everything(
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    deliver: Callable[..., httpx.Response],
    smtp_port: int,
) -> None:
    configure(
        ctx,
        shop,
        "email",
        host="127.0.0.1",
        port=smtp_port,
        security="none",
        from_address="hello@acme.test",
        from_name="Acme",
    )

    def ok(response: httpx.Response) -> Any:
        assert response.status_code < 300, response.text
        return response.json()

    ok(
        api.post(
            "/api/v1/customers",
            json={
                "customer_id": "C-TRUC",
                "name": NAME,
                "email": EMAIL,
                "phone": PHONE,
                "birthday": "1991-03-08",
                "accepts_marketing": True,
            },
        )
    )
    ok(
        api.post(
            "/api/v1/orders",
            json={
                "order_id": "O-TRUC-1",
                "customer_id": "C-TRUC",
                "placed_at": PLACED,
                "delivered_at": "2026-10-03T10:00:00+07:00",
                "total": 450000,
                "status": "delivered",
                "customer_name": NAME,
                "email": EMAIL,
                "phone": PHONE,
                "shipping_address": ADDRESS,
                "lines": [{"sku": "TEA-1", "product_name": "Trà sen", "unit_price": 450000}],
            },
        )
    )
    # The same person through the Shopify connector: a second record with their email.
    ok(deliver("shopify", "orders/create", _shopify_order(), delivery_id="d-truc-1"))
    ticket = ok(
        api.post(
            "/api/v1/tickets",
            json={
                "customer_id": "C-TRUC",
                "subject": f"{NAME}: gói hàng bị vỡ",
                "body": f"Tôi là {NAME}, gọi {PHONE}, giao tới {STREET}.",
                "channel": "email",
                "order_id": "O-TRUC-1",
            },
        )
    )
    ok(
        api.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"body": f"Chào {NAME}, chúng tôi sẽ gửi lại tới {ADDRESS}."},
        )
    )
    ok(
        api.post(
            f"/api/v1/tickets/{ticket['id']}/notes",
            json={"body": f"Khách {NAME} ({EMAIL}) rất bực."},
        )
    )
    ok(
        api.post(
            "/api/v1/survey-responses",
            json={
                "response_id": "R-TRUC",
                "customer_id": "C-TRUC",
                "kind": "nps",
                "score": 4,
                "answered_at": "2026-10-05T10:00:00+07:00",
                "comment": f"{NAME} ở {STREET} không hài lòng, gọi {PHONE}",
            },
        )
    )
    ok(
        api.post(
            "/api/v1/reviews",
            json={
                "review_id": "RV-TRUC",
                "customer_id": "C-TRUC",
                "platform": "google",
                "rating": 2,
                "text": f"{NAME} viết: hàng vỡ. Liên hệ {EMAIL}",
                "url": "https://maps.google.com/review/truc",
                "posted_at": "2026-10-06T10:00:00+07:00",
            },
        )
    )
    coupon = ok(
        api.post(
            "/api/v1/coupons",
            json={
                "customer_id": "C-TRUC",
                "percent_off": 10,
                "reason": f"Xin lỗi {NAME} vì hàng vỡ",
                "idempotency_key": f"sorry:{EMAIL}",
            },
        )
    )
    ok(
        api.post(
            f"/api/v1/coupons/{coupon['code']}/redeem",
            json={"customer_id": "C-TRUC", "order_id": "O-TRUC-2"},
        )
    )
    ok(
        api.post(
            "/api/v1/ugc",
            json={
                "customer_id": "C-TRUC",
                "entry_key": "https://facebook.com/truc.vu/posts/1",
                "url": "https://facebook.com/truc.vu/posts/1",
                "note": f"Ảnh của {NAME} tại {STREET}",
            },
        )
    )
    from careloop.community.groups import add_member, create_group

    with ctx.sessions() as s, s.begin():
        the_shop = s.merge(shop)
        customer = s.scalars(select(Customer).where(Customer.external_id == "C-TRUC")).one()
        adjust(
            session=s,
            clock=ctx.clock,
            shop_id=the_shop.id,
            customer_id=customer.id,
            points=50,
            reason=f"Bồi thường cho {NAME} ({PHONE})",
            actor="owner@acme.test",
        )
        create_task(
            session=s,
            clock=ctx.clock,
            shop=the_shop,
            customer_id=customer.id,
            kind="call",
            title=f"Gọi {NAME} theo số {PHONE}",
            body=f"Hỏi lại địa chỉ {ADDRESS}",
            due_at=ctx.clock.now() + timedelta(days=1),
            source="staff",
            idempotency_key=f"call:{EMAIL}",
        )
        group = create_group(session=s, clock=ctx.clock, shop=the_shop, platform="zalo", name="VIP")
        add_member(
            session=s,
            clock=ctx.clock,
            shop=the_shop,
            group_id=group.id,
            customer_id=customer.id,
            source="staff",
        )
    # Journeys, feedback and loyalty react to all of it (enrollments, messages, points).
    for _ in range(3):
        clock.advance(timedelta(days=1))
        run_once(ctx)
    dispatch(ctx)


def personal_values(ctx: AppContext) -> Iterator[tuple[str, str, str]]:
    """(table, column, text) for every text and JSON value of every table."""
    with ctx.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    shown = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    yield table.name, column.name, shown
        if conn.dialect.name == "sqlite":
            for (key,) in conn.execute(text("SELECT search_key FROM customers_search")):
                yield "customers_search", "search_key", key


def found_secrets(ctx: AppContext) -> list[str]:
    return [
        f"{table}.{column} holds {secret!r}"
        for table, column, value in personal_values(ctx)
        for secret in SECRETS
        if secret.casefold() in value.casefold()
    ]


def test_erased_person_is_nowhere_in_any_table_or_the_database_file(
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    deliver: Callable[..., httpx.Response],
    smtp_server: tuple[Inbox, int],
) -> None:
    drive_person_through_everything(api, ctx, shop, clock, deliver, smtp_server[1])
    before = found_secrets(ctx)
    # The story really put the person everywhere the issue names.
    for place in (
        "messages.to_address",
        "messages.body_text",
        "webhook_deliveries.body",
        "support_ticket_messages.body",
        "support_tickets.subject",
        "support_staff_tasks.title",
        "timeline_events.payload",
        "coupons.reason",
        "loyalty_ledger.reason",
        "survey_responses.comment",
        "reviews.text",
        "community_ugc_entries.note",
        "orders.shipping_address",
    ):
        assert any(line.startswith(place + " ") for line in before), place
    with ctx.sessions() as s:
        records = s.scalar(select(Customer.id).where(Customer.email == EMAIL).limit(2).offset(1))
    assert records is not None, "the webhook made a second record of the same person"

    response = api.delete("/api/v1/customers/C-TRUC")

    assert response.status_code == 200, response.text
    assert response.json()["records"] == 2
    assert found_secrets(ctx) == []
    # Anonymous aggregates stay: both orders and their totals.
    with ctx.sessions() as s:
        totals = sorted(s.scalars(select(Order.total_minor)))
    assert 450000 in totals and len(totals) == 2
    if ctx.engine.dialect.name == "sqlite":
        ctx.engine.dispose()
        path = Path(ctx.settings.database_url.removeprefix("sqlite:///"))
        data = path.read_bytes() + (
            Path(f"{path}-wal").read_bytes() if Path(f"{path}-wal").exists() else b""
        )
        for secret in SECRETS:
            for spelling in {secret.encode(), json.dumps(secret)[1:-1].encode()}:
                assert spelling not in data, f"{secret!r} is still in the database file"
