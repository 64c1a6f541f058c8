from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.feedback.tasks import review_asks_pass
from careloop.shops.models import Shop

PRODUCT_URL = "https://shopee.vn/acme/product/{sku}#reviews"


def per_product_shop(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        row = s.get(Shop, shop.id)
        assert row is not None
        row.settings = {
            **(row.settings or {}),
            "feedback": {"review_requests": "per_product", "product_review_url": PRODUCT_URL},
        }


def delivered_order(api: TestClient, clock: VirtualClock) -> None:
    now = clock.now().isoformat()
    api.post(
        "/api/v1/orders",
        json={
            "order_id": "A-1",
            "customer_id": "C-1",
            "placed_at": now,
            "total": "300000",
            "status": "delivered",
            "delivered_at": now,
            "email": "lan@example.test",
            "customer_name": "Lan",
            "lines": [
                {
                    "sku": "TEA-1",
                    "product_name": "Oolong tea",
                    "quantity": 1,
                    "unit_price": "100000",
                },
                {"sku": "MUG-2", "product_name": "Clay mug", "quantity": 2, "unit_price": "100000"},
            ],
        },
    )
    api.post(
        "/api/v1/survey-responses",
        json={
            "response_id": "R-1",
            "customer_id": "C-1",
            "kind": "csat",
            "score": 5,
            "answered_at": now,
        },
    )


def requests(ctx: AppContext) -> list[str]:
    with ctx.sessions() as s:
        return [
            m.body_text
            for m in s.scalars(
                select(Message)
                .where(Message.template_key == "feedback.product_review_request")
                .order_by(Message.id)
            )
        ]


def test_each_product_is_asked_for_with_its_own_link_and_reminded_at_most_twice_until_reviewed(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    per_product_shop(ctx, shop)
    delivered_order(api, clock)
    review_asks_pass(ctx)
    assert requests(ctx) == []  # Day 14, not before

    clock.advance(timedelta(days=15))
    review_asks_pass(ctx)
    first = requests(ctx)
    assert len(first) == 2
    assert "Oolong tea" in first[0] and "https://shopee.vn/acme/product/TEA-1#reviews" in first[0]
    assert "Clay mug" in first[1] and "https://shopee.vn/acme/product/MUG-2#reviews" in first[1]

    api.post(
        "/api/v1/reviews",
        json={
            "review_id": "S-1",
            "customer_id": "C-1",
            "platform": "shopee",
            "rating": 5,
            "sku": "TEA-1",
            "posted_at": clock.now().isoformat(),
        },
    )
    for _ in range(4):
        clock.advance(timedelta(days=7))
        review_asks_pass(ctx)
    sent = requests(ctx)
    assert len(sent) == 4  # the mug: request + 2 reminders; the tea: reviewed, no reminder
    assert all("Clay mug" in text for text in sent[2:])


def test_a_customer_with_an_unhappy_last_answer_gets_no_product_request(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    per_product_shop(ctx, shop)
    delivered_order(api, clock)
    api.post(
        "/api/v1/survey-responses",
        json={
            "response_id": "R-2",
            "customer_id": "C-1",
            "kind": "csat",
            "score": 2,
            "answered_at": (clock.now() + timedelta(minutes=1)).isoformat(),
        },
    )
    clock.advance(timedelta(days=15))
    review_asks_pass(ctx)
    assert requests(ctx) == []
