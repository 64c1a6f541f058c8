"""A distinctive person driven through every capability that can hold personal data:
profile, orders with a street address, a Shopify delivery (the published `orders/create`
sample, tests/fixtures/connectors/README.md, with the person's details put in), a
ticket with replies and notes, an email sent through a real SMTP server, a survey answer,
a review, a coupon and its use, points, a staff task, UGC and a group, then a few worker
passes (journeys, feedback, loyalty). Shared by the erasure and the export tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.customers.search_key import fold
from careloop.loyalty.points import adjust
from careloop.shops.models import Shop
from careloop.support.worklist import create_task
from careloop.worker import run_once
from tests.channels.helpers import configure, dispatch
from tests.connectors.conftest import fixture

NAME = "Vũ Hoàng Thanh Trúc"
EMAIL = "truc.vu.erasure@example.vn"
PHONE = "0938765432"
PHONE_E164 = "+84938765432"
STREET = "77 Phố Hàng Mã"
ADDRESS = f"{STREET}, Hoàn Kiếm, Hà Nội"
SECRETS = (NAME, EMAIL, PHONE, PHONE_E164, STREET, fold(NAME))
PLACED = "2026-10-01T10:00:00+07:00"


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
